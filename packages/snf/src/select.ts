/**
 * Picking the k largest entries of a row. Ties are broken by lower index
 * first: of two equal values, the one with the smaller column index is
 * kept. This rule is used for the local kernels of SNF, the graph's
 * neighbours and attached samples alike.
 */

/**
 * Writes into `out` the indices j (in increasing index order) of the `k`
 * largest `values[j]` among the columns where `mask` is 1 (all when null),
 * skipping `exclude`; returns how many were written (fewer than k when
 * fewer candidates exist).
 */
export function topK(
  values: ArrayLike<number>,
  n: number,
  k: number,
  mask: Uint8Array | null,
  exclude: number,
  out: Int32Array,
): number {
  // min-heap of the k best so far; the root is the worst kept entry
  let size = 0;
  const heap = out;
  const worse = (a: number, b: number): boolean => {
    const va = values[a];
    const vb = values[b];
    return va < vb || (va === vb && a > b);
  };
  let rootValue = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < n; j++) {
    if (j === exclude || (mask !== null && mask[j] === 0)) continue;
    // full heap: j (the largest index so far) must beat the root strictly
    if (size === k && !(values[j] > rootValue)) continue;
    if (size < k) {
      let c = size++;
      heap[c] = j;
      while (c > 0) {
        const parent = (c - 1) >> 1;
        if (!worse(heap[c], heap[parent])) break;
        const t = heap[c];
        heap[c] = heap[parent];
        heap[parent] = t;
        c = parent;
      }
      if (size === k) rootValue = values[heap[0]];
    } else if (k > 0) {
      heap[0] = j;
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        if (l >= size) break;
        const r = l + 1;
        const m = r < size && worse(heap[r], heap[l]) ? r : l;
        if (!worse(heap[m], heap[c])) break;
        const t = heap[m];
        heap[m] = heap[c];
        heap[c] = t;
        c = m;
      }
      rootValue = values[heap[0]];
    }
  }
  out.subarray(0, size).sort();
  return size;
}

/**
 * numpy's `percentile(row, q)` with the default linear method (numpy 2.x):
 * virtual index (L - 1) q / 100 over the L values where `mask` is 1, and
 * numpy's two-sided interpolation formula. `scratch` must hold L integers.
 */
export function numpyPercentile(
  values: ArrayLike<number>,
  n: number,
  mask: Uint8Array | null,
  count: number,
  q: number,
  scratch: Int32Array,
): number {
  const quantile = q / 100;
  const virtual = (count - 1) * quantile;
  if (virtual >= count - 1) {
    topK(values, n, 1, mask, -1, scratch);
    return values[scratch[0]];
  }
  const below = Math.max(0, Math.floor(virtual));
  const gamma = virtual - below;
  // the values at sorted positions `below` and `below + 1` are the smallest
  // and second smallest of the (count - below) largest values
  const h = count - below;
  const got = topK(values, n, h, mask, -1, scratch);
  let first = Infinity;
  let second = Infinity;
  for (let p = 0; p < got; p++) {
    const v = values[scratch[p]];
    if (v < first) {
      second = first;
      first = v;
    } else if (v < second) {
      second = v;
    }
  }
  const a = first;
  const b = second;
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/** The k-th smallest value (0-based) of `values[0..count)` (reordered in place): quickselect. */
export function kthSmallest(values: Float64Array, k: number, count = values.length): number {
  let lo = 0;
  let hi = count - 1;
  while (hi > lo) {
    const mid = lo + ((hi - lo) >> 1);
    const a = values[lo];
    const b = values[mid];
    const c = values[hi];
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i] = values[j];
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k];
  }
  return values[k];
}

/** Mean of the K smallest of `values[0..count)` (reordered), summed in increasing order. */
export function meanOfSmallest(values: Float64Array, K: number, count: number): number {
  if (K < count) kthSmallest(values, K - 1, count);
  const smallest = values.slice(0, Math.min(K, count)).sort();
  let s = 0;
  for (let q = 0; q < smallest.length; q++) s += smallest[q];
  return s / smallest.length;
}
