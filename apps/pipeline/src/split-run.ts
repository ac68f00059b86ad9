import {
  accuracy,
  argmaxRows,
  BmlError,
  InterruptedError,
  macroAucOvr,
  macroF1,
  selectRows,
  type BmlWarning,
  type CsrMatrix,
  type Matrix,
} from '@bml/core';
import { applyPreprocessor, type Cohort, type OuterSplit } from '@bml/data';
import { attachSamples, fitFusion } from '@bml/snf';
import type { UnimodalModelJson } from '@bml/rgcn';
import { categorizeModalities, gateFactor, type LearningState } from '@bml/balance';
import { mutualInformationGate, normalizedMutualInfo, pairwiseInformation, type GateResult } from '@bml/mi';
import { neuralMutualInformationGate } from '@bml/mi/neural';
import type { BmlConfig } from './config/defaults.js';
import { optionsForOmics } from './config/resolve.js';
import type { ProgressHandler } from './progress.js';
import { StageTimer } from './progress.js';
import { fitOmicsPreprocessor, innerValidationSplit } from './split-setup.js';
import { InProcessExecutor } from './tasks/in-process.js';
import type { ReduceTask, Task, TaskExecutor, TaskResult } from './tasks/protocol.js';
import type { GateDecisionRecord, SplitMetrics, PredictionRow, StageScores } from './types.js';

/** Everything one outer split produces. */
export interface SplitOutcome {
  /** The split's entry of `metrics.json`. */
  metrics: SplitMetrics;
  /** One row per sample of the split (training, validation and test). */
  predictions: PredictionRow[];
  /** Conditions handled along the way. */
  warnings: BmlWarning[];
  /** Wall time per stage in milliseconds. */
  stages: Record<string, number>;
  /** Features kept after preprocessing, per omics. */
  featuresKept: Record<string, number>;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/** Order of the task kinds in a shared executor: the kinds that start the longest remaining chain of work first. */
const KIND_ORDER: Record<Task['kind'], number> = { reduce: 0, unimodal: 1, distill: 2, multitask: 3 };

/**
 * Returns the executor priority of `task` from a split of priority `split`: earlier stages first,
 * then earlier splits. The autoencoders start the longest chains (autoencoder, Stage A, Stage B,
 * Stage C). Running them first leaves several short Stage C tasks for the end of a run, which the
 * workers share, where one split's whole chain would leave a worker idle.
 */
export function taskPriority(task: Task, split: number): number {
  return KIND_ORDER[task.kind] * 1_000_000 + split;
}

/** Options of {@link runSplit}. */
export interface SplitRunOptions {
  /** Runs the training tasks. Default: on the calling thread. */
  executor?: TaskExecutor;
  /** Priority of this split's tasks in a shared executor (lower runs first). Default 0. */
  priority?: number;
  /** Receives progress events. */
  onProgress?: ProgressHandler;
}

/**
 * Runs the whole method on one outer split. Preprocessing, the autoencoder,
 * SNF and the patient graph are fitted on the training part, followed by
 * Stage A, the learning states, the mutual-information gate, Stage B and
 * Stage C. The test part is touched only by the final prediction. The
 * autoencoders, Stage-A encoders and Stage-B students of different omics are
 * independent and are all handed to the executor at once.
 */
export async function runSplit(
  cohort: Cohort,
  split: OuterSplit,
  config: BmlConfig,
  options: SplitRunOptions = {},
): Promise<SplitOutcome> {
  const { executor = new InProcessExecutor(), priority = 0, onProgress = () => {} } = options;
  const timer = new StageTimer();
  const warnings: BmlWarning[] = [];
  const report = (stage: string, message: string) => onProgress({ repeat: split.repeat, stage, message });
  const nClasses = cohort.classNames.length;
  const names = cohort.omics.map((o) => o.name);
  const run = async <T extends Task>(stage: string, task: T, omics?: string): Promise<TaskResult<T>> => {
    try {
      const result = await executor.run(task, taskPriority(task, priority));
      timer.add(stage, result.elapsedMs);
      return result;
    } catch (error) {
      // Training errors come from the packages, which know neither the split nor the omics.
      const own = error instanceof BmlError && !(error instanceof InterruptedError) && error.code !== 'POOL_CLOSED';
      if (own && !error.message.startsWith('bml: outer split')) {
        error.message = `bml: outer split ${split.repeat + 1}, ${stage}${omics ? ` of omics "${omics}"` : ''}: ${error.message}`;
      }
      throw error;
    }
  };

  const trainIdx = [...split.train].sort((a, b) => a - b);
  const testIdx = [...split.test].sort((a, b) => a - b);
  const nTrain = trainIdx.length;
  const nodeSamples = [...trainIdx, ...testIdx];
  const nNodes = nodeSamples.length;
  const inner = innerValidationSplit(cohort, trainIdx, split.seed, config);
  warnings.push(...(split.warnings ?? []), ...(inner.warnings ?? []));
  const position = new Map(trainIdx.map((sample, i) => [sample, i]));
  const fitIdx = inner.fit.map((s) => position.get(s)!).sort((a, b) => a - b);
  const valIdx = inner.validation.map((s) => position.get(s)!).sort((a, b) => a - b);
  const trainLabels = Int32Array.from(trainIdx, (s) => cohort.labels[s]);
  const testLabels = Int32Array.from(testIdx, (s) => cohort.labels[s]);
  const trainNodes = range(0, nTrain);
  const testNodes = range(nTrain, nNodes);
  const trainSizes = { train: fitIdx.length, validation: valIdx.length, test: testIdx.length };
  report('split', `training ${fitIdx.length}, validation ${valIdx.length}, test ${testIdx.length} samples`);

  // Preprocessing and the autoencoder are fitted on training-part rows only.
  const featuresKept: Record<string, number> = {};
  const reductions: Promise<TaskResult<ReduceTask>>[] = [];
  for (const omics of cohort.omics) {
    const pre = await timer.time('preprocess', () => fitOmicsPreprocessor(cohort, omics, trainIdx, config));
    warnings.push(...pre.warnings);
    featuresKept[omics.name] = pre.featureNames.length;
    const scaled = applyPreprocessor(pre, selectRows(omics.values, nodeSamples));
    const reduction = run('autoencoder', {
      kind: 'reduce',
      scaled,
      fitIdx,
      valIdx,
      options: {
        codeSize: config.autoencoder.codeSize,
        hidden: config.autoencoder.hidden ?? undefined,
        epochs: config.autoencoder.epochs,
        batchSize: config.autoencoder.batchSize,
        learningRate: config.autoencoder.learningRate,
        patience: config.autoencoder.patience,
        seed: config.seed + 7919 * split.repeat,
      },
    }, omics.name);
    // Marked handled here, because preprocessing the next omics may throw before the await below.
    reduction.catch(() => {});
    reductions.push(reduction);
  }
  // Awaited together, so a failure of any omics rejects the split at once.
  const reducedOmics = await Promise.all(reductions);
  const features: Matrix[] = [];
  for (const [m, reduced] of reducedOmics.entries()) {
    warnings.push(...reduced.warnings);
    features.push(reduced.codes);
    const kept = featuresKept[names[m]];
    report(
      'autoencoder',
      reduced.reduced
        ? `${names[m]}: ${kept} features reduced to ${reduced.codes.cols} (${reduced.epochs} epochs)`
        : `${names[m]}: ${kept} features used directly`,
    );
  }

  // Fused network and patient graph over the training part; test samples attached.
  let graph: CsrMatrix;
  if (config.graph.mode === 'inductive') {
    const fusion = await timer.time('snf', () =>
      fitFusion(
        features.map((f) => selectRows(f, trainNodes)),
        snfOptions(config, names, trainIdx.map((sample) => cohort.sampleIds[sample])),
      ),
    );
    warnings.push(...fusion.warnings);
    const attached = await timer.time('snf', () =>
      attachSamples(
        fusion,
        features.map((f) => selectRows(f, testNodes)),
      ),
    );
    warnings.push(...attached.warnings);
    graph = attached.adjacency;
  } else {
    const nodeIds = nodeSamples.map((sample) => cohort.sampleIds[sample]);
    const fusion = await timer.time('snf', () => fitFusion(features, snfOptions(config, names, nodeIds)));
    warnings.push(...fusion.warnings);
    graph = fusion.graph.adjacency;
  }
  report('snf', `patient graph: ${graph.rows} nodes, ${graph.colIdx.length} stored entries`);

  const stageOptions = (stage: 'stageA' | 'distill' | 'balance') => ({
    epochs: config[stage].epochs,
    learningRate: config[stage].learningRate,
    evalEvery: config[stage].evalEvery,
    patience: config[stage].patience,
  });
  const encoderOptions = {
    hidden: config.encoder.hidden,
    dropout: config.encoder.dropout,
    leakySlope: config.encoder.leakySlope,
  };
  // Inductive mode trains on the training part's subgraph. Transductive mode trains on the whole
  // graph, test nodes included, as semi-supervised GCNs do: their features take part, but their
  // labels never do. They get the placeholder class 0, and the loss and validation read only
  // fitIdx and valIdx.
  const graphNodes = config.graph.mode === 'transductive' ? nNodes : nTrain;
  const graphLabels = new Int32Array(graphNodes);
  graphLabels.set(trainLabels);
  const common = { graph, nTrain: graphNodes, labels: graphLabels, fitIdx, valIdx, nClasses, testStart: nTrain, testLabels };
  // NOTE: stages are distinguished by the length of their name, so Stage B of the first omics
  // ('distill') and Stage C ('balance') share a seed. Changing the rule would change every result.
  const seedFor = (stage: string, m: number) => config.seed + 1000 * split.repeat + 100 * m + stage.length;

  // Stage A: one r-GCN encoder and head per omics.
  const stageAResults = await Promise.all(
    names.map((_, m) =>
      run('stageA', {
        kind: 'unimodal',
        ...common,
        features: features[m],
        options: { ...encoderOptions, ...stageOptions('stageA'), seed: seedFor('stageA', m) },
      }, names[m]),
    ),
  );
  const unimodal: UnimodalModelJson[] = [];
  const stageA: StageScores[] = [];
  const valPredictions: Int32Array[] = [];
  const valProbabilities: Matrix[] = [];
  const valLoss: number[] = [];
  const stoppedAtEpoch: Record<string, number> = {};
  for (const [m, result] of stageAResults.entries()) {
    unimodal.push(result.model);
    valPredictions.push(result.valPred);
    valLoss.push(result.valLoss);
    stoppedAtEpoch[`stageA:${names[m]}`] = result.stoppedAtEpoch;
    valProbabilities.push(selectRows(result.prob, valIdx));
    stageA.push({ validationMacroF1: result.valMacroF1, macroF1: result.testMacroF1 });
    report('stageA', `${names[m]}: validation macro-F1 ${result.valMacroF1.toFixed(3)}`);
  }

  // Learning state by macro-F1 and the mutual-information gate.
  const state = categorizeModalities({
    names,
    f1: stageA.map((s) => s.validationMacroF1),
    valLoss,
    nClasses,
    kappaLow: config.state.kappaLow,
    valSize: valIdx.length,
  });
  warnings.push(...state.warnings);
  // Mutual information between every pair of omics on the validation nodes: predicted classes and
  // Stage-A class probabilities.
  const pairwiseMi = await timer.time('mi', () =>
    pairwiseInformation(Object.fromEntries(names.map((n, m) => [n, valPredictions[m]])), {
      representations: Object.fromEntries(names.map((n, m) => [n, valProbabilities[m]])),
    }),
  );
  const mi = Object.fromEntries(Object.entries(pairwiseMi).map(([pair, values]) => [pair, values.nmi]));
  const strongIndex = state.strongIndex;
  const gating = await timer.time('mi', () =>
    gateLowInformationOmics(names, state, valPredictions, valProbabilities, config, (m) => seedFor('mi', m)),
  );
  warnings.push(...gating.warnings);
  const gate: Record<string, boolean> = {};
  for (const [name, decision] of Object.entries(gating.decisions)) gate[name] = decision.passed;
  const nmiWithStrong: number[] = names.map((_, m) =>
    strongIndex < 0 || m === strongIndex ? 1 : normalizedMutualInfo(valPredictions[m], valPredictions[strongIndex]),
  );
  report('state', names.map((n) => `${n} ${state.categories[n]}`).join(', '));

  // Stage B: weak omics, and low-information ones that passed the gate, learn from the strong teacher.
  const stageB: (StageScores | undefined)[] = names.map(() => undefined);
  const initialF1 = stageA.map((s) => s.validationMacroF1);
  const students =
    strongIndex < 0
      ? []
      : range(0, names.length).filter((m) => {
          const category = state.categories[names[m]];
          return m !== strongIndex && !(category === 'lowInformation' && !(gating.factors[m] > 0.5));
        });
  const stageBResults = await Promise.all(
    students.map((m) =>
      run('stageB', {
        kind: 'distill',
        ...common,
        teacher: unimodal[strongIndex],
        student: unimodal[m],
        teacherFeatures: features[strongIndex],
        studentFeatures: features[m],
        options: {
          ...stageOptions('distill'),
          alpha: config.distill.alpha,
          beta: config.distill.beta,
          gamma: config.distill.gamma,
          temperature: config.distill.temperature,
          seed: seedFor('distill', m),
        },
      }, names[m]),
    ),
  );
  for (const [i, result] of stageBResults.entries()) {
    const m = students[i];
    unimodal[m] = result.model;
    initialF1[m] = result.valMacroF1;
    stoppedAtEpoch[`stageB:${names[m]}`] = result.stoppedAtEpoch;
    stageB[m] = { validationMacroF1: result.valMacroF1, macroF1: result.testMacroF1 };
    report('stageB', `${names[m]}: validation macro-F1 ${result.valMacroF1.toFixed(3)} after distillation`);
  }

  // Stage C: fused head plus one head per omics with macro-F1 loss weights, then the prediction of
  // every node. The test part is used here and nowhere before.
  const multitask = await run('stageC', {
    kind: 'multitask',
    ...common,
    models: unimodal,
    features,
    names,
    categories: state.categoryList,
    gate: gating.factors,
    initialF1,
    options: {
      ...stageOptions('balance'),
      encoderLearningRate: config.balance.learningRate,
      headLearningRate: config.balance.headLearningRate,
      lambda: config.balance.lambda,
      eta: config.balance.eta,
      gammaLow: config.balance.gammaLow,
      warmup: config.balance.warmup,
      ema: config.balance.ema,
      weighting: config.balance.weighting,
      fusion: config.fusion.head,
      seed: seedFor('balance', 0),
    },
  });
  stoppedAtEpoch.stageC = multitask.stoppedAtEpoch;
  report('stageC', `fused validation macro-F1 ${multitask.valMacroF1.toFixed(3)}`);

  const prediction = multitask.prediction;
  const predicted = argmaxRows(prediction.prob);
  const testPredicted = predicted.subarray(nTrain);
  const testProb = selectRows(prediction.prob, testNodes);
  const f1 = macroF1(testLabels, testPredicted, nClasses);
  const auc = macroAucOvr(testLabels, testProb);
  if (f1.absent.length > 0) {
    warnings.push({
      code: 'CLASS_ABSENT_FROM_TEST',
      message: `classes ${f1.absent.map((c) => cohort.classNames[c]).join(', ')} occur neither in the test part nor in its predictions of repeat ${split.repeat}; their F1 is undefined and left out of macro-F1`,
      ids: f1.absent.map((c) => cohort.classNames[c]),
    });
  }
  if (auc.skipped.length > 0) {
    warnings.push({
      code: 'CLASS_SKIPPED_IN_AUC',
      message: `classes ${auc.skipped.map((c) => cohort.classNames[c]).join(', ')} have no positive or no negative test sample in repeat ${split.repeat}; macro AUC is averaged over the other classes`,
      ids: auc.skipped.map((c) => cohort.classNames[c]),
    });
  }

  const perOmics: SplitMetrics['perOmics'] = {};
  for (let m = 0; m < names.length; m++) {
    const headPredicted = argmaxRows(prediction.perOmics[m]).subarray(nTrain);
    perOmics[names[m]] = {
      stageA: stageA[m],
      ...(stageB[m] ? { stageB: stageB[m] } : {}),
      stageC: {
        validationMacroF1: multitask.perOmicsValF1[m],
        macroF1: macroF1(testLabels, headPredicted, nClasses).macroF1,
      },
    };
  }

  const setOf = new Array<'train' | 'validation' | 'test'>(nNodes).fill('train');
  for (const v of valIdx) setOf[v] = 'validation';
  for (const t of testNodes) setOf[t] = 'test';
  const predictions: PredictionRow[] = nodeSamples.map((sample, node) => ({
    sample: cohort.sampleIds[sample],
    repeat: split.repeat,
    set: setOf[node],
    truth: cohort.classNames[cohort.labels[sample]],
    predicted: cohort.classNames[predicted[node]],
    prob: Array.from(prediction.prob.data.subarray(node * nClasses, (node + 1) * nClasses)),
  }));

  const metrics: SplitMetrics = {
    repeat: split.repeat,
    seed: split.seed,
    source: split.source,
    sizes: trainSizes,
    test: {
      accuracy: accuracy(testLabels, testPredicted),
      macroF1: f1.macroF1,
      auc: auc.auc,
      perClassF1: Object.fromEntries(cohort.classNames.map((name, c) => [name, f1.perClass[c]])),
      perClassRecall: Object.fromEntries(cohort.classNames.map((name, c) => [name, f1.recall[c]])),
    },
    perOmics,
    categories: state.categories,
    strong: state.strong,
    kappa: state.kappa,
    mi,
    pairwiseMi,
    nmiWithStrong: Object.fromEntries(names.map((n, m) => [n, nmiWithStrong[m]])),
    gate,
    gateDecisions: gating.decisions,
    lossWeights: multitask.lossWeights.map((entry) => ({
      epoch: entry.epoch,
      weights: Object.fromEntries(names.map((n, m) => [n, entry.weights[m]])),
    })),
    stoppedAtEpoch,
    fusedValidationMacroF1: multitask.valMacroF1,
  };
  return { metrics, predictions, warnings, stages: timer.stages, featuresKept };
}

/** Options of `fitFusion`; `ids` are the sample ids of the fused rows, for warnings. */
function snfOptions(config: BmlConfig, names: string[], ids: string[]) {
  return {
    names,
    ids,
    K: config.snf.K,
    t: config.snf.t,
    mu: config.snf.mu,
    kernel: config.snf.kernel,
    metric: config.snf.metric,
    normalization: config.snf.normalization,
    onLargeK: 'clamp' as const,
    views: names.map((n) => optionsForOmics(config, n).snf),
    graph: { k: config.graph.k, normalization: config.graph.normalization },
  };
}

// Minimum number of validation samples for a continuous gate estimator. KSG needs more than k = 3, and
// the neural bounds hold out 20 % of the samples and need at least 2 on each side.
const MIN_CONTINUOUS_GATE_SAMPLES = 10;

/**
 * Gates every low-information omics against the strong one with the
 * estimator of `mi.estimator`: NMI on the predicted classes, or KSG, InfoNCE
 * or MINE on the class probabilities (scored by their information
 * coefficient). The factor is 0/1 (`mi.mode` hard) or the sigmoid of the
 * score (soft). Without a strong omics nothing is gated and every factor is 0.
 */
async function gateLowInformationOmics(
  names: string[],
  state: LearningState,
  valPredictions: Int32Array[],
  valProbabilities: Matrix[],
  config: BmlConfig,
  seedFor: (m: number) => number,
): Promise<{ decisions: Record<string, GateDecisionRecord>; factors: number[]; warnings: BmlWarning[] }> {
  const decisions: Record<string, GateDecisionRecord> = {};
  const factors = names.map(() => 0);
  const warnings: BmlWarning[] = [];
  const strong = state.strongIndex;
  if (strong < 0) return { decisions, factors, warnings };
  const threshold = config.mi.gate;
  const factorOptions = { threshold, mode: config.mi.mode, softWidth: config.mi.softWidth };
  for (let m = 0; m < names.length; m++) {
    if (state.categoryList[m] !== 'lowInformation') continue;
    let estimator = config.mi.estimator;
    if (estimator !== 'nmi' && valPredictions[m].length < MIN_CONTINUOUS_GATE_SAMPLES) {
      warnings.push({
        code: 'MI_GATE_FELL_BACK_TO_NMI',
        message:
          `the ${estimator} gate of ${names[m]} needs at least ${MIN_CONTINUOUS_GATE_SAMPLES} validation samples, ` +
          `got ${valPredictions[m].length}; the gate used NMI of the predicted classes instead`,
        ids: [names[m]],
      });
      estimator = 'nmi';
    }
    let result: GateResult;
    if (estimator === 'nmi') {
      result = mutualInformationGate({ low: valPredictions[m], strong: valPredictions[strong], threshold });
    } else if (estimator === 'ksg') {
      result = mutualInformationGate({
        low: valProbabilities[m],
        strong: valProbabilities[strong],
        estimator,
        threshold,
      });
    } else {
      result = await neuralMutualInformationGate({
        low: valProbabilities[m],
        strong: valProbabilities[strong],
        estimator,
        threshold,
        neural: { seed: seedFor(m) },
      });
    }
    factors[m] = gateFactor(result.value, factorOptions);
    decisions[names[m]] = {
      estimator,
      input: estimator === 'nmi' ? 'predictedClasses' : 'classProbabilities',
      value: result.value,
      estimate: result.estimate,
      passed: result.passed,
      factor: factors[m],
    };
  }
  return { decisions, factors, warnings };
}
