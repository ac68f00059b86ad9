import { loadCohort, simulateCohort, type Cohort } from '@bml/data';
import type { BmlConfig } from './config/defaults.js';

/** Source of a run's cohort: a folder with optional label files, or the simulated cohort. */
export interface CohortSource {
  /** Cohort folder; when absent the simulated cohort is generated from `config.seed`. */
  data?: string;
  /** Labels file instead of the cohort's own. */
  labels?: string;
  /** Test labels file, with `labels` as the training labels. */
  testLabels?: string;
  /** Resolved options; `config.input` sets how the files are read. */
  config: BmlConfig;
}

/** Loads the cohort of a run with the reading options of `config.input`, or simulates it when no folder is given. */
export async function loadRunCohort(source: CohortSource): Promise<Cohort> {
  const { data, config } = source;
  if (!data) return simulateCohort({ seed: config.seed });
  const input = config.input;
  return loadCohort(data, {
    labels: source.labels,
    testLabels: source.testLabels,
    idMatch: input.idMatch,
    orientation: input.orientation,
    sampleTypes: input.sampleTypes,
    duplicateSamples: input.duplicateSamples,
  });
}
