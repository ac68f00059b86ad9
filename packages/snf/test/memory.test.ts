import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidInputError, type Matrix } from '@bml/core';
import {
  affinityMatrix,
  fuseFeatures,
  fusionMemoryBytes,
  MemoryLimitError,
  snf,
  wasmAvailable,
} from '../src/index.js';
import { gaussianClusters } from './helpers.js';

const features: Matrix[] = [0, 1, 2].map((v) => gaussianClusters(50 + v, 3, 20, 4 + v).x);
const affinities = features.map((x) => affinityMatrix(x, { K: 10 }));
const n = 60;

function thrown(run: () => unknown): MemoryLimitError {
  try {
    run();
  } catch (error) {
    return error as MemoryLimitError;
  }
  throw new Error('expected the call to throw');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('memory limit of a fusion', () => {
  it('rejects a fusion above an injected limit with a typed error', () => {
    const error = thrown(() => snf(affinities, { K: 10, maxMemoryBytes: 10_000 }));
    expect(error).toBeInstanceOf(MemoryLimitError);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.code).toBe('MEMORY_LIMIT');
    expect(error.samples).toBe(n);
    expect(error.omics).toBe(3);
    expect(error.bytesAvailable).toBe(10_000);
    expect(error.source).toBe('option');
  });

  it('names N, the bytes needed, the bytes available and the fix', () => {
    const error = thrown(() => snf(affinities, { K: 10, maxMemoryBytes: 10_000 }));
    // the arena plus the copy of the fused matrix returned by the plain form
    const needed = fusionMemoryBytes(n, 3, 10) + 8 * n * n;
    expect(error.bytesNeeded).toBe(needed);
    expect(error.message).toContain(`fusing ${n} samples in 3 omics`);
    expect(error.message).toContain(`needs ${needed.toLocaleString('en-US')} bytes`);
    expect(error.message).toContain('only 10,000 bytes (0.00 GiB) are available');
    expect(error.message).toContain('maxMemoryBytes option');
    expect(error.message).toContain('raise maxMemoryBytes or fuse fewer samples');
    expect(error.details).toMatchObject({ samples: n, omics: 3, bytesNeeded: needed, bytesAvailable: 10_000 });
  });

  it('gives the largest sample count that fits', () => {
    const limit = 60_000;
    const error = thrown(() => fuseFeatures(features, { K: 10, maxMemoryBytes: limit }));
    const fits = error.maxSamples;
    expect(fits).toBeGreaterThan(0);
    expect(fits).toBeLessThan(n);
    const bytesAt = (s: number): number => fusionMemoryBytes(s, 3, 10, Math.max(...features.map((x) => 8 * (s + Math.ceil(s / 8) * 8) * x.cols + 128)));
    expect(bytesAt(fits)).toBeLessThanOrEqual(limit);
    expect(bytesAt(fits + 1)).toBeGreaterThan(limit);
    expect(error.message).toContain(`at most about ${fits} samples fit`);
  });

  it.skipIf(!wasmAvailable())('rejects before allocating any memory', () => {
    // count the WebAssembly memories created, which hold every matrix of a fusion
    type MemoryClass = new (descriptor: object) => object;
    const wasm = (globalThis as unknown as { WebAssembly: { Memory: MemoryClass } }).WebAssembly;
    const Original = wasm.Memory;
    let created = 0;
    wasm.Memory = function (descriptor: object) {
      created++;
      return new Original(descriptor);
    } as unknown as MemoryClass;
    try {
      const progress = vi.fn();
      expect(() =>
        fuseFeatures(features, { K: 10, maxMemoryBytes: 10_000, engine: 'wasm', onProgress: progress }),
      ).toThrow(MemoryLimitError);
      expect(created).toBe(0);
      expect(progress).not.toHaveBeenCalled();
      // the count does see the memory of a fusion that fits
      fuseFeatures(features, { K: 10, t: 1, engine: 'wasm' });
      expect(created).toBeGreaterThan(0);
    } finally {
      wasm.Memory = Original;
    }
  });

  it('uses the memory available to the process when no limit is given', () => {
    vi.spyOn(process, 'availableMemory').mockReturnValue(50_000);
    const error = thrown(() => snf(affinities, { K: 10 }));
    expect(error.source).toBe('system');
    expect(error.bytesAvailable).toBe(50_000);
    expect(error.message).toContain('the free memory of this system');
  });

  it('runs a fusion whose estimate fits the limit exactly, within the estimate', () => {
    const needed = fusionMemoryBytes(n, 3, 10) + 8 * n * n;
    const result = snf(affinities, { K: 10, t: 3, maxMemoryBytes: needed, detailed: true, threads: 1 });
    expect(result.memoryBytes).toBeLessThanOrEqual(fusionMemoryBytes(n, 3, 10));
    expect(() => snf(affinities, { K: 10, t: 3, maxMemoryBytes: needed - 1 })).toThrow(MemoryLimitError);
  });

  it('rejects an invalid limit', () => {
    expect(() => snf(affinities, { maxMemoryBytes: -1 })).toThrow(/maxMemoryBytes must be a finite number > 0/);
  });
});
