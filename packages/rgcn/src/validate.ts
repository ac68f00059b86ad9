/**
 * Input checks shared by the training functions of `@bml/rgcn`,
 * `@bml/distill` and `@bml/balance`. Each throws an
 * {@link InvalidInputError} whose message starts with the calling package.
 */
import { InvalidInputError, firstNonFinite, type BmlWarning, type Matrix } from '@bml/core';

/** Labels and node indices of a training run. */
export interface SplitInput {
  /** Number of training-part nodes (training plus validation); they come first in the graph. */
  nTrain: number;
  /** Class code (0..nClasses-1) of each training-part node; read only at `fitIdx` and `valIdx`. */
  labels: ArrayLike<number>;
  /** Nodes whose labels the loss uses. */
  fitIdx: ArrayLike<number>;
  /** Nodes used for model selection. */
  valIdx: ArrayLike<number>;
  /** Number of classes. */
  nClasses: number;
}

function checkIndices(owner: string, name: string, idx: ArrayLike<number>, nTrain: number, seen: Uint8Array): void {
  if (idx.length === 0) {
    throw new InvalidInputError(`${owner}: ${name} is empty; give at least one node index`, 'EMPTY_INDEX_SET');
  }
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r];
    if (!Number.isInteger(i) || i < 0 || i >= nTrain) {
      throw new InvalidInputError(
        `${owner}: ${name}[${r}] = ${i} is not a training-part node index in 0..${nTrain - 1}`,
        'INVALID_INDEX',
      );
    }
    if (seen[i]) {
      throw new InvalidInputError(
        `${owner}: node ${i} appears twice in fitIdx and valIdx; the two sets must be disjoint and without repeats`,
        'OVERLAPPING_INDEX_SETS',
      );
    }
    seen[i] = 1;
  }
}

/**
 * Checks node counts, indices and labels, and returns a warning for each
 * class that has no node in `fitIdx`.
 */
export function validateSplit(input: SplitInput, owner = '@bml/rgcn'): BmlWarning[] {
  const { nTrain, labels, fitIdx, valIdx, nClasses } = input;
  if (!Number.isInteger(nClasses) || nClasses < 2) {
    throw new InvalidInputError(`${owner}: nClasses must be an integer >= 2, got ${nClasses}`, 'INVALID_N_CLASSES');
  }
  if (labels.length !== nTrain) {
    throw new InvalidInputError(
      `${owner}: labels has ${labels.length} entries but nTrain = ${nTrain}; give one label per training-part node`,
      'LABELS_LENGTH_MISMATCH',
    );
  }

  const seen = new Uint8Array(nTrain);
  checkIndices(owner, 'fitIdx', fitIdx, nTrain, seen);
  checkIndices(owner, 'valIdx', valIdx, nTrain, seen);

  const fitCounts = new Int32Array(nClasses);
  for (const [name, idx] of [['fitIdx', fitIdx], ['valIdx', valIdx]] as const) {
    for (let r = 0; r < idx.length; r++) {
      const y = labels[idx[r]];
      if (!Number.isInteger(y) || y < 0 || y >= nClasses) {
        throw new InvalidInputError(
          `${owner}: label of node ${idx[r]} (in ${name}) is ${y}, outside the class codes 0..${nClasses - 1}`,
          'INVALID_LABEL',
        );
      }
      if (name === 'fitIdx') fitCounts[y]++;
    }
  }

  const missing: string[] = [];
  fitCounts.forEach((count, c) => {
    if (count === 0) missing.push(String(c));
  });
  if (missing.length === 0) return [];
  return [
    {
      code: 'CLASS_ABSENT_FROM_FIT',
      message: `${owner}: class codes ${missing.join(', ')} have no node in fitIdx, so the model cannot learn them`,
      ids: missing,
    },
  ];
}

/** Checks that `features` has one finite row per node. */
export function validateFeatures(features: Matrix, nodes: number, owner = '@bml/rgcn', name = 'features'): void {
  if (features.rows !== nodes) {
    throw new InvalidInputError(
      `${owner}: ${name} has ${features.rows} rows but the graph has ${nodes} nodes; give one row per node`,
      'FEATURES_SIZE_MISMATCH',
    );
  }
  if (features.cols < 1) {
    throw new InvalidInputError(`${owner}: ${name} has no columns`, 'FEATURES_EMPTY');
  }
  const bad = firstNonFinite(features);
  if (bad >= 0) {
    const row = Math.floor(bad / features.cols);
    throw new InvalidInputError(
      `${owner}: ${name} has a non-finite value (${features.data[bad]}) at row ${row}, column ${bad % features.cols}; ` +
        'impute missing values before training',
      'FEATURES_NOT_FINITE',
    );
  }
  for (let p = 0; p < features.data.length; p++) {
    if (Math.abs(features.data[p]) > FLOAT32_MAX) {
      throw new InvalidInputError(
        `${owner}: ${name} value ${features.data[p]} at row ${Math.floor(p / features.cols)} exceeds the float32 ` +
          'range that training uses; standardise the features first',
        'FEATURES_OUT_OF_RANGE',
      );
    }
  }
}

const FLOAT32_MAX = 3.4028234663852886e38;

/** Checks that `value` is an integer >= `min`. */
export function requireInteger(owner: string, name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new InvalidInputError(`${owner}: ${name} must be an integer >= ${min}, got ${value}`, 'INVALID_OPTION');
  }
}

/** Checks that `value` is a finite number > 0 (or >= 0 with `allowZero`). */
export function requirePositive(owner: string, name: string, value: number, allowZero = false): void {
  const ok = Number.isFinite(value) && (allowZero ? value >= 0 : value > 0);
  if (!ok) {
    throw new InvalidInputError(
      `${owner}: ${name} must be a finite number ${allowZero ? '>= 0' : '> 0'}, got ${value}`,
      'INVALID_OPTION',
    );
  }
}

/** Checks an epoch schedule: epochs, evalEvery and patience are integers >= 1. */
export function validateSchedule(
  owner: string,
  schedule: { epochs: number; evalEvery: number; patience: number },
): void {
  requireInteger(owner, 'epochs', schedule.epochs, 1);
  requireInteger(owner, 'evalEvery', schedule.evalEvery, 1);
  requireInteger(owner, 'patience', schedule.patience, 1);
}
