/**
 * The mutual information gate of a low-information omics. The omics may
 * learn from the strong one (distillation, and a loss weight by the F1
 * rule) when the normalised mutual information between the two omics'
 * predicted classes on the validation nodes exceeds a threshold (default
 * 0.2).
 *
 * NMI = I(a; b) / ((H(a) + H(b)) / 2) in nats (scikit-learn's arithmetic
 * normalisation), from `@bml/mi`; it is 0 when either prediction vector is
 * nearly constant (entropy below 1e-6). The soft variant replaces the 0/1
 * decision by σ((NMI − threshold) / width).
 */
import { InvalidInputError } from '@bml/core';
import { normalizedMutualInfo } from '@bml/mi';
import type { LearningState } from './state.js';

/** Kind of gate factor: 0/1 (`hard`) or a sigmoid of the NMI (`soft`). */
export type GateMode = 'hard' | 'soft';

/** Options of {@link gateModality}. */
export interface GateOptions {
  /** NMI a low-information omics must exceed. Default 0.2. */
  threshold?: number;
  /** `hard`: factor 1 when passed, else 0; `soft`: factor σ((NMI − threshold) / softWidth). Default `hard`. */
  mode?: GateMode;
  /** Width of the soft gate's sigmoid. Default 0.05. */
  softWidth?: number;
}

/** One gate decision. */
export interface GateDecision {
  /** NMI between the two prediction vectors. */
  nmi: number;
  /** Whether NMI > threshold. */
  passed: boolean;
  /** Share of the way from γ_low to the F1-rule weight, in [0, 1] (see `lossWeights`). */
  factor: number;
}

function resolveGateOptions(options: GateOptions): Required<GateOptions> {
  const resolved = { threshold: options.threshold ?? 0.2, mode: options.mode ?? 'hard', softWidth: options.softWidth ?? 0.05 };
  if (!Number.isFinite(resolved.threshold)) {
    throw new InvalidInputError(`@bml/balance: gate threshold must be a finite number, got ${resolved.threshold}`);
  }
  if (resolved.mode !== 'hard' && resolved.mode !== 'soft') {
    throw new InvalidInputError(`@bml/balance: gate mode must be "hard" or "soft", got ${String(resolved.mode)}`);
  }
  if (!(resolved.softWidth > 0 && Number.isFinite(resolved.softWidth))) {
    throw new InvalidInputError(`@bml/balance: softWidth must be a finite number > 0, got ${resolved.softWidth}`);
  }
  return resolved;
}

/** Returns the gate factor of an NMI value: 0/1 (hard) or the sigmoid (soft). */
export function gateFactor(nmi: number, options: GateOptions = {}): number {
  const { threshold, mode, softWidth } = resolveGateOptions(options);
  if (mode === 'hard') return nmi > threshold ? 1 : 0;
  return 1 / (1 + Math.exp(-(nmi - threshold) / softWidth));
}

/**
 * Gates one low-information omics against the strong one from their
 * predicted classes on the same validation nodes.
 */
export function gateModality(
  lowPred: ArrayLike<number>,
  strongPred: ArrayLike<number>,
  options: GateOptions = {},
): GateDecision {
  const resolved = resolveGateOptions(options);
  if (lowPred.length !== strongPred.length) {
    throw new InvalidInputError(
      `@bml/balance: the two prediction vectors differ in length (${lowPred.length} and ${strongPred.length}); ` +
        'give predictions for the same validation nodes',
    );
  }
  const nmi = normalizedMutualInfo(lowPred, strongPred);
  return { nmi, passed: nmi > resolved.threshold, factor: gateFactor(nmi, resolved) };
}

/** Outcome of {@link gateLowInformation}. */
export interface GateSummary {
  /** Decision of each low-information omics by name (absent for the others). */
  decisions: Record<string, GateDecision>;
  /** Gate factor of every omics in `names` order: the decision's factor for a low-information omics, else 0. */
  factors: number[];
}

/**
 * Gates every low-information omics against the strong one. Without a
 * strong omics no omics passes (every factor is 0).
 *
 * @param valPred - predicted classes of each omics on the validation nodes, in `names` order
 */
export function gateLowInformation(
  names: string[],
  state: LearningState,
  valPred: ArrayLike<number>[],
  options: GateOptions = {},
): GateSummary {
  if (valPred.length !== names.length) {
    throw new InvalidInputError(
      `@bml/balance: valPred has ${valPred.length} prediction vectors but there are ${names.length} omics`,
    );
  }
  const decisions: Record<string, GateDecision> = {};
  const factors = names.map(() => 0);
  if (state.strongIndex < 0) return { decisions, factors };
  names.forEach((name, m) => {
    if (state.categoryList[m] !== 'lowInformation') return;
    decisions[name] = gateModality(valPred[m], valPred[state.strongIndex], options);
    factors[m] = decisions[name].factor;
  });
  return { decisions, factors };
}
