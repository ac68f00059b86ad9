/**
 * Stage C: multitask-like training of every omics' encoder and unimodal
 * head together with a fusion head,
 *
 *   L = w_0 · CE(fused) + Σ_m w_m · CE(unimodal m),   w_0 = 1,
 *
 * where w_m comes from `lossWeights` on an exponential moving average of
 * each omics' validation macro-F1, recomputed every `evalEvery` epochs and
 * applied as a constant (no gradient flows through it). Model selection
 * uses the fused head's validation macro-F1.
 */
import { InvalidInputError, Rng, type BmlWarning, type CsrMatrix, type Matrix } from '@bml/core';
import { initBackend, tf } from '@bml/core/tensor';
import {
  Adam,
  cloneUnimodal,
  crossEntropy,
  crossEntropyTargets,
  disposeNodeInput,
  dropoutSeedFor,
  fitWithEarlyStopping,
  leadingRows,
  prepareGraph,
  prepareNodeInput,
  requireInteger,
  requirePositive,
  scoreLogits,
  sliceGraph,
  validateFeatures,
  validateGraph,
  validateSchedule,
  validateSplit,
  type ClassWeighting,
  type EvaluationRecord,
  type NodeInput,
  type NodeScore,
  type SplitInput,
  type TrainingProgress,
  type UnimodalModel,
} from '@bml/rgcn';
import { createFusionHead, vcdnWidth, type FusionKind } from './fusion.js';
import {
  disposeMultitask,
  forwardMultitask,
  multitaskEncoderVariables,
  multitaskHeadVariables,
  type MultitaskModel,
} from './model.js';
import type { ModalityCategory } from './state.js';
import { lossWeights, resolveLossWeightOptions, updateEma, type LossWeightOptions } from './weights.js';

const OWNER = '@bml/balance';

/** Options of {@link trainMultitask}. */
export interface MultitaskOptions extends LossWeightOptions {
  /** Epoch cap. Default 1000. */
  epochs?: number;
  /** Adam step size of the encoders. Default 5e-4. */
  encoderLearningRate?: number;
  /** Adam step size of the unimodal heads and the fusion head. Default 1e-3. */
  headLearningRate?: number;
  /** L2 weight decay added to the gradient (PyTorch Adam semantics). Default 5e-4. */
  weightDecay?: number;
  /** Validate and recompute the loss weights every this many epochs. Default 10. */
  evalEvery?: number;
  /** Stop after this many epochs without a better fused validation macro-F1. Default 100. */
  patience?: number;
  /**
   * Epochs at the start during which every unimodal weight, γ_low included,
   * is 1; checkpoints are selected only after it. Default 0.
   */
  warmup?: number;
  /** EMA factor of the F1 smoothing: F̄1 ← ema · F̄1 + (1 − ema) · F1. Default 0.9. */
  ema?: number;
  /** `f1`: weights from the F1 rule; `uniform`: every weight 1 (the ablation). Default `f1`. */
  weighting?: 'f1' | 'uniform';
  /** Fusion head: `concat` (linear on concatenated embeddings) or MOGONET's `vcdn`. Default `concat`. */
  fusion?: FusionKind;
  /**
   * Stop the fused loss's gradient at the fusion head, so encoders learn
   * only from their unimodal losses (MOGONET's schedule). Default false.
   */
  detachFusion?: boolean;
  /** Cross-entropy weighting of every term. Default `none`. */
  classWeights?: ClassWeighting;
  /** Seed of the fusion head's initial weights and the dropout masks. Default 0. */
  seed?: number;
  /** Stage name used in progress reports and messages. Default `Stage C`. */
  stage?: string;
  /** Receives a report after each evaluation. */
  onProgress?: (progress: TrainingProgress) => void;
}

/** Inputs of {@link trainMultitask}. */
export interface MultitaskInput extends SplitInput {
  /** One trained model per omics (Stage B, or Stage A for omics not distilled); copied, so left unchanged. */
  models: UnimodalModel[];
  /** Features of each omics, one row per graph node, in `models` order. */
  features: Matrix[];
  /** Normalised adjacency over all nodes; training uses the first `nTrain` rows and columns. */
  graph: CsrMatrix;
  /** Omics names for the model and messages. Default `omics0`, `omics1`, … */
  names?: string[];
  /** Stage-A category of each omics. */
  categories: ModalityCategory[];
  /** Gate factor of each omics (see `lossWeights`); read for low-information omics. Default all failed. */
  gate?: (boolean | number)[];
  /** Stage-A validation macro-F1 of each omics: the start of the EMA. */
  initialF1: number[];
  /** Weights and schedule. */
  options?: MultitaskOptions;
}

/** Loss weights in effect from `epoch` on, until the next entry. */
export interface LossWeightRecord {
  /** First epoch that used these weights. */
  epoch: number;
  /** Weight of each omics' unimodal term. */
  weights: number[];
}

/** One evaluation of Stage C. */
export interface MultitaskRecord extends EvaluationRecord {
  /** Validation macro-F1 of each omics' unimodal head at this evaluation. */
  perOmicsMacroF1: number[];
  /** Smoothed F1 of each omics after this evaluation. */
  smoothedF1: number[];
}

/** Outcome of {@link trainMultitask}. */
export interface MultitaskResult {
  /** The model at its best checkpoint (the caller disposes it). */
  model: MultitaskModel;
  /** Loss weights over training. */
  lossWeights: LossWeightRecord[];
  /** Fused validation macro-F1 of the returned model. */
  valMacroF1: number;
  /** Fused validation cross-entropy of the returned model. */
  valLoss: number;
  /** Fused prediction of each `valIdx` node, in that order. */
  valPred: Int32Array;
  /** Validation macro-F1 of each omics' unimodal head in the returned model. */
  perOmicsValF1: number[];
  /** Last epoch run. */
  stoppedAtEpoch: number;
  /** Epoch of the returned checkpoint. */
  bestEpoch: number;
  /** Every evaluation. */
  history: MultitaskRecord[];
  /** Training loss of every epoch. */
  trainLoss: number[];
  /** Conditions handled during training. */
  warnings: BmlWarning[];
}

/** Resolved settings of a multitask trainer. */
export interface MultitaskTrainerOptions {
  /** λ, η, γ_low. */
  weights: Required<LossWeightOptions>;
  /** Encoder step size. */
  encoderLearningRate: number;
  /** Head step size. */
  headLearningRate: number;
  /** L2 weight decay. */
  weightDecay: number;
  /** Uniform-weight epochs at the start. */
  warmup: number;
  /** EMA factor. */
  ema: number;
  /** Weighting rule. */
  weighting: 'f1' | 'uniform';
  /** Whether the fused loss's gradient stops at the fusion head. */
  detachFusion: boolean;
  /** Cross-entropy weighting. */
  classWeights: ClassWeighting;
  /** Seed of the dropout masks. */
  seed: number;
}

/** Scores of one evaluation. */
export interface MultitaskScore {
  /** Fused head on the validation nodes. */
  fused: NodeScore;
  /** Each unimodal head on the validation nodes. */
  perOmics: NodeScore[];
}

/**
 * The per-epoch pieces of Stage C on prepared tensors. Used by
 * {@link trainMultitask} and by benchmarks that time single epochs.
 */
export interface MultitaskTrainer {
  /** The model being trained (not owned: `dispose` leaves it). */
  readonly model: MultitaskModel;
  /** Adam with the encoder and head groups. */
  readonly optimizer: Adam;
  /** Loss weights so far. */
  readonly lossWeights: LossWeightRecord[];
  /** Smoothed F1 of each omics now. */
  readonly smoothedF1: number[];
  /** Builds the training loss of an epoch with the weights in effect. */
  loss(epoch: number): tf.Scalar;
  /** Scores every head on `valIdx` in evaluation mode (one host copy). */
  evaluate(): MultitaskScore;
  /** Updates the F1 average from per-omics validation F1 after `epoch` and recomputes the weights. */
  updateWeights(epoch: number, perOmicsF1: number[]): void;
  /** Frees the graph, features, targets and optimiser state. */
  dispose(): void;
}

/**
 * Builds a Stage-C trainer that updates `model` in place. Inputs are not
 * checked here; {@link trainMultitask} checks them.
 */
export function createMultitaskTrainer(
  model: MultitaskModel,
  input: Omit<MultitaskInput, 'models' | 'options'>,
  options: MultitaskTrainerOptions,
): MultitaskTrainer {
  const { nTrain, labels, fitIdx, valIdx, nClasses, categories } = input;
  const nOmics = model.unimodal.length;
  const graph = prepareGraph(sliceGraph(input.graph, nTrain, OWNER));
  const inputs: NodeInput[] = input.features.map((f) => prepareNodeInput(graph, leadingRows(f, nTrain)));
  const targets = crossEntropyTargets(labels, fitIdx, nTrain, nClasses, options.classWeights);
  const optimizer = new Adam([
    { variables: multitaskEncoderVariables(model), learningRate: options.encoderLearningRate, weightDecay: options.weightDecay },
    { variables: multitaskHeadVariables(model), learningRate: options.headLearningRate, weightDecay: options.weightDecay },
  ]);
  const rng = new Rng(options.seed);
  const dropoutBases = model.names.map((_, m) => rng.fork(`dropout${m}`).nextSeed());
  const gate = input.gate ?? categories.map(() => 0);
  const ones = categories.map(() => 1);
  const weightsFrom = (f1: number[]) =>
    options.weighting === 'uniform' ? ones : lossWeights({ f1, categories, gate, ...options.weights });

  let smoothedF1 = [...input.initialF1];
  let ruleWeights = weightsFrom(smoothedF1);
  const records: LossWeightRecord[] = [];
  const inEffect = (epoch: number) => (epoch <= options.warmup ? ones : ruleWeights);

  return {
    model,
    optimizer,
    lossWeights: records,
    get smoothedF1() {
      return [...smoothedF1];
    },
    loss(epoch) {
      const weights = inEffect(epoch);
      const last = records[records.length - 1];
      if (!last || last.weights !== weights) records.push({ epoch, weights });
      const out = forwardMultitask(model, inputs, {
        training: true,
        dropoutSeeds: dropoutBases.map((base) => dropoutSeedFor(base, epoch)),
        detachFusion: options.detachFusion,
      });
      const terms = [crossEntropy(out.fused, targets)];
      for (let m = 0; m < nOmics; m++) terms.push(tf.mul(crossEntropy(out.logits[m], targets), weights[m]));
      return tf.addN(terms) as tf.Scalar;
    },
    evaluate() {
      const flat = tf.tidy(() => {
        const out = forwardMultitask(model, inputs);
        return tf.concat([out.fused, ...out.logits], 0).dataSync();
      });
      const block = nTrain * nClasses;
      const score = (k: number) => scoreLogits(flat.subarray(k * block, (k + 1) * block), nClasses, labels, valIdx);
      return { fused: score(0), perOmics: model.unimodal.map((_, m) => score(m + 1)) };
    },
    updateWeights(_epoch, perOmicsF1) {
      smoothedF1 = updateEma(smoothedF1, perOmicsF1, options.ema);
      if (options.weighting === 'f1') ruleWeights = weightsFrom(smoothedF1);
    },
    dispose() {
      optimizer.dispose();
      inputs.forEach(disposeNodeInput);
      graph.dispose();
      targets.dispose();
    },
  };
}

/** Resolved schedule and trainer settings of {@link trainMultitask}. */
interface ResolvedOptions {
  schedule: { epochs: number; evalEvery: number; patience: number };
  trainer: MultitaskTrainerOptions;
}

function resolveOptions(options: MultitaskOptions): ResolvedOptions {
  const schedule = {
    epochs: options.epochs ?? 1000,
    evalEvery: options.evalEvery ?? 10,
    patience: options.patience ?? 100,
  };
  const trainer: MultitaskTrainerOptions = {
    weights: resolveLossWeightOptions(options),
    encoderLearningRate: options.encoderLearningRate ?? 5e-4,
    headLearningRate: options.headLearningRate ?? 1e-3,
    weightDecay: options.weightDecay ?? 5e-4,
    warmup: options.warmup ?? 0,
    ema: options.ema ?? 0.9,
    weighting: options.weighting ?? 'f1',
    detachFusion: options.detachFusion ?? false,
    classWeights: options.classWeights ?? 'none',
    seed: options.seed ?? 0,
  };

  validateSchedule(OWNER, schedule);
  requirePositive(OWNER, 'encoderLearningRate', trainer.encoderLearningRate);
  requirePositive(OWNER, 'headLearningRate', trainer.headLearningRate);
  requirePositive(OWNER, 'weightDecay', trainer.weightDecay, true);

  requireInteger(OWNER, 'warmup', trainer.warmup, 0);
  if (trainer.warmup >= schedule.epochs) {
    throw new InvalidInputError(
      `${OWNER}: warmup (${trainer.warmup}) must be smaller than epochs (${schedule.epochs}), ` +
        'because checkpoints are selected only after it',
      'INVALID_OPTION',
    );
  }

  if (!(trainer.ema >= 0 && trainer.ema < 1)) {
    throw new InvalidInputError(`${OWNER}: ema must be in [0, 1), got ${trainer.ema}`, 'INVALID_OPTION');
  }
  if (trainer.weighting !== 'f1' && trainer.weighting !== 'uniform') {
    throw new InvalidInputError(`${OWNER}: weighting must be "f1" or "uniform", got ${String(trainer.weighting)}`);
  }
  if (options.fusion !== undefined && options.fusion !== 'concat' && options.fusion !== 'vcdn') {
    throw new InvalidInputError(`${OWNER}: fusion must be "concat" or "vcdn", got ${String(options.fusion)}`);
  }
  return { schedule, trainer };
}

function checkOmics(input: MultitaskInput, names: string[]): void {
  const n = input.models.length;
  if (n === 0) throw new InvalidInputError(`${OWNER}: models is empty; give one trained model per omics`);
  const lengths: [string, number | undefined][] = [
    ['features', input.features.length],
    ['categories', input.categories.length],
    ['initialF1', input.initialF1.length],
    ['names', names.length],
    ['gate', input.gate?.length],
  ];
  for (const [name, length] of lengths) {
    if (length !== undefined && length !== n) {
      throw new InvalidInputError(`${OWNER}: ${name} has ${length} entries but there are ${n} models; give one per omics`);
    }
  }
  validateGraph(input.graph, input.graph.rows, OWNER);
  input.models.forEach((model, m) => {
    validateFeatures(input.features[m], input.graph.rows, OWNER, `features of ${names[m]}`);
    if (model.config.nClasses !== input.nClasses) {
      throw new InvalidInputError(
        `${OWNER}: the model of ${names[m]} has ${model.config.nClasses} classes but nClasses = ${input.nClasses}`,
      );
    }
    if (model.config.inputDim !== input.features[m].cols) {
      throw new InvalidInputError(
        `${OWNER}: the model of ${names[m]} expects ${model.config.inputDim} features but its feature matrix has ` +
          `${input.features[m].cols} columns`,
        'FEATURES_WIDTH_MISMATCH',
      );
    }
    const f1 = input.initialF1[m];
    if (!(f1 >= 0 && f1 <= 1)) {
      throw new InvalidInputError(`${OWNER}: initialF1 of ${names[m]} must be in [0, 1], got ${f1}`);
    }
  });
}

/**
 * Trains every omics' encoder and unimodal head with a fusion head (Stage
 * C): full-batch Adam with separate encoder and head step sizes, F1-based
 * loss weights recomputed at every evaluation, the best checkpoint by the
 * fused validation macro-F1 and early stopping.
 */
export async function trainMultitask(input: MultitaskInput): Promise<MultitaskResult> {
  await initBackend();
  const options = input.options ?? {};
  const { schedule, trainer: trainerOptions } = resolveOptions(options);
  const names = input.names ?? input.models.map((_, m) => `omics${m}`);
  checkOmics(input, names);
  const warnings = validateSplit(input, OWNER);

  const fusionKind = options.fusion ?? 'concat';
  if (fusionKind === 'vcdn') vcdnWidth(input.nClasses, input.models.length);

  const unimodal = input.models.map(cloneUnimodal);
  const widths = unimodal.map((u) => u.config.hidden[u.config.hidden.length - 1]);
  const fusion = createFusionHead(fusionKind, new Rng(trainerOptions.seed), widths, input.nClasses);
  const model: MultitaskModel = { names: [...names], nClasses: input.nClasses, unimodal, fusion };

  let trainer: MultitaskTrainer | undefined;
  try {
    trainer = createMultitaskTrainer(model, input, trainerOptions);
    const active = trainer;
    const extra = new Map<number, { perOmicsMacroF1: number[]; smoothedF1: number[] }>();
    const fit = fitWithEarlyStopping({
      ...schedule,
      owner: OWNER,
      stage: options.stage ?? 'Stage C',
      optimizer: active.optimizer,
      selectFrom: trainerOptions.warmup + 1,
      loss: (epoch) => active.loss(epoch),
      evaluate: (epoch) => {
        const score = active.evaluate();
        const perOmicsMacroF1 = score.perOmics.map((s) => s.macroF1);
        active.updateWeights(epoch, perOmicsMacroF1);
        extra.set(epoch, { perOmicsMacroF1, smoothedF1: active.smoothedF1 });
        return score.fused;
      },
      onProgress: options.onProgress,
    });
    const final = active.evaluate();
    return {
      model,
      lossWeights: active.lossWeights.map((r) => ({ epoch: r.epoch, weights: [...r.weights] })),
      valMacroF1: final.fused.macroF1,
      valLoss: final.fused.loss,
      valPred: final.fused.pred,
      perOmicsValF1: final.perOmics.map((s) => s.macroF1),
      stoppedAtEpoch: fit.stoppedAtEpoch,
      bestEpoch: fit.bestEpoch,
      history: fit.history.map((record) => ({ ...record, ...extra.get(record.epoch)! })),
      trainLoss: fit.trainLoss,
      warnings,
    };
  } catch (error) {
    disposeMultitask(model);
    throw error;
  } finally {
    trainer?.dispose();
  }
}
