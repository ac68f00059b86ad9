/** Mean and sample standard deviation of a list of numbers. */
export interface Summary {
  /** Arithmetic mean. */
  mean: number;
  /** Sample standard deviation (n - 1 in the denominator); 0 for a single value. */
  sd: number;
}

/** Returns the mean of `values` (NaN for an empty list). */
export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

/** Returns the mean and sample standard deviation of `values`. */
export function summarize(values: ArrayLike<number>): Summary {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, sd: Number.NaN };
  const m = mean(values);
  if (n === 1) return { mean: m, sd: 0 };
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - m) ** 2;
  return { mean: m, sd: Math.sqrt(ss / (n - 1)) };
}

/** Returns the median of `values` (average of the two middle values for an even count). */
export function median(values: ArrayLike<number>): number {
  const sorted = Array.from(values).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
