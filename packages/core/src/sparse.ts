/**
 * A sparse matrix in compressed sparse row (CSR) form: the shape of SNF's
 * local kernels and of the patient graph, whose rows hold only k entries.
 */
export interface CsrMatrix {
  /** Number of rows. */
  readonly rows: number;
  /** Number of columns. */
  readonly cols: number;
  /** `rows + 1` offsets: the entries of row i are at `rowPtr[i]..rowPtr[i + 1] - 1`. */
  readonly rowPtr: Int32Array;
  /** Column index of each stored entry, ascending within a row. */
  readonly colIdx: Int32Array;
  /** Value of each stored entry. */
  readonly values: Float64Array;
}

/** Returns the dense row-major form of a CSR matrix (for tests and small cases). */
export function csrToDense(m: CsrMatrix): Float64Array {
  const out = new Float64Array(m.rows * m.cols);
  for (let i = 0; i < m.rows; i++) {
    for (let p = m.rowPtr[i]; p < m.rowPtr[i + 1]; p++) out[i * m.cols + m.colIdx[p]] += m.values[p];
  }
  return out;
}
