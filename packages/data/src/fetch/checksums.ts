import { readFile } from 'node:fs/promises';
import { InvalidInputError } from '@bml/core';

/** Name of the checksum file written into a fetched cohort folder. */
export const CHECKSUM_FILE = 'checksums.sha256';

/** One line of a checksum file. */
export interface ChecksumEntry {
  /** Dataset file, as a path under the hub's download root (`TCGA.BRCA.sampleMap/HiSeqV2.gz`). */
  name: string;
  /** SHA-256, lowercase hex. */
  sha256: string;
}

const GNU_LINE = /^([0-9a-fA-F]{64}) [ *](.+)$/;
const BSD_LINE = /^SHA256 \((.+)\) = ([0-9a-fA-F]{64})$/;

/**
 * Parses a SHA-256 checksum file in the formats `sha256sum` writes: GNU
 * (`<digest>  <name>`) or BSD (`SHA256 (<name>) = <digest>`). Blank lines
 * and lines starting with `#` are skipped; any other line raises an
 * `InvalidInputError` naming `source` and the line number.
 */
export function parseChecksums(text: string, source: string): ChecksumEntry[] {
  const entries: ChecksumEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const gnu = GNU_LINE.exec(line);
    const bsd = gnu ? null : BSD_LINE.exec(line);
    if (!gnu && !bsd) {
      throw new InvalidInputError(
        `bml fetch: ${source} line ${index + 1} is not a SHA-256 checksum line ("${line}"); write ` +
          '"<64 hex digits>  <file>" per line, as sha256sum prints',
        'BAD_CHECKSUM_FILE',
        { file: source, line: index + 1 },
      );
    }
    const [name, sha256] = gnu ? [gnu[2], gnu[1]] : [bsd![1], bsd![2]];
    entries.push({ name: name.trim(), sha256: sha256.toLowerCase() });
  });
  return entries;
}

/** Reads and parses a checksum file; a missing or unreadable file raises an `InvalidInputError`. */
export async function readChecksumFile(path: string): Promise<ChecksumEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InvalidInputError(
      `bml fetch: cannot read the checksum file ${path} (${(error as NodeJS.ErrnoException).code ?? error}); ` +
        'check the --checksums path',
      'CHECKSUM_FILE_NOT_FOUND',
      { file: path },
    );
  }
  return parseChecksums(text, path);
}

/**
 * Returns the expected digest of a dataset file: the entry whose name is
 * the full path under the download root, else the one whose name is the
 * file's base name, else `undefined`.
 */
export function findChecksum(entries: readonly ChecksumEntry[], datasetPath: string): string | undefined {
  const exact = entries.find((entry) => entry.name === datasetPath);
  if (exact) return exact.sha256;
  const base = datasetPath.slice(datasetPath.lastIndexOf('/') + 1);
  return entries.find((entry) => entry.name === base)?.sha256;
}

/** Formats entries as a GNU `sha256sum` file, which `--checksums` reads back. */
export function formatChecksums(entries: readonly ChecksumEntry[]): string {
  return entries.map((entry) => `${entry.sha256}  ${entry.name}\n`).join('');
}
