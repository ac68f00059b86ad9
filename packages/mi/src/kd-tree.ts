/**
 * A k-d tree for neighbour queries under the maximum norm
 * ||u - v||_inf = max_c |u_c - v_c|, as the KSG estimator needs: the distance
 * to the k-th nearest neighbour, and the number of points strictly within a
 * radius. Nodes split at the median of their widest coordinate and keep
 * their bounding box, so whole subtrees are counted or skipped at once.
 */

const LEAF_SIZE = 16;

/** A k-d tree over `n` points of dimension `dim`, stored row-major in a flat array. */
export class KdTree {
  /** Number of points. */
  readonly n: number;
  /** Dimension of each point. */
  readonly dim: number;
  /** Original index of the point at each tree position. */
  readonly order: Int32Array;
  /** Point coordinates in tree order (position p occupies `[p * dim, (p + 1) * dim)`). */
  readonly coords: Float64Array;
  private readonly start: number[] = [];
  private readonly end: number[] = [];
  private readonly left: number[] = [];
  private readonly right: number[] = [];
  private readonly boxMin: number[] = [];
  private readonly boxMax: number[] = [];

  /** Builds the tree from `n * dim` values, with point i at `points[i * dim .. (i + 1) * dim)`. */
  constructor(points: Float64Array, n: number, dim: number) {
    this.n = n;
    this.dim = dim;
    this.order = new Int32Array(n);
    for (let i = 0; i < n; i++) this.order[i] = i;
    if (n > 0) this.build(points, 0, n);
    this.coords = new Float64Array(n * dim);
    for (let p = 0; p < n; p++) {
      const i = this.order[p];
      for (let c = 0; c < dim; c++) this.coords[p * dim + c] = points[i * dim + c];
    }
  }

  private build(points: Float64Array, start: number, end: number): number {
    const node = this.start.length;
    const { dim, order } = this;
    this.start.push(start);
    this.end.push(end);
    this.left.push(-1);
    this.right.push(-1);

    let widest = 0;
    let widestSpread = -1;
    for (let c = 0; c < dim; c++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let p = start; p < end; p++) {
        const v = points[order[p] * dim + c];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      this.boxMin.push(lo);
      this.boxMax.push(hi);
      if (hi - lo > widestSpread) {
        widestSpread = hi - lo;
        widest = c;
      }
    }

    // A node of identical points stays a leaf whatever its size.
    if (end - start <= LEAF_SIZE || widestSpread <= 0) return node;
    const mid = (start + end) >> 1;
    selectNth(order, points, dim, widest, start, end - 1, mid);
    this.left[node] = this.build(points, start, mid);
    this.right[node] = this.build(points, mid, end);
    return node;
  }

  /** Computes the max-norm distance from the query point to the bounding box of `node` (0 inside). */
  private boxDistance(node: number, query: Float64Array, offset: number): number {
    let d = 0;
    const base = node * this.dim;
    for (let c = 0; c < this.dim; c++) {
      const q = query[offset + c];
      const gap = Math.max(this.boxMin[base + c] - q, q - this.boxMax[base + c]);
      if (gap > d) d = gap;
    }
    return d;
  }

  /**
   * Returns the max-norm distance from the point at tree position `position`
   * to its k-th nearest other point. Duplicates of the point count as
   * neighbours at distance 0. Needs 1 <= k < n.
   */
  kthNeighbourDistance(position: number, k: number): number {
    const best = new Float64Array(k).fill(Infinity);
    const { coords, dim } = this;
    const offset = position * dim;
    const visit = (node: number): void => {
      if (this.boxDistance(node, coords, offset) >= best[k - 1]) return;
      const left = this.left[node];
      if (left < 0) {
        for (let p = this.start[node]; p < this.end[node]; p++) {
          if (p === position) continue;
          const d = maxNormDistance(coords, p * dim, offset, dim, best[k - 1]);
          if (d < best[k - 1]) insertSorted(best, d);
        }
        return;
      }
      const right = this.right[node];
      if (this.boxDistance(left, coords, offset) <= this.boxDistance(right, coords, offset)) {
        visit(left);
        visit(right);
      } else {
        visit(right);
        visit(left);
      }
    };
    visit(0);
    return best[k - 1];
  }

  /**
   * Counts the points whose max-norm distance to `query[offset .. offset + dim)`
   * is strictly less than `radius`, the query point itself included when it
   * is in the tree.
   */
  countWithin(query: Float64Array, offset: number, radius: number): number {
    const { coords, dim } = this;
    const visit = (node: number): number => {
      if (this.boxDistance(node, query, offset) >= radius) return 0;
      if (this.boxInside(node, query, offset, radius)) return this.end[node] - this.start[node];
      const left = this.left[node];
      if (left >= 0) return visit(left) + visit(this.right[node]);
      let count = 0;
      for (let p = this.start[node]; p < this.end[node]; p++) {
        if (maxNormDistance(coords, p * dim, offset, dim, radius, query) < radius) count++;
      }
      return count;
    };
    return this.n === 0 ? 0 : visit(0);
  }

  /** Tests whether the whole bounding box of `node` lies strictly within `radius` of the query. */
  private boxInside(node: number, query: Float64Array, offset: number, radius: number): boolean {
    const base = node * this.dim;
    for (let c = 0; c < this.dim; c++) {
      const q = query[offset + c];
      if (!(q - this.boxMin[base + c] < radius && this.boxMax[base + c] - q < radius)) return false;
    }
    return true;
  }
}

/**
 * Computes the max-norm distance between the point at `coords[pointOffset..]`
 * and the one at `query[queryOffset..]` (`query` defaults to `coords`). Stops
 * early and returns a value >= `bound` once the distance reaches `bound`.
 */
function maxNormDistance(
  coords: Float64Array,
  pointOffset: number,
  queryOffset: number,
  dim: number,
  bound: number,
  query: Float64Array = coords,
): number {
  let d = 0;
  for (let c = 0; c < dim; c++) {
    const gap = Math.abs(coords[pointOffset + c] - query[queryOffset + c]);
    if (gap > d) {
      d = gap;
      if (d >= bound) return d;
    }
  }
  return d;
}

/** Inserts `value` into the ascending array `best`, dropping its last (largest) entry. */
function insertSorted(best: Float64Array, value: number): void {
  let i = best.length - 1;
  while (i > 0 && best[i - 1] > value) {
    best[i] = best[i - 1];
    i--;
  }
  best[i] = value;
}

/**
 * Reorders `order[lo..hi]` so that the entry at `nth` has the coordinate `axis`
 * it would have in sorted order, with no larger values before it and no
 * smaller ones after it (Hoare's selection).
 */
function selectNth(
  order: Int32Array,
  points: Float64Array,
  dim: number,
  axis: number,
  lo: number,
  hi: number,
  nth: number,
): void {
  const key = (p: number): number => points[order[p] * dim + axis];
  while (lo < hi) {
    const pivot = key((lo + hi) >> 1);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (key(i) < pivot) i++;
      while (key(j) > pivot) j--;
      if (i <= j) {
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
        i++;
        j--;
      }
    }
    if (nth <= j) hi = j;
    else if (nth >= i) lo = i;
    else return;
  }
}
