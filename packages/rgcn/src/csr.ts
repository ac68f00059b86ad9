/**
 * Checks and reshapes of the normalised patient graph, a CSR matrix over
 * all nodes: training-part nodes first, then attached test or new nodes
 * whose rows reference training-part nodes and themselves only.
 */
import { InvalidInputError, type CsrMatrix } from '@bml/core';

/**
 * Checks that `graph` is a well-formed square CSR matrix over `nodes` nodes
 * with finite values, and throws an {@link InvalidInputError} naming
 * `owner` (a package name such as `@bml/rgcn`) otherwise.
 */
export function validateGraph(graph: CsrMatrix, nodes: number, owner = '@bml/rgcn'): void {
  if (graph.rows !== graph.cols) {
    throw new InvalidInputError(
      `${owner}: the graph must be square, got ${graph.rows} x ${graph.cols}; pass the normalised adjacency over all nodes`,
      'GRAPH_NOT_SQUARE',
    );
  }
  if (graph.rows !== nodes) {
    throw new InvalidInputError(
      `${owner}: the graph has ${graph.rows} nodes but the features have ${nodes} rows; ` +
        'give one feature row per graph node, in the same order',
      'GRAPH_SIZE_MISMATCH',
    );
  }
  const { rowPtr, colIdx, values } = graph;
  if (rowPtr.length !== graph.rows + 1 || rowPtr[0] !== 0 || rowPtr[graph.rows] !== colIdx.length) {
    throw new InvalidInputError(
      `${owner}: graph.rowPtr must have rows + 1 = ${graph.rows + 1} offsets from 0 to ${colIdx.length}`,
      'GRAPH_MALFORMED',
    );
  }
  if (values.length !== colIdx.length) {
    throw new InvalidInputError(
      `${owner}: graph.values has ${values.length} entries but graph.colIdx has ${colIdx.length}`,
      'GRAPH_MALFORMED',
    );
  }
  for (let i = 0; i < graph.rows; i++) {
    if (rowPtr[i + 1] < rowPtr[i]) {
      throw new InvalidInputError(`${owner}: graph.rowPtr decreases at row ${i}`, 'GRAPH_MALFORMED');
    }
  }
  for (let p = 0; p < colIdx.length; p++) {
    const j = colIdx[p];
    if (!(j >= 0 && j < graph.cols)) {
      throw new InvalidInputError(
        `${owner}: graph column index ${j} at entry ${p} is outside 0..${graph.cols - 1}`,
        'GRAPH_MALFORMED',
      );
    }
    if (!Number.isFinite(values[p])) {
      throw new InvalidInputError(
        `${owner}: graph value at entry ${p} is ${values[p]}; the normalised adjacency must be finite`,
        'GRAPH_NOT_FINITE',
      );
    }
  }
}

/**
 * Returns the leading `n x n` block of `graph`: the graph among the
 * training-part nodes 0..n-1. Throws when a row below `n` references a node
 * at or above `n`, because then training representations would depend on
 * test nodes.
 */
export function sliceGraph(graph: CsrMatrix, n: number, owner = '@bml/rgcn'): CsrMatrix {
  if (!Number.isInteger(n) || n < 1 || n > graph.rows) {
    throw new InvalidInputError(
      `${owner}: nTrain must be an integer in 1..${graph.rows} (the number of graph nodes), got ${n}`,
      'INVALID_N_TRAIN',
    );
  }
  const end = graph.rowPtr[n];
  for (let i = 0; i < n; i++) {
    for (let p = graph.rowPtr[i]; p < graph.rowPtr[i + 1]; p++) {
      if (graph.colIdx[p] >= n) {
        throw new InvalidInputError(
          `${owner}: training-part node ${i} references node ${graph.colIdx[p]}, which is at or above ` +
            `nTrain = ${n}; attach test nodes so that only their own rows reference training nodes`,
          'GRAPH_LEAKS_TEST_NODES',
        );
      }
    }
  }
  return {
    rows: n,
    cols: n,
    rowPtr: graph.rowPtr.slice(0, n + 1),
    colIdx: graph.colIdx.slice(0, end),
    values: graph.values.slice(0, end),
  };
}

/** Returns the transpose of a CSR matrix, with ascending column indices in each row. */
export function transposeCsr(m: CsrMatrix): CsrMatrix {
  const nnz = m.colIdx.length;
  const rowPtr = new Int32Array(m.cols + 1);
  for (let p = 0; p < nnz; p++) rowPtr[m.colIdx[p] + 1]++;
  for (let j = 0; j < m.cols; j++) rowPtr[j + 1] += rowPtr[j];
  const next = rowPtr.slice(0, m.cols);
  const colIdx = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  // Rows are visited in ascending order, so each transposed row receives ascending column indices.
  for (let i = 0; i < m.rows; i++) {
    for (let p = m.rowPtr[i]; p < m.rowPtr[i + 1]; p++) {
      const q = next[m.colIdx[p]]++;
      colIdx[q] = i;
      values[q] = m.values[p];
    }
  }
  return { rows: m.cols, cols: m.rows, rowPtr, colIdx, values };
}
