import { readFileSync } from 'node:fs';

/** A numeric table read by {@link readNumericCsv}. */
export interface NumericTable {
  /** Column names from the header, without the id column; empty when there is no header. */
  columns: string[];
  /** Row ids from the first column; empty when the file has no id column. */
  ids: string[];
  /** Row-major values. */
  data: Float64Array;
  /** Number of rows. */
  rows: number;
  /** Number of value columns. */
  cols: number;
}

/**
 * Reads a small comma-separated numeric file for tests. With `header` the
 * first line holds column names; with `idColumn` the first field of each
 * line is a row id. Empty fields become NaN.
 */
export function readNumericCsv(path: string, options: { header?: boolean; idColumn?: boolean } = {}): NumericTable {
  const { header = false, idColumn = false } = options;
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((line) => line.length > 0);
  let columns: string[] = [];
  if (header) {
    columns = lines.shift()!.split(',');
    if (idColumn) columns = columns.slice(1);
  }
  const ids: string[] = [];
  const rowsOut: number[][] = [];
  for (const line of lines) {
    let fields = line.split(',');
    if (idColumn) {
      ids.push(fields[0]);
      fields = fields.slice(1);
    }
    rowsOut.push(fields.map((f) => (f === '' ? Number.NaN : Number(f))));
  }
  const rows = rowsOut.length;
  const cols = rows > 0 ? rowsOut[0].length : 0;
  const data = new Float64Array(rows * cols);
  rowsOut.forEach((r, i) => data.set(r, i * cols));
  return { columns, ids, data, rows, cols };
}
