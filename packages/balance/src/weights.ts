/**
 * Loss weights of the unimodal terms in multitask training, from each
 * omics' smoothed validation macro-F1:
 *
 *   r_m = F1_m / mean_{j ≠ m, j ∉ Low} F1_j   (r_m = 1 when that set is empty)
 *   w_m = λ · (1 − tanh(η · (r_m − 1)))
 *
 * so an omics better than the others gets w < λ and a worse one w > λ,
 * with w in (0, 2λ). Low is the set of Stage-A low-information omics, gated
 * or not; leaving them out of the mean keeps one near-chance omics from
 * pushing every other omics above r = 1. A low-information omics gets
 * γ_low, moved toward min(λ, F1 rule) by its gate factor:
 * w = γ_low + (min(λ, w^F1) − γ_low) · factor, which is min(λ, w^F1) for a
 * passed hard gate and γ_low for a failed one.
 *
 * The tanh form is adapted from OGM-GE (Peng et al., 2022), which scales
 * the dominant of two modalities by 1 − tanh(α·ρ) for a score ratio ρ > 1;
 * here it is centred at r = 1, covers any number of omics and exceeds 1 for
 * weak ones.
 */
import { InvalidInputError } from '@bml/core';
import type { ModalityCategory } from './state.js';

/** Hyperparameters of {@link lossWeights}. */
export interface LossWeightOptions {
  /** Base weight λ. Default 1. */
  lambda?: number;
  /** Sensitivity η of the tanh rule. Default 2. */
  eta?: number;
  /** Weight γ_low of a low-information omics that did not pass the gate. Default 0.1. */
  gammaLow?: number;
}

/** Inputs of {@link lossWeights}. */
export interface LossWeightInput extends LossWeightOptions {
  /** Smoothed validation macro-F1 of each omics. */
  f1: readonly number[];
  /** Stage-A category of each omics, in `f1` order. */
  categories: readonly ModalityCategory[];
  /**
   * Gate of each omics, in `f1` order: `true`/1 passed, `false`/0 failed,
   * a number in between from a soft gate. Read for low-information omics
   * only. Default: every gate failed.
   */
  gate?: readonly (boolean | number)[];
}

/** Fills defaults and checks λ, η, γ_low. */
export function resolveLossWeightOptions(options: LossWeightOptions = {}): Required<LossWeightOptions> {
  const resolved = { lambda: options.lambda ?? 1, eta: options.eta ?? 2, gammaLow: options.gammaLow ?? 0.1 };
  for (const key of ['lambda', 'eta', 'gammaLow'] as const) {
    if (!(Number.isFinite(resolved[key]) && resolved[key] >= 0)) {
      throw new InvalidInputError(`@bml/balance: ${key} must be a finite number >= 0, got ${resolved[key]}`);
    }
  }
  return resolved;
}

/** Returns the loss weight of each omics' unimodal term (the fused term has weight 1). */
export function lossWeights(input: LossWeightInput): number[] {
  const { f1, categories } = input;
  const { lambda, eta, gammaLow } = resolveLossWeightOptions(input);
  if (categories.length !== f1.length || (input.gate && input.gate.length !== f1.length)) {
    throw new InvalidInputError(
      `@bml/balance: f1 (${f1.length}), categories (${categories.length}) and gate ` +
        `(${input.gate?.length ?? 'absent'}) need one entry per omics`,
    );
  }
  return f1.map((value, m) => {
    let sum = 0;
    let count = 0;
    f1.forEach((other, j) => {
      if (j === m || categories[j] === 'lowInformation') return;
      sum += other;
      count++;
    });
    // r = 1 without informative others; r = +∞ (w = 0) beats others whose mean F1 is 0.
    let ratio = 1;
    const meanOthers = count > 0 ? sum / count : 0;
    if (meanOthers > 0) {
      ratio = value / meanOthers;
    } else if (count > 0 && value > 0) {
      ratio = Infinity;
    }
    const byF1 = lambda * (1 - Math.tanh(eta * (ratio - 1)));
    if (categories[m] !== 'lowInformation') return byF1;
    const raw = input.gate?.[m] ?? 0;
    const factor = Number(raw); // true counts as 1, false as 0
    if (!(factor >= 0 && factor <= 1)) {
      throw new InvalidInputError(`@bml/balance: gate factor of omics ${m} must be in [0, 1], got ${factor}`);
    }
    return gammaLow + (Math.min(lambda, byF1) - gammaLow) * factor;
  });
}

/** Returns the exponential moving average ema · previous + (1 − ema) · current, entry by entry. */
export function updateEma(previous: readonly number[], current: readonly number[], ema: number): number[] {
  return previous.map((p, m) => ema * p + (1 - ema) * current[m]);
}
