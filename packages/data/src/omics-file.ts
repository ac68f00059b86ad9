/**
 * Reading one omics file into a samples x features table: orientation,
 * non-numeric cells and duplicated feature names.
 */
import { basename } from 'node:path';
import { InvalidInputError, createMatrix, summarizeIds, type BmlWarning, type Matrix } from '@bml/core';
import { idKey, type IdMatch } from './barcodes.js';
import { meanSkippingNaN } from './finite-math.js';
import { agree, plural } from './grammar.js';
import { MISSING_TOKENS } from './numbers.js';
import { parseRawTable, type RawTable } from './raw-table.js';
import { chooseDelimiter, readTextFile, tableBaseName } from './text.js';
import type { Orientation } from './types.js';

/** An omics file as samples x features, before alignment to a cohort. */
export interface OmicsTable {
  /** Omics name from the file name. */
  name: string;
  /** Path the table was read from. */
  file: string;
  /** Orientation the file was read in. */
  orientation: Orientation;
  /** Sample ids as written in the file, one per row of `values`. */
  sampleIds: string[];
  /** Location of each sample in the file, for messages: `line 4` or `column 3`. */
  sampleLocations: string[];
  /** Unique feature names. */
  featureNames: string[];
  /** Samples x features; NaN marks a missing cell. */
  values: Matrix;
  /** Duplicated feature names that were merged. */
  warnings: BmlWarning[];
}

/** Options of {@link readOmicsFile}. */
export interface ReadOmicsOptions {
  /**
   * Samples as rows, as columns, or `auto`: the side (first column or header) whose ids match more of
   * `sampleIds`. Default `auto` when `sampleIds` is given, otherwise `rows`.
   */
  orientation?: Orientation | 'auto';
  /** Known sample ids (usually the label ids) used by `auto` orientation. */
  sampleIds?: Iterable<string>;
  /** Id matching mode between file ids and `sampleIds` for `auto` orientation. Default `exact`. */
  idMatch?: IdMatch;
}

/**
 * Reads a CSV or TSV file (gzipped or not) of one omics into a samples x
 * features table. Non-numeric cells raise an `InvalidInputError` naming file,
 * line, sample and column; duplicated feature names are merged by their mean
 * with a warning.
 */
export async function readOmicsFile(path: string, options: ReadOmicsOptions = {}): Promise<OmicsTable> {
  const text = await readTextFile(path);
  const raw = parseRawTable(text, chooseDelimiter(path, text), basename(path));
  return omicsTableFromRaw(raw, path, options);
}

/** Turns a parsed file into an {@link OmicsTable} (see {@link readOmicsFile}). */
export function omicsTableFromRaw(raw: RawTable, path: string, options: ReadOmicsOptions = {}): OmicsTable {
  const requested = options.orientation ?? (options.sampleIds ? 'auto' : 'rows');
  const orientation =
    requested === 'auto'
      ? detectOrientation(raw, options.sampleIds ?? [], options.idMatch ?? 'exact')
      : requested;
  if (raw.badCellCount > 0) throw badCellError(raw, orientation);
  const table = orientation === 'rows' ? rowsTable(raw, path) : columnsTable(raw, path);
  return mergeDuplicateFeatures(table);
}

/**
 * Picks the orientation whose ids (first column for `rows`, header for
 * `columns`) match more of `sampleIds`; `rows` on a tie. Raises an
 * `InvalidInputError` when neither side matches any id.
 */
export function detectOrientation(raw: RawTable, sampleIds: Iterable<string>, idMatch: IdMatch): Orientation {
  const keys = new Set<string>();
  for (const id of sampleIds) keys.add(idKey(id, idMatch).key);
  const rowHits = countHits(raw.rowIds, keys, idMatch);
  const columnHits = countHits(raw.columnNames, keys, idMatch);
  if (rowHits === 0 && columnHits === 0) {
    const ids = [...sampleIds];
    throw new InvalidInputError(
      `@bml/data: ${raw.file}: no id in its first column (${summarizeIds(raw.rowIds, 3)}) or header ` +
        `(${summarizeIds(raw.columnNames, 3)}) matches a label id (${summarizeIds(ids, 3)}) ` +
        `with idMatch '${idMatch}'; ${suggestIdMatch(raw, ids, idMatch)}`,
      'NO_MATCHING_IDS',
      { file: raw.file },
    );
  }
  return columnHits > rowHits ? 'columns' : 'rows';
}

/** Names the id matching mode that would match most file ids, or the generic fix when none would. */
function suggestIdMatch(raw: RawTable, sampleIds: readonly string[], idMatch: IdMatch): string {
  let best: { mode: IdMatch; hits: number; side: string; total: number } | undefined;
  for (const mode of ['sample', 'patient'] as const) {
    if (mode === idMatch) continue;
    const keys = new Set(sampleIds.map((id) => idKey(id, mode).key));
    for (const [side, ids] of [
      ['first column', raw.rowIds],
      ['header', raw.columnNames],
    ] as const) {
      const hits = countHits(ids, keys, mode);
      if (hits > (best?.hits ?? 0)) best = { mode, hits, side, total: ids.length };
    }
  }
  if (best) {
    return (
      `with idMatch '${best.mode}', ${best.hits} of the ${best.total} ids in its ${best.side} would match; ` +
      `set idMatch to '${best.mode}' (bml run: --id-match ${best.mode})`
    );
  }
  return (
    "check that the file belongs to this cohort, or set idMatch ('sample' or 'patient' for TCGA barcodes; " +
    'bml run: --id-match) or orientation (bml run: input.orientation in config.json)'
  );
}

function countHits(ids: readonly string[], keys: Set<string>, idMatch: IdMatch): number {
  let hits = 0;
  for (const id of ids) if (keys.has(idKey(id, idMatch).key)) hits++;
  return hits;
}

function badCellError(raw: RawTable, orientation: Orientation): InvalidInputError {
  const first = raw.badCells[0];
  const where = (cell: (typeof raw.badCells)[number]): string =>
    orientation === 'rows'
      ? `${raw.rowIds[cell.row]}/${raw.columnNames[cell.col]}`
      : `${raw.columnNames[cell.col]}/${raw.rowIds[cell.row]}`;
  const rowId = raw.rowIds[first.row];
  const columnName = raw.columnNames[first.col];
  const location =
    orientation === 'rows'
      ? `line ${first.line} (sample ${rowId}), column ${columnName}`
      : `line ${first.line} (feature ${rowId}), column of sample ${columnName}`;
  let message = `@bml/data: ${raw.file} ${location}: "${first.text}" is not a number`;
  if (raw.badCellCount > 1) {
    const listed = raw.badCells.map((cell) => `${where(cell)} "${cell.text}"`).join(', ');
    const unlisted = raw.badCellCount - raw.badCells.length;
    const more = unlisted > 0 ? ` and ${unlisted} more` : '';
    message += ` (${raw.badCellCount} non-numeric cells in all: ${listed}${more})`;
  }
  message +=
    `; fix the cell or use one of the missing-value tokens ${MISSING_TOKENS.join(', ')} or an empty cell` +
    ' (numbers use a decimal point and must be finite)';
  return new InvalidInputError(message, 'NOT_A_NUMBER', {
    file: raw.file,
    line: first.line,
    row: rowId,
    column: columnName,
    value: first.text,
    count: raw.badCellCount,
  });
}

function rowsTable(raw: RawTable, path: string): OmicsTable {
  return {
    name: tableBaseName(path),
    file: path,
    orientation: 'rows',
    sampleIds: raw.rowIds,
    sampleLocations: raw.rowLines.map((line) => `line ${line}`),
    featureNames: raw.columnNames,
    values: createMatrix(raw.rows, raw.cols, raw.values),
    warnings: [],
  };
}

function columnsTable(raw: RawTable, path: string): OmicsTable {
  const n = raw.cols;
  const d = raw.rows;
  const out = new Float64Array(n * d);
  const src = raw.values;
  for (let j = 0; j < d; j++) {
    const base = j * n;
    for (let i = 0; i < n; i++) out[i * d + j] = src[base + i];
  }
  const firstColumn = raw.columnNames.length === n ? 2 : 1;
  return {
    name: tableBaseName(path),
    file: path,
    orientation: 'columns',
    sampleIds: raw.columnNames,
    sampleLocations: raw.columnNames.map((_, i) => `column ${i + firstColumn}`),
    featureNames: raw.rowIds,
    values: createMatrix(n, d, out),
    warnings: [],
  };
}

/**
 * Replaces every group of columns that share a feature name by one column
 * holding, per sample, the mean of the group's non-missing values (NaN when
 * all are missing). The merged column takes the position of the first one.
 */
export function mergeDuplicateFeatures(table: OmicsTable): OmicsTable {
  const groups = new Map<string, number[]>();
  for (let j = 0; j < table.featureNames.length; j++) {
    const name = table.featureNames[j];
    const group = groups.get(name);
    if (group) group.push(j);
    else groups.set(name, [j]);
  }
  if (groups.size === table.featureNames.length) return table;

  const { rows, cols, data } = table.values;
  const names = [...groups.keys()];
  const members = [...groups.values()];
  const d = names.length;
  const out = new Float64Array(rows * d);
  const cells = members.map((group) => [...group]);
  for (let i = 0; i < rows; i++) {
    for (let g = 0; g < d; g++) {
      out[i * d + g] = meanSkippingNaN(data, cells[g]);
      for (let k = 0; k < cells[g].length; k++) cells[g][k] += cols;
    }
  }

  const duplicated = names.filter((_, g) => members[g].length > 1);
  const described = duplicated.map((name) => `${name} (${groups.get(name)!.length} times)`);
  const warning: BmlWarning = {
    code: 'DUPLICATE_FEATURES_MERGED',
    message:
      `${table.name}: ${plural(duplicated.length, 'feature name')} ` +
      `${agree(duplicated.length, 'appears', 'appear')} more than once in ${basename(table.file)} ` +
      `(${summarizeIds(described, 10)}); each was replaced by the per-sample mean of its non-missing values`,
    ids: duplicated,
  };
  return {
    ...table,
    featureNames: names,
    values: createMatrix(rows, d, out),
    warnings: [...table.warnings, warning],
  };
}
