import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { hasGzipMagic } from './file-checks.js';

/** One line of a text table, without its line break. */
export interface TableLine {
  /** Line text, with a trailing `\r` removed. */
  text: string;
  /** 1-based line number. */
  number: number;
}

/**
 * Reads a text file line by line, decompressing it on the fly when it starts
 * with the gzip magic bytes, so that a file larger than the maximum string
 * length can be read. A leading byte-order mark is dropped.
 */
export async function* readTableLines(path: string): AsyncGenerator<TableLine> {
  const raw = createReadStream(path);
  let input: Readable = raw;
  if (await hasGzipMagic(path)) {
    const gunzip = createGunzip();
    raw.on('error', (error) => gunzip.destroy(error));
    input = raw.pipe(gunzip);
  }
  const lines = createInterface({ input, crlfDelay: Infinity });
  let number = 0;
  try {
    for await (const line of lines) {
      number++;
      const text = number === 1 && line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
      yield { text: text.endsWith('\r') ? text.slice(0, -1) : text, number };
    }
  } finally {
    lines.close();
    input.destroy();
    raw.destroy();
  }
}
