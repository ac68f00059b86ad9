/**
 * Kraskov-Stögbauer-Grassberger (KSG) k-nearest-neighbour estimator of the
 * mutual information between two continuous variables, algorithm 1 of
 * Kraskov, Stögbauer & Grassberger (2004), "Estimating mutual information",
 * Phys. Rev. E 69, 066138.
 */
import { InvalidInputError, requireInput, Rng, type Matrix } from '@bml/core';
import { asMatrix, type ContinuousInput } from './input.js';
import { KdTree } from './kd-tree.js';
import { digammaTable } from './special.js';
import { fromNats, readPlugInOptions, type LogBase } from './units.js';

/** Options of {@link ksgMutualInfo}. */
export interface KsgOptions {
  /** Number of neighbours k. Default 3 (scikit-learn's `n_neighbors` default). */
  k?: number;
  /**
   * Standard deviation of the Gaussian noise added to break ties, relative to
   * max(1, mean |value|) of each column after standardisation. 0 adds none. Default 1e-10.
   */
  jitter?: number;
  /** Seed of the jitter noise. Default 0. */
  seed?: number;
  /**
   * Whether to divide each column by its standard deviation first (constant columns are left as they
   * are). Default true.
   */
  standardize?: boolean;
  /** Base of the logarithm of the result: `'e'` for nats, `2` for bits. Default `'e'`. */
  base?: LogBase;
}

/**
 * Copies the columns of `m` into `target` (row-major, `width` columns, starting
 * at column `offset`), standardised and jittered as the options ask.
 */
function copyColumns(
  m: Matrix,
  target: Float64Array,
  width: number,
  offset: number,
  standardize: boolean,
  jitter: number,
  rng: Rng,
  name: string,
): void {
  const n = m.rows;
  for (let c = 0; c < m.cols; c++) {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const v = m.data[i * m.cols + c];
      if (!Number.isFinite(v)) {
        throw new InvalidInputError(
          `@bml/mi: ${name} has a non-finite value (${v}) at row ${i}, column ${c}. Impute or drop it first.`,
        );
      }
      sum += v;
    }
    const mean = sum / n;
    let squares = 0;
    for (let i = 0; i < n; i++) squares += (m.data[i * m.cols + c] - mean) ** 2;
    const sd = Math.sqrt(squares / Math.max(1, n - 1));
    const scale = standardize && sd > 0 ? 1 / sd : 1;
    let absSum = 0;
    for (let i = 0; i < n; i++) {
      const v = m.data[i * m.cols + c] * scale;
      target[i * width + offset + c] = v;
      absSum += Math.abs(v);
    }
    const amplitude = jitter * Math.max(1, absSum / n);
    if (amplitude > 0) for (let i = 0; i < n; i++) target[i * width + offset + c] += amplitude * rng.normal();
  }
}

/**
 * Estimates the mutual information I(X; Y) with KSG algorithm 1, in nats
 * (in bits when `base` is 2):
 *
 * I = psi(k) + psi(N) - < psi(n_x + 1) + psi(n_y + 1) >,
 *
 * where, for each sample i, eps_i is the max-norm distance to its k-th
 * nearest neighbour in the joint space (X, Y), and n_x (n_y) counts the
 * other samples strictly closer than eps_i in X (Y) alone. Neighbour search
 * uses k-d trees, so in low dimension the cost grows about as N log N.
 *
 * Ties (equal values, common with rounded or discrete data) break the
 * estimator's assumption of a continuous density. Kraskov et al. add
 * low-amplitude noise to remove them, and so does this function, with
 * `jitter` and a seeded generator. The estimate is not clipped, so for
 * independent inputs it scatters around 0 and may be slightly negative
 * (scikit-learn clips it at 0). Its bias grows with the dimension of X and Y.
 *
 * @param x - N x d_x samples of X (or N values)
 * @param y - N x d_y samples of Y (or N values), same samples in the same order
 * @throws InvalidInputError when the sample counts differ, k is not an integer in 1..N-1,
 *   a matrix has no columns, a value is not finite or `base` is neither `'e'` nor 2.
 */
export function ksgMutualInfo(x: ContinuousInput, y: ContinuousInput, options: KsgOptions = {}): number {
  const { k = 3, jitter = 1e-10, seed = 0, standardize = true } = options;
  const { base } = readPlugInOptions({ base: options.base });
  const mx = asMatrix(x);
  const my = asMatrix(y);
  const n = mx.rows;
  requireInput(
    my.rows === n,
    `@bml/mi: x and y have different numbers of samples (x: ${n}, y: ${my.rows}). Pass the same samples in the same order.`,
  );
  requireInput(
    mx.cols > 0 && my.cols > 0,
    `@bml/mi: x and y need at least one column (x: ${mx.cols}, y: ${my.cols})`,
  );
  requireInput(
    Number.isInteger(k) && k >= 1 && k < n,
    `@bml/mi: k must be an integer in 1..N-1 (k = ${k}, N = ${n}). Lower k or pass more samples.`,
  );
  requireInput(
    Number.isFinite(jitter) && jitter >= 0,
    `@bml/mi: jitter must be finite and >= 0, got ${jitter}`,
  );

  const rng = new Rng(seed);
  const dim = mx.cols + my.cols;
  const joint = new Float64Array(n * dim);
  copyColumns(mx, joint, dim, 0, standardize, jitter, rng, 'x');
  copyColumns(my, joint, dim, mx.cols, standardize, jitter, rng, 'y');
  const xs = new Float64Array(n * mx.cols);
  const ys = new Float64Array(n * my.cols);
  for (let i = 0; i < n; i++) {
    xs.set(joint.subarray(i * dim, i * dim + mx.cols), i * mx.cols);
    ys.set(joint.subarray(i * dim + mx.cols, (i + 1) * dim), i * my.cols);
  }

  const jointTree = new KdTree(joint, n, dim);
  const xTree = new KdTree(xs, n, mx.cols);
  const yTree = new KdTree(ys, n, my.cols);
  const psi = digammaTable(n);
  let sum = 0;
  for (let p = 0; p < n; p++) {
    const i = jointTree.order[p];
    const eps = jointTree.kthNeighbourDistance(p, k);
    // countWithin includes sample i itself whenever eps > 0.
    const nx = eps > 0 ? xTree.countWithin(xs, i * mx.cols, eps) - 1 : 0;
    const ny = eps > 0 ? yTree.countWithin(ys, i * my.cols, eps) - 1 : 0;
    sum += psi[nx + 1] + psi[ny + 1];
  }
  return fromNats(psi[k] + psi[n] - sum / n, base);
}
