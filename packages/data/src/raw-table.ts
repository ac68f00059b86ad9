/**
 * Parsing a numeric table as written in the file: a header row, an id in
 * the first field of every row, numbers (or missing-value tokens) elsewhere.
 */
import { InvalidInputError } from '@bml/core';
import { Cursor } from './csv.js';
import { parseCellAt, parseCellText } from './numbers.js';
import { separatorHint, type Delimiter } from './text.js';

/** A cell that is neither a number nor a missing-value token. */
export interface BadCell {
  /** 1-based line number in the file. */
  line: number;
  /** 0-based data row index. */
  row: number;
  /** 0-based value column index (the id column not counted). */
  col: number;
  /** The cell text, trimmed. */
  text: string;
}

/** A numeric table in file orientation: rows and columns as written. */
export interface RawTable {
  /** File name used in messages. */
  file: string;
  /** Names of the value columns (the header without its first cell). */
  columnNames: string[];
  /** First field of every data row, trimmed. */
  rowIds: string[];
  /** 1-based line number of every data row. */
  rowLines: number[];
  /** Row-major values; NaN marks a missing cell. */
  values: Float64Array;
  /** Number of data rows. */
  rows: number;
  /** Number of value columns. */
  cols: number;
  /** The first few non-numeric cells (at most {@link MAX_BAD_CELLS}). */
  badCells: BadCell[];
  /** Number of non-numeric cells in the whole table. */
  badCellCount: number;
}

/** How many non-numeric cells a table keeps for its error message. */
export const MAX_BAD_CELLS = 5;

/**
 * Parses delimited text into a {@link RawTable}. Non-numeric cells become
 * NaN and are listed in `badCells`, so that the caller can word the error
 * after deciding whether rows are samples or features.
 *
 * A header with one field fewer than the data rows (as R's `write.table`
 * writes it) names only the value columns.
 */
export function parseRawTable(text: string, delimiter: Delimiter, file: string): RawTable {
  const cursor = new Cursor(text, delimiter, file);
  if (!cursor.skipBlankLines()) {
    throw new InvalidInputError(
      `@bml/data: ${file} is empty; it needs a header row and one row per sample`,
      'EMPTY_FILE',
      { file },
    );
  }
  const headerLine = cursor.line;
  const header = cursor.readRecord().map((name) => name.trim());
  const firstRowFields = peekFieldCount(cursor);
  const columnNames = firstRowFields === header.length + 1 ? header : header.slice(1);
  checkColumnNames(columnNames, file, headerLine, header.length === columnNames.length ? 1 : 2, separatorHint(header[0] ?? '', delimiter));
  const cols = columnNames.length;
  const delimiterCode = cursor.delimiterCode;

  const rowIds: string[] = [];
  const rowLines: number[] = [];
  let capacity = Math.max(16, Math.ceil(text.length / Math.max(1, cols * 4)));
  let values = new Float64Array(capacity * cols);
  const badCells: BadCell[] = [];
  let badCellCount = 0;
  let row = 0;

  while (cursor.skipBlankLines()) {
    const line = cursor.line;
    const id = cursor.readString().trim();
    if (id === '') {
      throw new InvalidInputError(
        `@bml/data: ${file} line ${line}: the id in the first column is empty; give every row an id`,
        'EMPTY_ID',
        { file, line },
      );
    }
    if (row === capacity) {
      capacity *= 2;
      const grown = new Float64Array(capacity * cols);
      grown.set(values);
      values = grown;
    }
    const base = row * cols;
    let col = 0;
    while (cursor.nextField()) {
      if (col === cols) throw fieldCountError(file, line, cols + 1, countRest(cursor, cols + 2));
      let ok: boolean;
      if (cursor.atQuote()) {
        const cellText = cursor.readString();
        const value = parseCellText(cellText);
        values[base + col] = value ?? Number.NaN;
        ok = value !== undefined;
        if (!ok && badCells.length < MAX_BAD_CELLS) badCells.push({ line, row, col, text: cellText.trim() });
      } else {
        let end = parseCellAt(text, cursor.pos, delimiterCode, values, base + col);
        ok = end >= 0;
        if (!ok) {
          end = -end - 1;
          if (badCells.length < MAX_BAD_CELLS) {
            badCells.push({ line, row, col, text: text.slice(cursor.pos, end).trim() });
          }
        }
        cursor.pos = end;
      }
      if (!ok) badCellCount++;
      col++;
    }
    if (col !== cols) throw fieldCountError(file, line, cols + 1, col + 1);
    cursor.endRecord();
    rowIds.push(id);
    rowLines.push(line);
    row++;
  }
  if (row === 0) {
    throw new InvalidInputError(
      `@bml/data: ${file} has a header row but no data rows; add one row per sample ` +
        '(or one row per feature when samples are columns)',
      'NO_DATA_ROWS',
      { file },
    );
  }
  return {
    file,
    columnNames,
    rowIds,
    rowLines,
    values: values.subarray(0, row * cols),
    rows: row,
    cols,
    badCells,
    badCellCount,
  };
}

function peekFieldCount(cursor: Cursor): number {
  const { pos, line } = cursor;
  if (!cursor.skipBlankLines()) return -1;
  const count = cursor.readRecord().length;
  cursor.pos = pos;
  cursor.line = line;
  return count;
}

function countRest(cursor: Cursor, counted: number): number {
  let count = counted;
  cursor.readString();
  while (cursor.nextField()) {
    cursor.readString();
    count++;
  }
  return count;
}

function checkColumnNames(names: string[], file: string, line: number, firstColumn: number, hint: string): void {
  if (names.length === 0) {
    throw new InvalidInputError(
      `@bml/data: ${file} has no value columns (its header has only the id column); ` +
        `write one column per feature after the id column.${hint}`,
      'NO_COLUMNS',
      { file },
    );
  }
  const empty = names.findIndex((name) => name === '');
  if (empty >= 0) {
    throw new InvalidInputError(
      `@bml/data: ${file} line ${line}: header column ${empty + firstColumn} is empty; ` +
        'name the column or delete it',
      'EMPTY_HEADER',
      { file, line, column: empty + firstColumn },
    );
  }
}

function fieldCountError(file: string, line: number, expected: number, actual: number): InvalidInputError {
  return new InvalidInputError(
    `@bml/data: ${file} line ${line} has ${actual} fields, expected ${expected} (the id and one per column ` +
      'of the header); give every row the same fields and check for a wrong delimiter or unquoted commas',
    'FIELD_COUNT',
    { file, line, expected, actual },
  );
}
