import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Absolute path of the repository root (the folder holding pnpm-workspace.yaml). */
export const repoRoot = resolve(here, '../../..');

/**
 * Absolute path of the shared folder beside the repository, or of the one
 * named by the BML_SHARED environment variable.
 */
export const sharedDir = resolve(process.env.BML_SHARED ?? join(repoRoot, '..', 'shared'));

/**
 * Returns the absolute path of `relative` inside the shared folder, or
 * `undefined` (after printing why) when it is absent, so that a test can
 * skip with a visible reason.
 */
export function sharedPath(relative: string): string | undefined {
  const path = join(sharedDir, relative);
  if (existsSync(path)) return path;
  console.warn(`skipping: ${path} is absent (set BML_SHARED to the shared folder)`);
  return undefined;
}

/** Options of {@link maxRelativeError}. */
export interface RelativeErrorOptions {
  /** Entries of the reference at or below this magnitude are compared absolutely. Default 1e-12. */
  floor?: number;
}

/**
 * Returns the largest violation ratio of `|a - r| <= rel * |r|` over all
 * entries, treating reference entries with `|r| <= floor` as absolute
 * comparisons against 1e-15. A value at most 1 means every entry agrees.
 */
export function agreementRatio(
  actual: ArrayLike<number>,
  reference: ArrayLike<number>,
  rel: number,
  options: RelativeErrorOptions = {},
): number {
  const { floor = 1e-12 } = options;
  if (actual.length !== reference.length) {
    throw new Error(`length mismatch: actual ${actual.length}, reference ${reference.length}`);
  }
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const r = reference[i];
    const diff = Math.abs(a - r);
    const ratio = Math.abs(r) > floor ? diff / (rel * Math.abs(r)) : diff / 1e-15;
    if (!(ratio <= worst)) worst = Number.isNaN(ratio) ? Infinity : ratio;
  }
  return worst;
}

/** Largest absolute element-wise difference between two arrays of equal length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}
export * from './csv.js';
