/**
 * Memory checks of a fusion. Its buffers are sized from N, the number of
 * omics and K before anything is allocated, so a fusion that cannot fit is
 * rejected up front with a {@link MemoryLimitError} instead of failing (or
 * swapping) halfway through.
 */

import { freemem } from 'node:os';
import { InvalidInputError } from '@bml/core';
import { MAX_ARENA_BYTES } from './engine/arena.js';
import { PKG } from './validate.js';

/** Origin of the memory limit that rejected a fusion. */
export type MemoryLimitSource = 'option' | 'system' | 'wasm';

/** Facts about a fusion that would not fit in memory. */
export interface MemoryLimitFacts {
  /** Number of samples N. */
  samples: number;
  /** Number of omics. */
  omics: number;
  /** Bytes the fusion needs. */
  bytesNeeded: number;
  /** Bytes it may use. */
  bytesAvailable: number;
  /** Origin of `bytesAvailable`: the `maxMemoryBytes` option, the system's free memory, or the WebAssembly limit. */
  source: MemoryLimitSource;
  /** The largest sample count that fits in `bytesAvailable` with the same omics and K. */
  maxSamples: number;
}

/**
 * A fusion rejected before allocating because it would not fit in memory.
 * An {@link InvalidInputError} (code `MEMORY_LIMIT`, exit code 2 in the
 * `bml` command) whose message names N, the bytes needed, the bytes
 * available and the fix.
 */
export class MemoryLimitError extends InvalidInputError {
  readonly samples: number;
  readonly omics: number;
  readonly bytesNeeded: number;
  readonly bytesAvailable: number;
  readonly source: MemoryLimitSource;
  readonly maxSamples: number;

  constructor(facts: MemoryLimitFacts) {
    super(memoryMessage(facts), 'MEMORY_LIMIT', { ...facts });
    this.samples = facts.samples;
    this.omics = facts.omics;
    this.bytesNeeded = facts.bytesNeeded;
    this.bytesAvailable = facts.bytesAvailable;
    this.source = facts.source;
    this.maxSamples = facts.maxSamples;
  }
}

function memoryMessage(facts: MemoryLimitFacts): string {
  const where = {
    option: 'the limit set by the maxMemoryBytes option',
    system: 'the free memory of this system',
    wasm: 'the 4 GiB one WebAssembly memory can address',
  }[facts.source];
  const fix = {
    option: 'raise maxMemoryBytes or fuse fewer samples',
    system: 'free memory, pass a larger maxMemoryBytes if the system can page, or fuse fewer samples',
    wasm: 'fuse fewer samples, for example in batches',
  }[facts.source];
  return (
    `${PKG}: fusing ${facts.samples} samples in ${facts.omics} omics needs ${formatBytes(facts.bytesNeeded)}, ` +
    `but only ${formatBytes(facts.bytesAvailable)} are available (${where}); ` +
    `at most about ${facts.maxSamples} samples fit, because memory grows with the square of N; ${fix}`
  );
}

/** Bytes as an exact count with a GiB figure, for messages. */
export function formatBytes(bytes: number): string {
  return `${Math.round(bytes).toLocaleString('en-US')} bytes (${(bytes / 2 ** 30).toFixed(2)} GiB)`;
}

/**
 * Returns the bytes this process can still allocate:
 * `process.availableMemory()` (Node 20.13 and later), else `os.freemem()`.
 */
export function availableMemoryBytes(): number {
  const available = (process as { availableMemory?: () => number }).availableMemory;
  const bytes = typeof available === 'function' ? available.call(process) : freemem();
  return Number.isFinite(bytes) && bytes > 0 ? bytes : freemem();
}

/** Memory of a fusion of a given size. */
export interface FusionBytes {
  /** Bytes of the arena (the WebAssembly memory holding the matrices). */
  arena: number;
  /** All bytes the call allocates: the arena plus any copy made outside it. */
  total: number;
}

/**
 * Throws a {@link MemoryLimitError} unless a fusion of `n` samples fits:
 * `bytesFor(n).total` must not exceed `maxMemoryBytes` when given, else the
 * memory available now, and `bytesFor(n).arena` must not exceed one
 * WebAssembly memory (4 GiB).
 */
export function checkFusionMemory(
  n: number,
  m: number,
  bytesFor: (samples: number) => FusionBytes,
  maxMemoryBytes: number | undefined,
): void {
  const needed = bytesFor(n);
  const limit = maxMemoryBytes ?? availableMemoryBytes();
  const source: MemoryLimitSource = maxMemoryBytes === undefined ? 'system' : 'option';
  if (needed.total > limit) {
    const maxSamples = largestFitting(n, (s) => bytesFor(s).total <= limit && bytesFor(s).arena <= MAX_ARENA_BYTES);
    throw new MemoryLimitError({ samples: n, omics: m, bytesNeeded: needed.total, bytesAvailable: limit, source, maxSamples });
  }
  if (needed.arena > MAX_ARENA_BYTES) {
    const maxSamples = largestFitting(n, (s) => bytesFor(s).arena <= MAX_ARENA_BYTES);
    throw new MemoryLimitError({
      samples: n,
      omics: m,
      bytesNeeded: needed.arena,
      bytesAvailable: MAX_ARENA_BYTES,
      source: 'wasm',
      maxSamples,
    });
  }
}

/** Finds the largest sample count below `n` for which `fits` returns true (0 when none does); `fits` must be monotone. */
function largestFitting(n: number, fits: (samples: number) => boolean): number {
  let low = 0;
  let high = n;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid;
  }
  return low;
}
