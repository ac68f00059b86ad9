/**
 * Stratified outer splits (repeated train/test, k folds) and the stratified
 * validation part inside a training part.
 *
 * Per class, the samples are shuffled with the seed and the first
 * round(n_c * fraction) go to the held-out part (round half up). The count
 * is clamped so that a class with at least two samples has at least one on
 * each side. A class with one sample stays on the training side.
 */
import { InvalidInputError, Rng, requireInput, type BmlWarning } from '@bml/core';
import { agree } from './grammar.js';
import type { OuterSplit } from './types.js';

/** Options of {@link stratifiedSplits}. */
export interface StratifiedSplitOptions {
  /** Number of repeats. */
  repeats: number;
  /** Fraction of each class that goes to the test part. Default 0.3. */
  testFraction?: number;
  /** Base seed: repeat r draws with seed `seed + r`. */
  seed: number;
  /** Class names for messages. Default: class codes. */
  classNames?: readonly string[];
}

/** Options of {@link stratifiedKFold}. */
export interface KFoldOptions {
  /** Number of folds, at least 2. */
  folds: number;
  /** Seed of the one shuffle that assigns samples to folds. */
  seed: number;
  /** Class names for messages. Default: class codes. */
  classNames?: readonly string[];
}

/** Options of {@link validationSplit}. */
export interface ValidationSplitOptions {
  /** Fraction of each class of the training part that goes to validation. Default 0.2. */
  fraction?: number;
  /** Seed of the shuffle. */
  seed: number;
  /** Class names for messages. Default: class codes. */
  classNames?: readonly string[];
}

/** A training part divided into a fitting part and a validation part (cohort indices, ascending). */
export interface ValidationSplit {
  /** Indices the models are fitted on. */
  fit: number[];
  /** Indices used for early stopping and model selection. */
  validation: number[];
  /** Classes too small to appear in both parts. */
  warnings: BmlWarning[];
}

/**
 * Draws `repeats` stratified train/test splits. Repeat r shuffles with
 * `new Rng(seed + r)`, so the same seed gives the same splits. A class with
 * a single sample stays in every training part and is reported in each
 * split's warnings.
 */
export function stratifiedSplits(labels: Int32Array, options: StratifiedSplitOptions): OuterSplit[] {
  const { repeats, seed, testFraction = 0.3 } = options;
  requireInput(
    Number.isInteger(repeats) && repeats >= 1,
    `@bml/data: repeats must be a positive integer, got ${repeats}`,
    'BAD_OPTION',
  );
  checkFraction('testFraction', testFraction);
  checkSeed(seed);
  const byClass = membersByClass(labels, allIndices(labels.length));
  const splits: OuterSplit[] = [];
  for (let r = 0; r < repeats; r++) {
    const rng = new Rng(seed + r);
    const { heldOut, remaining, warnings } = divide(byClass, testFraction, rng, options.classNames, 'test');
    splits.push({ repeat: r, seed: seed + r, train: remaining, test: heldOut, source: 'random', warnings });
  }
  return splits;
}

/**
 * Assigns samples to `folds` stratified folds and returns one split per fold,
 * with that fold as the test part. Each class is shuffled with
 * `new Rng(seed)` and dealt to the folds in turn, continuing from where the
 * previous class stopped, so fold sizes differ by at most one. Every split
 * carries the same seed.
 *
 * A class with one sample raises an `InvalidInputError`: in the fold that
 * tests it, no training sample of that class would exist. A class with fewer
 * samples than folds is reported in the warnings of every split.
 */
export function stratifiedKFold(labels: Int32Array, options: KFoldOptions): OuterSplit[] {
  const { folds, seed } = options;
  requireInput(
    Number.isInteger(folds) && folds >= 2,
    `@bml/data: folds must be an integer of at least 2, got ${folds}`,
    'BAD_OPTION',
  );
  checkSeed(seed);
  requireInput(
    folds <= labels.length,
    `@bml/data: folds (${folds}) must not exceed the number of samples (${labels.length}); lower folds`,
    'BAD_OPTION',
  );

  const byClass = membersByClass(labels, allIndices(labels.length));
  const singletons = byClass.filter((members) => members.indices.length === 1);
  if (singletons.length > 0) {
    const named = singletons.map((m) => `${className(m.code, options.classNames)} (1 sample)`).join(', ');
    throw new InvalidInputError(
      `@bml/data: ${agree(singletons.length, 'class', 'classes')} ${named} cannot be in the training and ` +
        `the test part of a ${folds}-fold cross-validation, because a single sample is in one part only; ` +
        'drop the class, merge it into a related class, or use leave-one-out',
      'CLASS_TOO_SMALL',
      { classes: singletons.map((m) => className(m.code, options.classNames)) },
    );
  }

  const warnings: BmlWarning[] = [];
  const small = byClass.filter((members) => members.indices.length < folds);
  if (small.length > 0) {
    const named = small.map((m) => `${className(m.code, options.classNames)} (${m.indices.length})`);
    warnings.push({
      code: 'CLASS_SMALLER_THAN_FOLDS',
      message:
        `${agree(small.length, 'class', 'classes')} ${named.join(', ')} ` +
        `${agree(small.length, 'has', 'have')} fewer samples than the ${folds} folds, ` +
        'so some test folds contain none of it and its per-class scores are undefined there',
      ids: small.map((m) => className(m.code, options.classNames)),
    });
  }

  const rng = new Rng(seed);
  const foldOf = new Int32Array(labels.length);
  let next = 0;
  for (const { indices } of byClass) {
    for (const i of rng.shuffle([...indices])) {
      foldOf[i] = next;
      next = (next + 1) % folds;
    }
  }

  const splits: OuterSplit[] = [];
  for (let k = 0; k < folds; k++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < labels.length; i++) (foldOf[i] === k ? test : train).push(i);
    splits.push({ repeat: k, seed, train, test, source: 'kfold', warnings: [...warnings] });
  }
  return splits;
}

/**
 * Divides the training part `trainIdx` into a fitting part and a stratified
 * validation part, shuffling each class with `new Rng(seed)`.
 */
export function validationSplit(
  labels: Int32Array,
  trainIdx: ArrayLike<number>,
  options: ValidationSplitOptions,
): ValidationSplit {
  const { seed, fraction = 0.2 } = options;
  checkFraction('fraction', fraction);
  checkSeed(seed);
  const indices = Array.from(trainIdx);
  for (const i of indices) {
    requireInput(
      Number.isInteger(i) && i >= 0 && i < labels.length,
      `@bml/data: training index ${i} is outside 0..${labels.length - 1}`,
      'BAD_INDEX',
    );
  }
  const byClass = membersByClass(labels, indices);
  const rng = new Rng(seed);
  const { heldOut, remaining, warnings } = divide(byClass, fraction, rng, options.classNames, 'validation');
  requireInput(
    heldOut.length > 0,
    `@bml/data: the training part (${indices.length} samples) is too small for a validation part: ` +
      'every class has a single training sample; add samples or merge classes',
    'TRAINING_PART_TOO_SMALL',
  );
  return { fit: remaining, validation: heldOut, warnings };
}

interface ClassMembers {
  code: number;
  indices: number[];
}

function membersByClass(labels: Int32Array, indices: readonly number[]): ClassMembers[] {
  const byCode = new Map<number, number[]>();
  for (const i of indices) {
    const code = labels[i];
    requireInput(
      Number.isInteger(code) && code >= 0,
      `@bml/data: label of sample ${i} is ${code}; class codes must be non-negative integers`,
      'BAD_LABEL',
    );
    const members = byCode.get(code);
    if (members) members.push(i);
    else byCode.set(code, [i]);
  }
  return [...byCode.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([code, members]) => ({ code, indices: members.sort((a, b) => a - b) }));
}

function divide(
  byClass: ClassMembers[],
  fraction: number,
  rng: Rng,
  classNames: readonly string[] | undefined,
  partName: 'test' | 'validation',
): { heldOut: number[]; remaining: number[]; warnings: BmlWarning[] } {
  const heldOut: number[] = [];
  const remaining: number[] = [];
  const singletons: string[] = [];
  for (const { code, indices } of byClass) {
    const n = indices.length;
    const take = n >= 2 ? Math.min(n - 1, Math.max(1, Math.round(n * fraction))) : 0;
    if (n === 1) singletons.push(className(code, classNames));
    const shuffled = rng.shuffle([...indices]);
    heldOut.push(...shuffled.slice(0, take));
    remaining.push(...shuffled.slice(take));
  }
  const warnings: BmlWarning[] = [];
  if (singletons.length > 0) {
    warnings.push({
      code: 'CLASS_TOO_SMALL',
      message:
        `${agree(singletons.length, 'class', 'classes')} ${singletons.join(', ')} ` +
        `${agree(singletons.length, 'has', 'each have')} a single sample ` +
        `${partName === 'test' ? 'in the cohort' : 'in the training part'}, which stays in the ` +
        `${partName === 'test' ? 'training' : 'fitting'} part and is never in the ${partName} part; ` +
        'drop the class, merge it into a related class, or use leave-one-out',
      ids: singletons,
    });
  }
  heldOut.sort((a, b) => a - b);
  remaining.sort((a, b) => a - b);
  return { heldOut, remaining, warnings };
}

function allIndices(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function className(code: number, classNames: readonly string[] | undefined): string {
  return classNames?.[code] ?? String(code);
}

function checkFraction(name: string, value: number): void {
  requireInput(
    Number.isFinite(value) && value > 0 && value < 1,
    `@bml/data: ${name} must be between 0 and 1 (exclusive), got ${value}`,
    'BAD_OPTION',
  );
}

function checkSeed(seed: number): void {
  requireInput(Number.isFinite(seed), `@bml/data: seed must be a finite number, got ${seed}`, 'BAD_OPTION');
}
