import { Rng } from '@bml/core';
import { describe, expect, it } from 'vitest';
import { shuffledBatches } from '../src/batches.js';

describe('shuffledBatches', () => {
  it('covers every row once', () => {
    const batches = shuffledBatches(150, 64, new Rng(1));
    expect(batches.map((b) => b.length)).toEqual([64, 64, 22]);
    const seen = batches.flatMap((b) => Array.from(b)).sort((a, b) => a - b);
    expect(seen).toEqual(Array.from({ length: 150 }, (_, i) => i));
  });

  it('merges a final single row into the previous batch', () => {
    expect(shuffledBatches(129, 64, new Rng(1)).map((b) => b.length)).toEqual([64, 65]);
    expect(shuffledBatches(3, 2, new Rng(1)).map((b) => b.length)).toEqual([3]);
  });

  it('uses one batch when batchSize exceeds the rows', () => {
    expect(shuffledBatches(10, 64, new Rng(1)).map((b) => b.length)).toEqual([10]);
  });

  it('shuffles from the seed', () => {
    const a = shuffledBatches(100, 32, new Rng(5));
    const b = shuffledBatches(100, 32, new Rng(5));
    const c = shuffledBatches(100, 32, new Rng(6));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(Array.from(a[0])).not.toEqual(Array.from({ length: 32 }, (_, i) => i));
  });
});
