/**
 * Special functions used by the estimators: the digamma function and the
 * logarithm of the gamma function, both for real arguments.
 */
import { requireInput } from '@bml/core';

/** Euler-Mascheroni constant, equal to -digamma(1). */
export const EULER_GAMMA = 0.5772156649015329;

// Below this argument both functions shift upwards by their recurrences before
// using the asymptotic series, whose truncation error at 10 is under 1e-15.
const ASYMPTOTIC_START = 10;

/**
 * Computes the digamma function psi(x) = d/dx log Gamma(x).
 *
 * Uses the recurrence psi(x) = psi(x + 1) - 1/x up to x >= 10, then the
 * asymptotic series in 1/x^2 with Bernoulli-number coefficients. Negative
 * non-integer arguments go through the reflection formula
 * psi(x) = psi(1 - x) - pi / tan(pi x). Absolute error about 1e-15.
 *
 * @throws InvalidInputError for zero, a negative integer (poles) or a non-finite value.
 */
export function digamma(x: number): number {
  requireInput(
    Number.isFinite(x) && !(x <= 0 && Number.isInteger(x)),
    `@bml/mi: digamma is undefined at x = ${x}. Pass a finite value that is not 0 or a negative integer.`,
  );
  if (x < 0) return digamma(1 - x) - Math.PI / Math.tan(Math.PI * x);

  let shift = 0;
  let t = x;
  while (t < ASYMPTOTIC_START) {
    shift += 1 / t;
    t += 1;
  }
  const inv2 = 1 / (t * t);
  // -sum_{n>=1} B_2n / (2n t^2n) for n = 1..6
  const series =
    inv2 *
    (-1 / 12 +
      inv2 * (1 / 120 + inv2 * (-1 / 252 + inv2 * (1 / 240 + inv2 * (-1 / 132 + inv2 * (691 / 32760))))));
  return Math.log(t) - 0.5 / t + series - shift;
}

/**
 * Computes log Gamma(x) for x > 0 (Stirling's series after shifting the
 * argument to at least 10). Relative error about 1e-15.
 *
 * @throws InvalidInputError for x <= 0 or a non-finite value.
 */
export function logGamma(x: number): number {
  requireInput(Number.isFinite(x) && x > 0, `@bml/mi: logGamma needs a finite positive argument, got ${x}`);
  let product = 1;
  let t = x;
  while (t < ASYMPTOTIC_START) {
    product *= t;
    t += 1;
  }
  const inv = 1 / t;
  const inv2 = inv * inv;
  // sum_{n>=1} B_2n / (2n (2n - 1) t^(2n - 1)) for n = 1..6
  const series =
    inv *
    (1 / 12 +
      inv2 *
        (-1 / 360 + inv2 * (1 / 1260 + inv2 * (-1 / 1680 + inv2 * (1 / 1188 + inv2 * (-691 / 360360))))));
  return (t - 0.5) * Math.log(t) - t + 0.5 * Math.log(2 * Math.PI) + series - Math.log(product);
}

/** Returns `table[n] = log(n!)` for n = 0..max. */
export function logFactorialTable(max: number): Float64Array {
  const table = new Float64Array(max + 1);
  for (let n = 2; n <= max; n++) table[n] = logGamma(n + 1);
  return table;
}

/** Returns `table[n] = digamma(n)` for n = 1..max (`table[0]` is unused and 0). */
export function digammaTable(max: number): Float64Array {
  const table = new Float64Array(max + 1);
  if (max >= 1) table[1] = -EULER_GAMMA;
  // psi(n + 1) = psi(n) + 1/n summed in float64 loses at most about n * 1e-16,
  // so long tables are computed directly instead.
  for (let n = 2; n <= max; n++) table[n] = n < 64 ? table[n - 1] + 1 / (n - 1) : digamma(n);
  return table;
}
