import { InvalidInputError, macroF1, accuracy, summarize, type BmlWarning } from '@bml/core';
import { initBackend, type BackendInfo } from '@bml/core/tensor';
import type { Cohort } from '@bml/data';
import type { PairInformation } from '@bml/mi';
import type { BmlConfig } from './config/defaults.js';
import { loadRunCohort } from './load-cohort.js';
import type { ProgressHandler } from './progress.js';
import { planSplits } from './splits.js';
import { runSplits } from './parallel/split-pool.js';
import type { PredictionRow, RunMetrics, SplitMetrics, SplitSummary } from './types.js';
import { validateRun, type RunCheck } from './validate.js';

/** Input of {@link runBml}. */
export interface RunOptions {
  /** Cohort folder; when absent the simulated cohort is generated from `config.seed`. */
  data?: string;
  /** Resolved options (see `resolveConfig`). */
  config: BmlConfig;
  /** Whether the user asked for repeats explicitly, which overrides a cohort's own split. Default false. */
  repeatsRequested?: boolean;
  /** Labels file instead of the cohort's own. */
  labels?: string;
  /** Test labels file, with `labels` as the training labels. */
  testLabels?: string;
  /** Cohort already loaded by the caller (with {@link loadRunCohort}); `data` then only names it. */
  cohort?: Cohort;
  /** Result of `validateRun` when the caller already ran it on `cohort`; otherwise the run runs it. */
  check?: RunCheck;
  /** Receives progress events. */
  onProgress?: ProgressHandler;
}

/** Everything a run produces, before it is written to disk. */
export interface RunResult {
  metrics: RunMetrics;
  predictions: PredictionRow[];
  cohort: Cohort;
  config: BmlConfig;
  backend: BackendInfo;
  /** How the outer splits were chosen, in words. */
  splitDescription: string;
}

/**
 * Runs the balanced multimodal method on a cohort: every outer split through
 * every stage, then the summary over splits and a majority-class baseline on
 * the same test parts.
 */
export async function runBml(options: RunOptions): Promise<RunResult> {
  const { config, onProgress = () => {} } = options;
  const started = performance.now();
  const backend = await initBackend();
  const cohort = options.cohort ?? (await loadRunCohort(options));
  checkCohort(cohort);
  onProgress({
    stage: 'load',
    message: `${cohort.name}: ${cohort.sampleIds.length} samples, ${cohort.classNames.length} classes, omics ${cohort.omics
      .map((o) => `${o.name} (${o.values.cols})`)
      .join(', ')}`,
  });

  const plan = planSplits(cohort, config, options.repeatsRequested ?? false);
  onProgress({ stage: 'split', message: `evaluating on ${plan.description}` });
  const check = options.check ?? validateRun(cohort, plan, config);
  // K_CLAMPED is left out because @bml/snf reports the clamp again, with the value used, during the run.
  const checkWarnings = check.warnings.filter((w) => w.code !== 'K_CLAMPED');
  const warnings: BmlWarning[] = [...cohort.warnings, ...plan.warnings, ...checkWarnings];
  const splits: SplitMetrics[] = [];
  const predictions: PredictionRow[] = [];
  const stages: Record<string, number> = {};
  const featuresKept: Record<string, number[]> = {};
  const majority = { accuracy: [] as number[], macroF1: [] as number[] };
  // Splits may run at the same time on worker threads, and their outcomes are combined in split order.
  const outcomes = runSplits(cohort, plan.splits, config, onProgress);
  for (const [index, split] of plan.splits.entries()) {
    const outcome = await outcomes[index];
    splits.push(outcome.metrics);
    predictions.push(...outcome.predictions);
    warnings.push(...outcome.warnings);
    for (const [stage, ms] of Object.entries(outcome.stages)) stages[stage] = (stages[stage] ?? 0) + ms;
    for (const [name, kept] of Object.entries(outcome.featuresKept)) (featuresKept[name] ??= []).push(kept);
    const baseline = majorityBaseline(cohort, split.train, split.test);
    majority.accuracy.push(baseline.accuracy);
    majority.macroF1.push(baseline.macroF1);
    onProgress({
      repeat: split.repeat,
      stage: 'evaluate',
      message: `test accuracy ${outcome.metrics.test.accuracy.toFixed(3)}, macro-F1 ${outcome.metrics.test.macroF1.toFixed(3)}, AUC ${outcome.metrics.test.auc?.toFixed(3) ?? 'undefined'}`,
    });
  }

  const names = cohort.omics.map((o) => o.name);
  const aucValues = splits.map((s) => s.test.auc).filter((a): a is number => a !== null);
  const perOmics: RunMetrics['summary']['perOmics'] = {};
  for (const name of names) {
    perOmics[name] = {
      stageA: summarizeSplits(splits.map((s) => s.perOmics[name].stageA.macroF1)),
      stageC: summarizeSplits(splits.map((s) => s.perOmics[name].stageC.macroF1)),
    };
  }
  const pairwiseMi: RunMetrics['summary']['pairwiseMi'] = {};
  for (const pair of Object.keys(splits[0]?.pairwiseMi ?? {})) {
    const values = (key: keyof PairInformation) =>
      splits.map((s) => s.pairwiseMi[pair][key]).filter((v): v is number => v !== null);
    pairwiseMi[pair] = {
      nmi: summarizeSplits(values('nmi')),
      mi: summarizeSplits(values('mi')),
      ksg: summarizeSplits(values('ksg')),
      ksgCoefficient: summarizeSplits(values('ksgCoefficient')),
    };
  }
  const classSizes: Record<string, number> = {};
  cohort.classNames.forEach((name) => (classSizes[name] = 0));
  cohort.labels.forEach((c) => classSizes[cohort.classNames[c]]++);
  const metrics: RunMetrics = {
    schemaVersion: 1,
    cohort: {
      name: cohort.name,
      samples: cohort.sampleIds.length,
      classes: cohort.classNames,
      classSizes,
      omics: Object.fromEntries(
        cohort.omics.map((o) => [
          o.name,
          {
            file: o.file,
            orientation: o.orientation,
            features: o.values.cols,
            featuresKept: featuresKept[o.name] ?? [],
            samples: countPresent(o.present),
          },
        ]),
      ),
    },
    splits,
    summary: {
      accuracy: summarizeSplits(splits.map((s) => s.test.accuracy)),
      macroF1: summarizeSplits(splits.map((s) => s.test.macroF1)),
      auc: summarizeSplits(aucValues),
      perOmics,
      pairwiseMi,
    },
    baselines: { majorityClass: { accuracy: summarizeSplits(majority.accuracy), macroF1: summarizeSplits(majority.macroF1) } },
    warnings: dedupeWarnings(warnings),
    timings: { totalMs: performance.now() - started, stages },
  };
  return { metrics, predictions, cohort, config, backend, splitDescription: plan.description };
}

/** Summarises `values` over splits: the sd is null for one value, and both are null for none. */
function summarizeSplits(values: number[]): SplitSummary {
  if (values.length === 0) return { mean: null, sd: null };
  const { mean, sd } = summarize(values);
  return { mean, sd: values.length > 1 ? sd : null };
}

function checkCohort(cohort: Cohort): void {
  if (cohort.classNames.length < 2) {
    throw new InvalidInputError(
      `bml: the cohort ${cohort.name} has ${cohort.classNames.length} class; classification needs at least 2 classes in the labels`,
      'TOO_FEW_CLASSES',
    );
  }
  if (cohort.omics.length === 0) {
    throw new InvalidInputError(`bml: the cohort ${cohort.name} has no omics files; add one CSV or TSV per omics`, 'NO_OMICS');
  }
}

function countPresent(present: Uint8Array): number {
  let n = 0;
  for (const p of present) n += p;
  return n;
}

/** Predicts the most frequent training class for every test sample. */
function majorityBaseline(cohort: Cohort, train: number[], test: number[]): { accuracy: number; macroF1: number } {
  const counts = new Array<number>(cohort.classNames.length).fill(0);
  for (const s of train) counts[cohort.labels[s]]++;
  const majorityClass = counts.indexOf(Math.max(...counts));
  const truth = Int32Array.from(test, (s) => cohort.labels[s]);
  const predicted = new Int32Array(test.length).fill(majorityClass);
  return {
    accuracy: accuracy(truth, predicted),
    macroF1: macroF1(truth, predicted, cohort.classNames.length).macroF1,
  };
}

/** Merges warnings with the same code and message (repeated over splits) into one. */
function dedupeWarnings(warnings: BmlWarning[]): BmlWarning[] {
  const seen = new Map<string, BmlWarning>();
  for (const w of warnings) {
    const key = `${w.code}\u0000${w.message}`;
    if (!seen.has(key)) seen.set(key, w);
  }
  return [...seen.values()];
}
