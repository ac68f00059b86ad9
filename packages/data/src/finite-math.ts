/**
 * Means and medians that stay finite for values near the largest double
 * (about ±1.8e308), where a plain sum overflows to Infinity. Each function
 * takes the plain route first, so ordinary data gives bit-identical results,
 * and switches to a scaled form only when the plain result overflows.
 */

/**
 * Returns the mean of the non-NaN values among `data[indices[0]]`,
 * `data[indices[1]]`, ..., or NaN when every one is NaN.
 */
export function meanSkippingNaN(data: Float64Array, indices: readonly number[]): number {
  let sum = 0;
  let count = 0;
  for (const k of indices) {
    const x = data[k];
    if (!Number.isNaN(x)) {
      sum += x;
      count++;
    }
  }
  if (count === 0) return Number.NaN;
  const mean = sum / count;
  if (Number.isFinite(mean)) return mean;
  // Each term is at most max|x| / count, so this sum cannot overflow.
  let scaled = 0;
  for (const k of indices) {
    const x = data[k];
    if (!Number.isNaN(x)) scaled += x / count;
  }
  return scaled;
}

/** Returns the midpoint of two finite numbers without overflowing. */
export function midpoint(a: number, b: number): number {
  const plain = (a + b) / 2;
  return Number.isFinite(plain) ? plain : a / 2 + b / 2;
}
