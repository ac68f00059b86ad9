/**
 * Temporary cohort folders written by the tests themselves.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll } from 'vitest';

const created: string[] = [];

afterAll(() => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

/**
 * Creates a temporary folder holding `files` (name -> text); names ending in
 * `.gz` are written gzipped. The folder is removed after the test file.
 */
export function makeFolder(files: Record<string, string>, name = 'cohort'): string {
  const root = mkdtempSync(join(tmpdir(), 'bml-data-'));
  created.push(root);
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    const path = join(dir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.endsWith('.gz') ? gzipSync(text) : text);
  }
  return dir;
}
