/**
 * A dense row-major float64 matrix: the one numeric container every bml
 * package passes around, so packages compose without conversions.
 */
export interface Matrix {
  /** Number of rows (samples, in bml's convention). */
  readonly rows: number;
  /** Number of columns (features). */
  readonly cols: number;
  /** `rows * cols` values, row by row: entry (i, j) is `data[i * cols + j]`. */
  readonly data: Float64Array;
}

/** Creates a `rows x cols` matrix, zero-filled unless `data` is given (used as is, not copied). */
export function createMatrix(rows: number, cols: number, data?: Float64Array): Matrix {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
    throw new RangeError(`matrix dimensions must be non-negative integers, got ${rows} x ${cols}`);
  }
  const values = data ?? new Float64Array(rows * cols);
  if (values.length !== rows * cols) {
    throw new RangeError(`matrix data has ${values.length} values, expected ${rows} x ${cols} = ${rows * cols}`);
  }
  return { rows, cols, data: values };
}

/** Builds a matrix from an array of equal-length rows (copies the values). */
export function fromRows(rows: ArrayLike<number>[]): Matrix {
  const n = rows.length;
  const d = n === 0 ? 0 : rows[0].length;
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    if (rows[i].length !== d) throw new RangeError(`row ${i} has ${rows[i].length} values, expected ${d}`);
    for (let j = 0; j < d; j++) data[i * d + j] = rows[i][j];
  }
  return { rows: n, cols: d, data };
}

/** Returns the rows of `m` as plain arrays (copies). */
export function toRows(m: Matrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

/** Returns row `i` of `m` as a view that shares memory with `m`. */
export function getRow(m: Matrix, i: number): Float64Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** Returns a new matrix made of the rows of `m` at `indices`, in that order. */
export function selectRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const out = new Float64Array(indices.length * m.cols);
  for (let r = 0; r < indices.length; r++) {
    const i = indices[r];
    if (i < 0 || i >= m.rows) throw new RangeError(`row index ${i} is outside 0..${m.rows - 1}`);
    out.set(m.data.subarray(i * m.cols, (i + 1) * m.cols), r * m.cols);
  }
  return { rows: indices.length, cols: m.cols, data: out };
}

/** Returns a new matrix made of the columns of `m` at `indices`, in that order. */
export function selectCols(m: Matrix, indices: ArrayLike<number>): Matrix {
  const k = indices.length;
  const out = new Float64Array(m.rows * k);
  for (let i = 0; i < m.rows; i++) {
    const base = i * m.cols;
    for (let c = 0; c < k; c++) out[i * k + c] = m.data[base + indices[c]];
  }
  return { rows: m.rows, cols: k, data: out };
}

/** Returns the transpose of `m`. */
export function transpose(m: Matrix): Matrix {
  const out = new Float64Array(m.rows * m.cols);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) out[j * m.rows + i] = m.data[i * m.cols + j];
  }
  return { rows: m.cols, cols: m.rows, data: out };
}

/** Concatenates matrices with the same number of rows side by side. */
export function concatCols(parts: readonly Matrix[]): Matrix {
  if (parts.length === 0) return createMatrix(0, 0);
  const n = parts[0].rows;
  let total = 0;
  for (const p of parts) {
    if (p.rows !== n) throw new RangeError(`cannot concatenate columns of matrices with ${n} and ${p.rows} rows`);
    total += p.cols;
  }
  const out = new Float64Array(n * total);
  for (let i = 0; i < n; i++) {
    let offset = i * total;
    for (const p of parts) {
      out.set(p.data.subarray(i * p.cols, (i + 1) * p.cols), offset);
      offset += p.cols;
    }
  }
  return { rows: n, cols: total, data: out };
}

/** Returns the index of the first non-finite value in `m`, or -1 when all values are finite. */
export function firstNonFinite(m: Matrix): number {
  for (let i = 0; i < m.data.length; i++) if (!Number.isFinite(m.data[i])) return i;
  return -1;
}
