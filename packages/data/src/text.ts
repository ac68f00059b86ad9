/**
 * Reading table files as text: gzip, byte-order mark and the delimiter.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gunzipSync } from 'node:zlib';
import { InvalidInputError } from '@bml/core';

const gunzipAsync = promisify(gunzip);

/** File name endings that make a file a table: `.csv`, `.tsv`, each optionally gzipped. */
export const TABLE_EXTENSIONS: readonly string[] = ['.csv.gz', '.tsv.gz', '.csv', '.tsv'];

/** Field delimiter of a table file. */
export type Delimiter = ',' | '\t';

/**
 * Reads a file as UTF-8 text, decompressing it when it is gzipped (by the
 * `.gz` ending or the gzip magic bytes) and dropping a leading byte-order mark.
 */
export async function readTextFile(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw unreadable(path, error);
  }
  if (isGzip(bytes, path)) {
    try {
      bytes = await gunzipAsync(bytes);
    } catch (error) {
      throw badGzip(path, error);
    }
  }
  return decode(bytes);
}

/** Synchronous form of {@link readTextFile}. */
export function readTextFileSync(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw unreadable(path, error);
  }
  if (isGzip(bytes, path)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (error) {
      throw badGzip(path, error);
    }
  }
  return decode(bytes);
}

function isGzip(bytes: Buffer, path: string): boolean {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return true;
  if (path.toLowerCase().endsWith('.gz')) {
    throw new InvalidInputError(
      `@bml/data: ${basename(path)} ends in .gz but is not gzip-compressed; ` +
        'rename it without .gz or compress it',
      'BAD_GZIP',
      { file: path },
    );
  }
  return false;
}

function decode(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function unreadable(path: string, error: unknown): InvalidInputError {
  const code = (error as NodeJS.ErrnoException).code;
  let reason = String(error);
  if (code === 'ENOENT') reason = 'the file does not exist';
  else if (code === 'EISDIR') reason = 'it is a folder';
  return new InvalidInputError(
    `@bml/data: cannot read ${path}: ${reason}; check the path`,
    'FILE_NOT_READABLE',
    { file: path },
  );
}

function badGzip(path: string, error: unknown): InvalidInputError {
  return new InvalidInputError(
    `@bml/data: ${basename(path)} is not a valid gzip file (${(error as Error).message}); ` +
      'recompress it or store it uncompressed',
    'BAD_GZIP',
    { file: path },
  );
}

/** Returns the file name without directory and without its table extension (`cnv.tsv.gz` -> `cnv`). */
export function tableBaseName(path: string): string {
  const name = basename(path);
  for (const ext of TABLE_EXTENSIONS) {
    if (name.toLowerCase().endsWith(ext)) return name.slice(0, name.length - ext.length);
  }
  return name;
}

/** Returns whether the file name ends in one of {@link TABLE_EXTENSIONS} (case-insensitive). */
export function isTableFile(path: string): boolean {
  const name = basename(path).toLowerCase();
  return TABLE_EXTENSIONS.some((ext) => name.endsWith(ext));
}

/**
 * Chooses the delimiter: tab for `.tsv` files and comma for `.csv` files,
 * unless the first line contains none of that delimiter but some of the
 * other one. For other endings, the first line decides (comma when it has
 * neither).
 */
export function chooseDelimiter(path: string, text: string): Delimiter {
  let lineEnd = text.indexOf('\n');
  if (lineEnd < 0) lineEnd = text.length;
  const firstLine = text.slice(0, lineEnd);
  const commas = countOutsideQuotes(firstLine, ',');
  const tabs = countOutsideQuotes(firstLine, '\t');
  const name = path.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.tsv')) return tabs === 0 && commas > 0 ? ',' : '\t';
  if (name.endsWith('.csv')) return commas === 0 && tabs > 0 ? '\t' : ',';
  return tabs > commas ? '\t' : ',';
}

function countOutsideQuotes(line: string, char: string): number {
  let count = 0;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (c === char && !quoted) count++;
  }
  return count;
}

/**
 * Returns a hint for a header that came out as one field when it contains a separator bml does not
 * read (";" or "|"), or an empty string. Commas and tabs are detected by {@link chooseDelimiter}.
 */
export function separatorHint(field: string, delimiter: Delimiter): string {
  const found = [';', '|'].find((mark) => field.includes(mark));
  if (found === undefined) return '';
  const read = delimiter === ',' ? 'commas' : 'tabs';
  return ` The header seems to be separated by "${found}", but bml reads commas or tabs (this file: ${read}); convert the separators.`;
}
