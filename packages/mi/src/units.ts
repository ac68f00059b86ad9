/**
 * Units and bias corrections shared by the plug-in estimators.
 */
import { requireInput } from '@bml/core';

/** Base of the logarithm: `'e'` gives nats, `2` gives bits. */
export type LogBase = 'e' | 2;

/**
 * Bias correction of plug-in entropies. `'none'` keeps the maximum-likelihood
 * (plug-in) value. `'millerMadow'` adds (m - 1) / (2N) nats, where m is the
 * number of non-empty bins and N the number of samples (Miller 1955).
 */
export type BiasCorrection = 'none' | 'millerMadow';

/** Options shared by the plug-in entropy and mutual information. */
export interface PlugInOptions {
  /** Base of the logarithm: `'e'` for nats, `2` for bits. Default `'e'`. */
  base?: LogBase;
  /** Bias correction. Default `'none'`. */
  correction?: BiasCorrection;
}

/** Converts a value in nats to the requested base. */
export function fromNats(value: number, base: LogBase): number {
  return base === 2 ? value / Math.LN2 : value;
}

/** Resolves the defaults and throws unless `base` and `correction` are among the documented values. */
export function readPlugInOptions(options: PlugInOptions): Required<PlugInOptions> {
  const { base = 'e', correction = 'none' } = options;
  requireInput(base === 'e' || base === 2, `@bml/mi: base must be 'e' or 2, got ${String(base)}`);
  requireInput(
    correction === 'none' || correction === 'millerMadow',
    `@bml/mi: correction must be 'none' or 'millerMadow', got ${String(correction)}`,
  );
  return { base, correction };
}
