/**
 * Information coefficient of correlation (Linfoot 1957): a mutual information
 * in nats rescaled onto [0, 1].
 */
import { requireInput } from '@bml/core';

/**
 * Computes the information coefficient of correlation
 * r_I = sqrt(1 - exp(-2 I)) (Linfoot 1957), which maps a mutual information
 * I in nats onto [0, 1] and equals |rho| for a bivariate Gaussian with
 * correlation rho. Values I <= 0 (such as a slightly negative KSG estimate)
 * give 0 and I = Infinity gives 1.
 *
 * @throws InvalidInputError when `mi` is NaN.
 */
export function informationCoefficient(mi: number): number {
  requireInput(
    !Number.isNaN(mi),
    '@bml/mi: information coefficient of NaN is undefined. Pass a mutual information in nats.',
  );
  if (mi <= 0) return 0;
  return Math.sqrt(-Math.expm1(-2 * mi));
}
