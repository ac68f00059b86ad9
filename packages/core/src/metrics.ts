/**
 * Classification metrics with scikit-learn's conventions: macro-F1 as
 * `f1_score(average='macro', zero_division=0)` without `labels`, and macro
 * one-vs-rest AUC as `roc_auc_score(multi_class='ovr', average='macro')`.
 * Classes are integer codes 0..C-1.
 */
import type { Matrix } from './matrix.js';

/** Returns the C x C confusion matrix; entry [t][p] counts samples of true class t predicted as p. */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, nClasses: number): number[][] {
  checkSameLength(yTrue, yPred);
  const m = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i];
    const p = yPred[i];
    if (!(t >= 0 && t < nClasses) || !(p >= 0 && p < nClasses)) {
      throw new RangeError(`class code out of range 0..${nClasses - 1} at index ${i} (true ${t}, predicted ${p})`);
    }
    m[t][p]++;
  }
  return m;
}

/** Returns the fraction of predictions equal to the truth. */
export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkSameLength(yTrue, yPred);
  if (yTrue.length === 0) throw new RangeError('accuracy of an empty set is undefined');
  let hit = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) hit++;
  return hit / yTrue.length;
}

/** Macro-F1 with its per-class parts. */
export interface MacroF1Result {
  /** Mean F1 over the classes that occur in the truth or the predictions. */
  macroF1: number;
  /** F1 per class code; `null` for a class that occurs in neither the truth nor the predictions. */
  perClass: (number | null)[];
  /** Recall per class code; `null` for a class absent from the truth. */
  recall: (number | null)[];
  /** Class codes absent from both truth and predictions (left out of the mean). */
  absent: number[];
}

/**
 * Computes macro-F1. The mean runs over the classes present in the truth or
 * the predictions; a present class never predicted correctly scores 0.
 */
export function macroF1(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, nClasses: number): MacroF1Result {
  const cm = confusionMatrix(yTrue, yPred, nClasses);
  const perClass: (number | null)[] = [];
  const recall: (number | null)[] = [];
  const absent: number[] = [];
  let sum = 0;
  let count = 0;
  for (let c = 0; c < nClasses; c++) {
    const tp = cm[c][c];
    let support = 0;
    let predicted = 0;
    for (let k = 0; k < nClasses; k++) {
      support += cm[c][k];
      predicted += cm[k][c];
    }
    recall.push(support > 0 ? tp / support : null);
    if (support === 0 && predicted === 0) {
      perClass.push(null);
      absent.push(c);
      continue;
    }
    const f1 = (2 * tp) / (support + predicted);
    perClass.push(f1);
    sum += f1;
    count++;
  }
  return { macroF1: count > 0 ? sum / count : 0, perClass, recall, absent };
}

/** Macro one-vs-rest AUC with its per-class parts. */
export interface AucResult {
  /** Mean AUC over the classes with at least one positive and one negative; `null` when there is none. */
  auc: number | null;
  /** AUC per class code; `null` for a skipped class. */
  perClass: (number | null)[];
  /** Class codes skipped because the set has no positive or no negative for them. */
  skipped: number[];
}

/**
 * Computes macro one-vs-rest AUC from class probabilities (`n x C`, one row
 * per sample). Each class's AUC is the Mann-Whitney statistic with average
 * ranks for ties.
 */
export function macroAucOvr(yTrue: ArrayLike<number>, prob: Matrix): AucResult {
  if (prob.rows !== yTrue.length) {
    throw new RangeError(`probabilities have ${prob.rows} rows but there are ${yTrue.length} labels`);
  }
  const n = prob.rows;
  const C = prob.cols;
  const perClass: (number | null)[] = [];
  const skipped: number[] = [];
  let sum = 0;
  let count = 0;
  const scores = new Float64Array(n);
  for (let c = 0; c < C; c++) {
    let pos = 0;
    for (let i = 0; i < n; i++) {
      scores[i] = prob.data[i * C + c];
      if (yTrue[i] === c) pos++;
    }
    const neg = n - pos;
    if (pos === 0 || neg === 0) {
      perClass.push(null);
      skipped.push(c);
      continue;
    }
    const ranks = averageRanks(scores);
    let rankSum = 0;
    for (let i = 0; i < n; i++) if (yTrue[i] === c) rankSum += ranks[i];
    const auc = (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
    perClass.push(auc);
    sum += auc;
    count++;
  }
  return { auc: count > 0 ? sum / count : null, perClass, skipped };
}

/** Returns 1-based ranks of `values`, tied values sharing their average rank. */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]] === values[order[i]]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = r;
    i = j + 1;
  }
  return ranks;
}

/** Returns the index of the largest value in each row of `m` (first index on ties). */
export function argmaxRows(m: Matrix): Int32Array {
  const out = new Int32Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let best = 0;
    let bestValue = m.data[i * m.cols];
    for (let j = 1; j < m.cols; j++) {
      const v = m.data[i * m.cols + j];
      if (v > bestValue) {
        bestValue = v;
        best = j;
      }
    }
    out[i] = best;
  }
  return out;
}

function checkSameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new RangeError(`label vectors differ in length: ${a.length} and ${b.length}`);
}
