import { describe, expect, it } from 'vitest';
import { Rng } from '../src/index.js';

describe('Rng', () => {
  it('repeats a stream for one seed', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    for (let i = 0; i < 100; i++) expect(a.nextUint32()).toBe(b.nextUint32());
  });

  it('gives different streams for nearby seeds', () => {
    const a = new Rng(1);
    const b = new Rng(2);
    let same = 0;
    for (let i = 0; i < 100; i++) if (a.nextUint32() === b.nextUint32()) same++;
    expect(same).toBeLessThan(3);
  });

  it('draws uniform numbers with the right moments', () => {
    const rng = new Rng(7);
    const n = 100_000;
    let sum = 0;
    let sumSq = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      if (!(u >= 0 && u < 1)) outside++;
      sum += u;
      sumSq += u * u;
    }
    expect(outside).toBe(0);
    // mean 1/2 and variance 1/12, with standard errors about 1e-3
    expect(sum / n).toBeCloseTo(0.5, 2);
    expect(sumSq / n - (sum / n) ** 2).toBeCloseTo(1 / 12, 2);
  });

  it('draws standard normals with the right moments', () => {
    const rng = new Rng(11);
    const n = 100_000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      sum += z;
      sumSq += z * z;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.02);
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(0.02);
  });

  it('forks streams that depend on the label only', () => {
    const parent = new Rng(5);
    const before = parent.fork('split').nextUint32();
    parent.uniform();
    parent.uniform();
    expect(parent.fork('split').nextUint32()).toBe(before);
    expect(parent.fork('weights').nextUint32()).not.toBe(before);
  });

  it('shuffles into a permutation', () => {
    const values = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = new Rng(3).shuffle([...values]);
    expect([...shuffled].sort((a, b) => a - b)).toEqual(values);
    expect(shuffled).not.toEqual(values);
  });

  it('rejects a non-finite seed', () => {
    expect(() => new Rng(Number.NaN)).toThrow(/finite/);
  });
});
