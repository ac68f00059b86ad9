import type { BmlWarning } from '@bml/core';
import { readSplitFile, stratifiedKFold, stratifiedSplits, type Cohort, type OuterSplit } from '@bml/data';
import type { BmlConfig } from './config/defaults.js';

/** Outer splits chosen for a run and the warnings the choice raised. */
export interface SplitPlan {
  splits: OuterSplit[];
  /** Human-readable description, for example `5 stratified 70/30 splits`. */
  description: string;
  warnings: BmlWarning[];
}

/**
 * Chooses the outer splits: explicit split files first, then k folds, then
 * the cohort's own split (unless repeats were requested), then repeated
 * stratified splits.
 */
export function planSplits(cohort: Cohort, config: BmlConfig, repeatsRequested: boolean): SplitPlan {
  const warnings: BmlWarning[] = [];
  if (config.split.files.length > 0) {
    const splits = config.split.files.map((file, repeat) => ({ ...readSplitFile(file, cohort), repeat, seed: config.seed + repeat }));
    return { splits, description: `${splits.length} outer splits from files`, warnings };
  }
  const ownSplit = cohort.split !== undefined;
  if (config.split.folds !== null) {
    if (ownSplit) warnings.push(ignoredSplitWarning(cohort, '--folds'));
    const splits = stratifiedKFold(cohort.labels, { folds: config.split.folds, seed: config.seed, classNames: cohort.classNames });
    return { splits, description: `stratified ${config.split.folds}-fold cross-validation`, warnings };
  }
  if (ownSplit && !repeatsRequested) {
    const train: number[] = [];
    const test: number[] = [];
    cohort.split!.forEach((part, i) => (part === 'test' ? test : train).push(i));
    return {
      splits: [{ repeat: 0, seed: config.seed, train, test, source: 'file' }],
      description: `the cohort's own train/test split (${train.length}/${test.length})`,
      warnings,
    };
  }
  if (ownSplit) warnings.push(ignoredSplitWarning(cohort, '--repeats'));
  const splits = stratifiedSplits(cohort.labels, {
    repeats: config.split.repeats,
    testFraction: config.split.testFraction,
    seed: config.seed,
    classNames: cohort.classNames,
  });
  const percent = Math.round(config.split.testFraction * 100);
  return {
    splits,
    description: `${splits.length} stratified ${100 - percent}/${percent} split${splits.length === 1 ? '' : 's'}`,
    warnings,
  };
}

function ignoredSplitWarning(cohort: Cohort, flag: string): BmlWarning {
  return {
    code: 'COHORT_SPLIT_IGNORED',
    message: `the cohort ${cohort.name} has its own train/test split, which is ignored because ${flag} was given`,
  };
}
