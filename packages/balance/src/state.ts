/**
 * Learning state of each omics after Stage A: strong (the best unimodal
 * model), low-information (validation macro-F1 close to chance) or weak
 * (everything else).
 *
 * Low-information uses the skill κ = (F1 − 1/C) / (1 − 1/C), which is 0 for
 * a prior-matched random guess (whose macro-F1 is 1/C) and 1 for a perfect
 * model; an omics is low-information when κ < κ_low (default 0.25, so
 * F1 < 0.4375 for C = 4).
 */
import { InvalidInputError, type BmlWarning } from '@bml/core';

/** Category of an omics. */
export type ModalityCategory = 'strong' | 'weak' | 'lowInformation';

/** Inputs of {@link categorizeModalities}. */
export interface CategorizeInput {
  /** Omics names, unique. */
  names: string[];
  /** Validation macro-F1 of each omics' Stage-A model, in `names` order. */
  f1: number[];
  /** Validation cross-entropy of each omics' Stage-A model, in `names` order (breaks F1 ties). */
  valLoss: number[];
  /** Number of classes C. */
  nClasses: number;
  /** Skill below which an omics is low-information. Default 0.25. */
  kappaLow?: number;
  /** Number of validation samples; below 50 a warning reports that the categories are unreliable. */
  valSize?: number;
}

/** Outcome of {@link categorizeModalities}. */
export interface LearningState {
  /** Category of each omics by name. */
  categories: Record<string, ModalityCategory>;
  /** Category of each omics in `names` order. */
  categoryList: ModalityCategory[];
  /** Name of the strong omics, or `null` when even the best one is low-information. */
  strong: string | null;
  /** Index of the strong omics in `names`, or -1. */
  strongIndex: number;
  /** Skill κ of each omics by name. */
  kappa: Record<string, number>;
  /** Conditions worth reporting: small validation part, a tie broken by loss, no strong omics. */
  warnings: BmlWarning[];
}

/** Validation samples below which the categories are flagged as unreliable. */
export const MIN_RELIABLE_VALIDATION = 50;

function checkInput(input: CategorizeInput, kappaLow: number): void {
  const { names, f1, valLoss, nClasses } = input;
  const owner = '@bml/balance';
  if (names.length === 0) throw new InvalidInputError(`${owner}: names is empty; give at least one omics`);
  if (new Set(names).size !== names.length) {
    throw new InvalidInputError(`${owner}: omics names must be unique, got ${names.join(', ')}`);
  }
  if (f1.length !== names.length || valLoss.length !== names.length) {
    throw new InvalidInputError(
      `${owner}: f1 (${f1.length}) and valLoss (${valLoss.length}) need one entry per omics (${names.length})`,
    );
  }
  f1.forEach((value, m) => {
    if (!(value >= 0 && value <= 1)) {
      throw new InvalidInputError(`${owner}: macro-F1 of ${names[m]} must be in [0, 1], got ${value}`);
    }
  });
  valLoss.forEach((value, m) => {
    if (!Number.isFinite(value)) {
      throw new InvalidInputError(`${owner}: validation loss of ${names[m]} must be finite, got ${value}`);
    }
  });
  if (!Number.isInteger(nClasses) || nClasses < 2) {
    throw new InvalidInputError(`${owner}: nClasses must be an integer >= 2, got ${nClasses}`);
  }
  if (!Number.isFinite(kappaLow)) {
    throw new InvalidInputError(`${owner}: kappaLow must be a finite number, got ${kappaLow}`);
  }
}

/**
 * Assigns each omics a learning state from its Stage-A validation
 * macro-F1. The strong omics is the one with the highest F1; ties go to the
 * lower validation cross-entropy, then to the earlier omics in `names`. When
 * the best omics is itself low-information there is no strong omics and
 * distillation is skipped. Every omics is then low-information, because
 * none has a higher F1.
 */
export function categorizeModalities(input: CategorizeInput): LearningState {
  const { names, f1, valLoss, nClasses, valSize } = input;
  const kappaLow = input.kappaLow ?? 0.25;
  checkInput(input, kappaLow);
  const warnings: BmlWarning[] = [];
  const chance = 1 / nClasses;
  const kappaList = f1.map((value) => (value - chance) / (1 - chance));

  let best = 0;
  for (let m = 1; m < names.length; m++) {
    if (f1[m] > f1[best] || (f1[m] === f1[best] && valLoss[m] < valLoss[best])) best = m;
  }
  const tied = names.filter((_, m) => m !== best && f1[m] === f1[best]);
  if (tied.length > 0) {
    warnings.push({
      code: 'STRONG_TIE_BROKEN_BY_LOSS',
      message:
        `@bml/balance: ${names[best]} and ${tied.join(', ')} have the same validation macro-F1 ` +
        `(${f1[best].toFixed(4)}); ${names[best]} is strong because its validation cross-entropy is lowest`,
      ids: [names[best], ...tied],
    });
  }
  const hasStrong = kappaList[best] >= kappaLow;
  const categoryList: ModalityCategory[] = names.map((_, m) => {
    if (kappaList[m] < kappaLow) return 'lowInformation';
    return m === best ? 'strong' : 'weak';
  });
  if (!hasStrong) {
    warnings.push({
      code: 'NO_STRONG_OMICS',
      message:
        `@bml/balance: the best omics, ${names[best]}, is itself low-information (macro-F1 ${f1[best].toFixed(4)}, ` +
        `skill ${kappaList[best].toFixed(4)} < ${kappaLow}); there is no strong omics, so distillation is skipped`,
      ids: [names[best]],
    });
  }
  if (valSize !== undefined && valSize < MIN_RELIABLE_VALIDATION) {
    warnings.push({
      code: 'SMALL_VALIDATION',
      message:
        `@bml/balance: the validation part has ${valSize} samples (fewer than ${MIN_RELIABLE_VALIDATION}), ` +
        'so macro-F1 differences between omics and the categories built on them are unreliable',
    });
  }
  return {
    categories: Object.fromEntries(names.map((name, m) => [name, categoryList[m]])),
    categoryList,
    strong: hasStrong ? names[best] : null,
    strongIndex: hasStrong ? best : -1,
    kappa: Object.fromEntries(names.map((name, m) => [name, kappaList[m]])),
    warnings,
  };
}
