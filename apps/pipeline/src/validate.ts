/**
 * Checks a planned run before any training, so that input the method cannot
 * use stops in seconds with a typed error (exit code 2) instead of failing
 * after minutes of work or halfway through writing results.
 */
import { availableParallelism } from 'node:os';
import { InvalidInputError, type BmlWarning } from '@bml/core';
import type { Cohort, OuterSplit } from '@bml/data';
import { architecture } from '@bml/autoencoder';
import { availableMemoryBytes, fusionMemoryBytes } from '@bml/snf';
import type { BmlConfig } from './config/defaults.js';
import { optionsForOmics } from './config/resolve.js';
import { concurrentSplitCount, resolveWorkerCount } from './parallel/split-pool.js';
import { fitOmicsPreprocessor, innerValidationSplit } from './split-setup.js';
import type { SplitPlan } from './splits.js';

/** The largest allocations of a run, estimated from the sample and feature counts. */
export interface MemoryEstimate {
  /** Estimated peak bytes beyond what the process holds when the check runs. */
  bytes: number;
  /** The estimate of the largest split, by allocation, in bytes. */
  parts: { fusion: number; autoencoder: number; encoders: number; splitCopies: number; workerThreads: number };
  /** Worker threads that train at the same time, each holding one stage of a split. */
  workers: number;
  /** Outer splits in progress at the same time, each holding its own preprocessed copy of the omics. */
  concurrentSplits: number;
  /** Bytes the run may use. */
  availableBytes: number;
  /** Origin of `availableBytes`: the `memory.limitMB` option, the caller's argument, or the memory free when the check ran. */
  source: 'option' | 'argument' | 'system';
}

/** Result of {@link validateRun}. */
export interface RunCheck {
  /** Conditions that do not stop the run. */
  warnings: BmlWarning[];
  memory: MemoryEstimate;
  /** Features left after preprocessing, per outer split and omics. */
  featuresKept: Record<string, number>[];
}

/** Bytes one WebAssembly memory can address (4 GiB), the limit of the SNF arena. */
const WASM_MEMORY_BYTES = 2 ** 32;

/**
 * Checks, before any training, that every planned outer split can run. The
 * cohort and each training part need two or more classes, both parts need
 * samples, and the training part needs a validation part and at least two
 * samples with each omics. Each omics must keep at least one feature after
 * preprocessing on the training part, and the estimated peak memory must
 * fit in what is available. Each failure is an `InvalidInputError` naming
 * the value and the fix.
 *
 * The validation part and the preprocessing come from the same functions
 * `runSplit` calls (split-setup.ts). NOTE: the fusion size in the memory
 * estimate still mirrors `runSplit`'s choice of fused samples.
 */
export function validateRun(cohort: Cohort, plan: SplitPlan, config: BmlConfig): RunCheck {
  checkCohortShape(cohort);
  const featuresKept = plan.splits.map((split) => checkSplit(cohort, split, config));
  const memory = estimateMemory(cohort, plan.splits, featuresKept, config);
  checkMemory(memory, cohort, config);
  const warnings = neighbourWarnings(cohort, plan.splits, config);
  const cores = availableParallelism();
  if (memory.workers > cores) {
    warnings.push({
      code: 'WORKERS_ABOVE_CORES',
      message:
        `option "workers" starts ${memory.workers} worker threads on ${cores} cores; threads beyond the cores ` +
        `only share them, so the run is no faster and each thread holds about ${formatBytes(WORKER_THREAD_BYTES)}; ` +
        'use 0 for one thread per core',
    });
  }
  if (memory.bytes > 0.8 * memory.availableBytes) {
    warnings.push({
      code: 'MEMORY_TIGHT',
      message:
        `this run needs an estimated ${formatBytes(memory.bytes)} of the ${formatBytes(memory.availableBytes)} ` +
        `available (${describeParts(memory)}); other programs that start now may push it into swapping`,
    });
  }
  return { warnings, memory, featuresKept };
}

function checkCohortShape(cohort: Cohort): void {
  if (cohort.classNames.length < 2) {
    throw new InvalidInputError(
      `bml: the cohort ${cohort.name} has ${cohort.classNames.length} class (${cohort.classNames.join(', ')}); ` +
        'classification needs at least 2 classes in the labels',
      'TOO_FEW_CLASSES',
    );
  }
  if (cohort.omics.length === 0) {
    throw new InvalidInputError(
      `bml: the cohort ${cohort.name} has no omics files; add one CSV or TSV per omics`,
      'NO_OMICS',
    );
  }
}

/** Checks one outer split and returns the features each omics keeps after preprocessing. */
function checkSplit(cohort: Cohort, split: OuterSplit, config: BmlConfig): Record<string, number> {
  const where = `outer split ${split.repeat + 1}`;
  for (const [part, indices] of [
    ['training', split.train],
    ['test', split.test],
  ] as const) {
    if (indices.length === 0) {
      throw new InvalidInputError(
        `bml: the ${part} part of ${where} has no sample; give the split file samples in both parts, ` +
          'or draw splits at random with --repeats',
        'EMPTY_SPLIT_PART',
        { repeat: split.repeat },
      );
    }
  }
  const trainClasses = new Set(split.train.map((i) => cohort.labels[i]));
  if (trainClasses.size < 2) {
    const only = cohort.classNames[[...trainClasses][0]];
    throw new InvalidInputError(
      `bml: the training part of ${where} has samples of class ${only} only; a classifier needs at least 2 ` +
        'classes to learn from, so put samples of other classes in the training part',
      'TOO_FEW_TRAINING_CLASSES',
      { repeat: split.repeat },
    );
  }
  try {
    innerValidationSplit(cohort, split.train, split.seed, config);
  } catch (error) {
    throw withContext(error, where);
  }

  const keptFeatures: Record<string, number> = {};
  for (const omics of cohort.omics) {
    const training = split.train.filter((i) => omics.present[i]);
    if (training.length < 2) {
      throw new InvalidInputError(
        `bml: only ${training.length} sample of the training part of ${where} has ${omics.name}; ` +
          'preprocessing and the similarity network need at least 2, so add samples with this omics or ' +
          'leave the omics out',
        'TOO_FEW_SAMPLES',
        { omics: omics.name, repeat: split.repeat },
      );
    }
    try {
      const fitted = fitOmicsPreprocessor(cohort, omics, split.train, config);
      keptFeatures[omics.name] = fitted.featureNames.length;
    } catch (error) {
      throw withContext(error, `the training part of ${where}`);
    }
  }
  return keptFeatures;
}

/**
 * Returns a warning for each omics whose SNF K, and for the graph if its k,
 * is not smaller than the samples it is taken from in the smallest split.
 * Each states the value the run will use: samples - 1, the clamp that
 * `@bml/snf` applies and reports again during the run.
 */
function neighbourWarnings(cohort: Cohort, splits: readonly OuterSplit[], config: BmlConfig): BmlWarning[] {
  const fusedSamples = (split: OuterSplit, present: Uint8Array): number => {
    const fused = config.graph.mode === 'inductive' ? split.train : [...split.train, ...split.test];
    return fused.filter((i) => present[i]).length;
  };
  const warnings: BmlWarning[] = [];
  const clamp = (option: string, value: number, samples: number, where: string): void => {
    if (value < samples) return;
    warnings.push({
      code: 'K_CLAMPED',
      message:
        `${option} = ${value} is not smaller than the ${samples} samples ${where}; ` +
        `the run uses ${option} = ${samples - 1}, so set ${option} below ${samples} to choose the value yourself`,
      ids: [option],
    });
  };
  for (const omics of cohort.omics) {
    const smallest = Math.min(...splits.map((split) => fusedSamples(split, omics.present)));
    clamp('snf.K', optionsForOmics(config, omics.name).snf.K, smallest, `of ${omics.name} in the similarity network`);
  }
  const allPresent = new Uint8Array(cohort.sampleIds.length).fill(1);
  const smallest = Math.min(...splits.map((split) => fusedSamples(split, allPresent)));
  clamp('graph.k', config.graph.k, smallest, 'in the patient graph');
  return warnings;
}

/** Prefixes the message of an `InvalidInputError` with where it happened; other errors pass unchanged. */
function withContext(error: unknown, where: string): unknown {
  if (!(error instanceof InvalidInputError)) return error;
  return new InvalidInputError(`bml: ${where}: ${error.message}`, error.code, error.details);
}

/**
 * Estimates the peak memory of the run from its largest split. The split's
 * peak is the largest of three stages, which run one after another:
 *
 * - the SNF arena: N x N float64 matrices per omics, N the samples fused;
 * - the autoencoder of the widest omics: float32 weights with gradients, Adam
 *   moments and the best-weights copy, plus float64 and float32 copies of
 *   its input;
 * - the graph encoders: float32 activations and gradients per node.
 *
 * Splits that run at the same time on worker threads add up, and each
 * worker has its own copy of the cohort. The estimate is compared with
 * `availableBytes` when given, else `memory.limitMB`, else the free memory.
 *
 * NOTE: only the largest allocations are counted, not the runtime's own
 * memory or smaller copies. `bml run` on the simulated cohort (quick preset,
 * wasm backend, Node 20, 2 cores) estimated 76 MiB and peaked at 520 MiB
 * resident, about 200 MiB of it held before the check. The check catches
 * runs far too large for the machine, not marginal ones.
 */
export function estimateMemory(
  cohort: Cohort,
  splits: readonly OuterSplit[],
  featuresKept: readonly Record<string, number>[],
  config: BmlConfig,
  availableBytes?: number,
): MemoryEstimate {
  const m = cohort.omics.length;
  const maxK = Math.max(...cohort.omics.map((o) => optionsForOmics(config, o.name).snf.K));
  let largest = { fusion: 0, autoencoder: 0, encoders: 0 };
  let largestTotal = 0;
  splits.forEach((split, s) => {
    const nodes = split.train.length + split.test.length;
    const fused = config.graph.mode === 'inductive' ? split.train.length : nodes;
    const K = Math.max(1, Math.min(maxK, fused - 1));
    // Attaching test samples keeps three test x training float64 matrices.
    const attach = config.graph.mode === 'inductive' ? 3 * 8 * split.test.length * split.train.length : 0;
    const fusion = fusionMemoryBytes(fused, m, K) + attach;

    const autoencoder = Math.max(0, ...cohort.omics.map((o) => autoencoderBytes(featuresKept[s][o.name], nodes, config)));
    const widths = config.autoencoder.codeSize + config.encoder.hidden.reduce((a, b) => a + b, 0);
    // Stage C trains every omics' encoder at once: activations, their gradients and dropout masks.
    const encoders = m * nodes * widths * 4 * 4;

    const total = Math.max(fusion, autoencoder, encoders);
    if (total > largestTotal) {
      largestTotal = total;
      largest = { fusion, autoencoder, encoders };
    }
  });

  const workers = resolveWorkerCount(config.workers, splits.length, cohort.omics.length);
  const concurrentSplits = concurrentSplitCount(workers, splits.length);
  const cohortBytes = cohort.omics.reduce((sum, o) => sum + 8 * o.values.data.length, 0);
  const splitCopies = concurrentSplits > 1 ? concurrentSplits * cohortBytes : 0;
  const workerThreads = workers > 1 ? workers * WORKER_THREAD_BYTES : 0;

  const limitMB = config.memory.limitMB;
  let available: Pick<MemoryEstimate, 'availableBytes' | 'source'>;
  if (availableBytes !== undefined) available = { availableBytes, source: 'argument' };
  else if (limitMB !== null) available = { availableBytes: limitMB * 2 ** 20, source: 'option' };
  else available = { availableBytes: availableMemoryBytes(), source: 'system' };
  return {
    bytes: workers * largestTotal + splitCopies + workerThreads,
    parts: { ...largest, splitCopies, workerThreads },
    workers,
    concurrentSplits,
    ...available,
  };
}

/**
 * Bytes a worker thread uses before it trains anything: its V8 heap, TensorFlow.js and the wasm
 * backend's memory. Measured on a small cohort: 40 worker threads peaked at 4.1 GB, 2 at 0.56 GB.
 */
const WORKER_THREAD_BYTES = 96 * 2 ** 20;

/** Bytes of one autoencoder fit on `features` inputs over `nodes` samples; 0 when the omics skips it. */
function autoencoderBytes(features: number, nodes: number, config: BmlConfig): number {
  const codeSize = config.autoencoder.codeSize;
  if (features <= codeSize) return 0;
  const widths = architecture(features, { codeSize, hidden: config.autoencoder.hidden ?? undefined });
  const layers = [...widths.encoder, ...widths.decoder.slice(1)];
  let parameters = 0;
  let activations = 0;
  for (let l = 1; l < layers.length; l++) {
    // Dense weights and bias, plus four batch-norm vectors per layer.
    parameters += layers[l - 1] * layers[l] + 5 * layers[l];
    activations += layers[l];
  }
  const weights = 4 * parameters * 5;
  const batch = 4 * config.autoencoder.batchSize * activations * 8;
  const data = nodes * features * (8 + 8 + 4 * 3);
  return weights + batch + data;
}

/**
 * Raises an `InvalidInputError` when the estimate exceeds the available memory, or its similarity
 * network exceeds one WebAssembly memory, naming the estimate, the limit and the fix.
 */
export function checkMemory(memory: MemoryEstimate, cohort: Cohort, config: BmlConfig): void {
  if (memory.parts.fusion > WASM_MEMORY_BYTES) {
    throw new InvalidInputError(
      `bml: the similarity network of ${cohort.name} needs an estimated ${formatBytes(memory.parts.fusion)}, ` +
        `more than the ${formatBytes(WASM_MEMORY_BYTES)} one WebAssembly memory can address; ` +
        fusionFix(config),
      'MEMORY_LIMIT',
      { bytesNeeded: memory.parts.fusion, bytesAvailable: WASM_MEMORY_BYTES },
    );
  }
  if (memory.bytes <= memory.availableBytes) return;
  const where = {
    option: `the limit memory.limitMB = ${config.memory.limitMB}`,
    argument: 'the limit given',
    system: 'the memory free on this system when the run started',
  }[memory.source];
  const dominant = Object.entries(memory.parts).sort((a, b) => b[1] - a[1])[0][0];
  const fixes: Record<string, string> = {
    fusion: fusionFix(config),
    autoencoder:
      `lower preprocess.maxFeatures (now ${config.preprocess.maxFeatures}) or autoencoder.hidden, ` +
      'because the autoencoder grows with the number of features',
    encoders: 'lower encoder.hidden, because the graph encoders grow with samples times layer widths',
    splitCopies: 'set workers to 1, because every split in progress holds its own preprocessed copy of the omics',
  };
  const workers = memory.workers > 1 ? `, or set workers to 1 (now ${memory.workers} worker threads)` : '';
  throw new InvalidInputError(
    `bml: this run needs an estimated ${formatBytes(memory.bytes)} (${describeParts(memory)}), but ` +
      `${formatBytes(memory.availableBytes)} is available (${where}); ${fixes[dominant]}${workers}; ` +
      'if the system can page and the estimate is too cautious, raise memory.limitMB',
    'MEMORY_LIMIT',
    { bytesNeeded: memory.bytes, bytesAvailable: memory.availableBytes },
  );
}

function fusionFix(config: BmlConfig): string {
  const mode = config.graph.mode === 'transductive' ? 'use graph.mode inductive (fuses the training part only), or ' : '';
  return `${mode}run on fewer samples, because the similarity network grows with the square of the samples`;
}

function describeParts(memory: MemoryEstimate): string {
  const { fusion, autoencoder, encoders, splitCopies } = memory.parts;
  let text =
    `largest split: similarity network ${formatBytes(fusion)}, autoencoder ${formatBytes(autoencoder)}, ` +
    `graph encoders ${formatBytes(encoders)}, of which the largest counts because the stages run one after another`;
  if (memory.workers > 1) {
    text +=
      `; ${memory.workers} worker threads training at once (${formatBytes(memory.parts.workerThreads)} before ` +
      `they train), and ${memory.concurrentSplits} splits in progress, each with a copy of the omics ` +
      `(${formatBytes(splitCopies)})`;
  }
  return text;
}

/** Formats bytes as GiB with two decimals, or as MiB below 1 GiB: `1.25 GiB`, `76 MiB`, `0.4 MiB`. */
export function formatBytes(bytes: number): string {
  const gib = bytes / 2 ** 30;
  if (gib >= 1) return `${gib.toFixed(2)} GiB`;
  const mib = bytes / 2 ** 20;
  return `${mib.toFixed(mib < 10 ? 1 : 0)} MiB`;
}
