/**
 * Reading `id,label` and `id,split` files.
 */
import { basename } from 'node:path';
import { InvalidInputError } from '@bml/core';
import { parseRecords, type TextRecord } from './csv.js';
import { isMissingToken } from './numbers.js';
import { chooseDelimiter, readTextFile, readTextFileSync, separatorHint, type Delimiter } from './text.js';

/** One row of a labels file. */
export interface LabelEntry {
  /** Sample id, trimmed. */
  id: string;
  /** Class name, trimmed; `undefined` when the cell is empty or a missing-value token. */
  label: string | undefined;
  /** 1-based line in the file. */
  line: number;
  /** File name, for messages. */
  file: string;
}

/** A labels file: its header row and its entries. */
export interface LabelFile {
  /** Header fields, trimmed. */
  header: string[];
  /** One entry per data row, in file order. */
  entries: LabelEntry[];
}

/**
 * Reads a labels file: a header row, then the sample id in the first column
 * and the label in the column named `labelColumn` (default the second
 * column). Empty labels and missing-value tokens mean "unlabelled".
 */
export async function readLabelFile(path: string, labelColumn?: string): Promise<LabelFile> {
  const text = await readTextFile(path);
  const file = basename(path);
  const delimiter = chooseDelimiter(path, text);
  const records = parseRecords(text, delimiter, file);
  if (records.length === 0) {
    throw new InvalidInputError(
      `@bml/data: ${file} is empty; write a header row, then one "id,label" row per sample`,
      'EMPTY_FILE',
      { file },
    );
  }
  const header = records[0].fields.map((name) => name.trim());
  const column = labelColumnIndex(header, labelColumn, file, delimiter);
  const entries: LabelEntry[] = [];
  for (const record of records.slice(1)) {
    const id = requireId(record, file);
    if (record.fields.length <= column) {
      throw new InvalidInputError(
        `@bml/data: ${file} line ${record.line} (sample ${id}) has no field for the label column ` +
          `${header[column] || column + 1}; give every row an id and a label (an empty label marks an ` +
          'unlabelled sample)',
        'FIELD_COUNT',
        { file, line: record.line },
      );
    }
    const text = record.fields[column].trim();
    entries.push({ id, label: isMissingToken(text) ? undefined : text, line: record.line, file });
  }
  return { header, entries };
}

function labelColumnIndex(header: string[], labelColumn: string | undefined, file: string, delimiter: Delimiter): number {
  if (labelColumn === undefined) {
    if (header.length < 2) {
      throw new InvalidInputError(
        `@bml/data: ${file} has a single column; a labels file needs the sample id in the first column and ` +
          `the label in the second, under a header row such as "sample,label".${separatorHint(header[0] ?? '', delimiter)}`,
        'LABEL_COLUMN',
        { file },
      );
    }
    return 1;
  }
  const index = header.indexOf(labelColumn);
  if (index < 1) {
    throw new InvalidInputError(
      `@bml/data: ${file} has no label column "${labelColumn}"; its columns after the id are ` +
        `${header.slice(1).join(', ')}; set labelColumn to one of them`,
      'LABEL_COLUMN',
      { file, labelColumn },
    );
  }
  return index;
}

function requireId(record: TextRecord, file: string): string {
  const id = record.fields[0].trim();
  if (id === '') {
    throw new InvalidInputError(
      `@bml/data: ${file} line ${record.line}: the sample id in the first column is empty; ` +
        'give every row an id',
      'EMPTY_ID',
      { file, line: record.line },
    );
  }
  return id;
}

/** One row of a split file. */
export interface SplitEntry {
  /** Sample id, trimmed. */
  id: string;
  /** Part of the outer split. */
  part: 'train' | 'test';
  /** 1-based line in the file. */
  line: number;
}

/**
 * Reads an `id,split` file (a header row, then the sample id and `train` or
 * `test`, case-insensitive). A first row whose second field is `train` or
 * `test` is read as data, not as a header. Raises an `InvalidInputError` on
 * any other value and on an id listed twice.
 */
export function readSplitEntries(path: string): SplitEntry[] {
  const text = readTextFileSync(path);
  const file = basename(path);
  const records = parseRecords(text, chooseDelimiter(path, text), file);
  const entries: SplitEntry[] = [];
  const seen = new Map<string, number>();
  const firstPart = (records[0]?.fields[1] ?? '').trim().toLowerCase();
  const hasHeader = firstPart !== 'train' && firstPart !== 'test';
  for (const record of hasHeader ? records.slice(1) : records) {
    const id = requireId(record, file);
    const value = (record.fields[1] ?? '').trim();
    const part = value.toLowerCase();
    if (part !== 'train' && part !== 'test') {
      throw new InvalidInputError(
        `@bml/data: ${file} line ${record.line} (sample ${id}): split "${value}" is neither train nor test; ` +
          'write train or test in the second column',
        'BAD_SPLIT_VALUE',
        { file, line: record.line, value },
      );
    }
    const previous = seen.get(id);
    if (previous !== undefined) {
      throw new InvalidInputError(
        `@bml/data: ${file} lists sample ${id} twice (lines ${previous} and ${record.line}); ` +
          'keep one row per sample',
        'DUPLICATE_SPLIT_ID',
        { file, id },
      );
    }
    seen.set(id, record.line);
    entries.push({ id, part, line: record.line });
  }
  return entries;
}
