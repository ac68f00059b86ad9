import { fitPreprocessor, validationSplit, type Cohort, type Preprocessor, type ValidationSplit } from '@bml/data';
import type { BmlConfig } from './config/defaults.js';
import { optionsForOmics } from './config/resolve.js';

/**
 * Splits the training part of an outer split into the samples the models fit
 * and the validation samples for model selection, stratified and seeded by
 * the outer split. `validateRun` and `runSplit` both call it, so the check
 * before a run tests the same parts that the run uses.
 */
export function innerValidationSplit(
  cohort: Cohort,
  trainIdx: readonly number[],
  seed: number,
  config: BmlConfig,
): ValidationSplit {
  return validationSplit(cohort.labels, trainIdx, {
    fraction: config.split.validationFraction,
    seed,
    classNames: cohort.classNames,
  });
}

/** Fits the preprocessing of one omics on the training-part rows `trainIdx`, with that omics' options. */
export function fitOmicsPreprocessor(
  cohort: Cohort,
  omics: Cohort['omics'][number],
  trainIdx: readonly number[],
  config: BmlConfig,
): Preprocessor {
  const preprocess = optionsForOmics(config, omics.name).preprocess;
  return fitPreprocessor(omics.values, trainIdx, omics.featureNames, {
    maxMissingFraction: preprocess.maxMissingFraction,
    maxFeatures: preprocess.maxFeatures,
    log2: preprocess.log2,
    name: omics.name,
    sampleIds: cohort.sampleIds,
  });
}
