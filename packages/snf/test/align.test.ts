import { describe, expect, it } from 'vitest';
import { createMatrix, selectRows, type Matrix } from '@bml/core';
import { affinityMatrix, alignAffinities, alignSamples, fuseFeatures, snf } from '../src/index.js';
import { gaussianClusters, maxRelativeError, naiveSnf } from './helpers.js';

const ids = Array.from({ length: 36 }, (_, i) => `s${i}`);
const full = [0, 1, 2].map((v) => gaussianClusters(80 + v, 3, 12, 4 + v).x);
// omics 1 lacks samples 2 and 7; omics 2 lacks 7 and 30 and lists its samples in reverse
const rowsKept = [ids.map((_, i) => i), ids.map((_, i) => i).filter((i) => i !== 2 && i !== 7), []] as number[][];
rowsKept[2] = ids
  .map((_, i) => i)
  .filter((i) => i !== 7 && i !== 30)
  .reverse();
const omics = full.map((x, v) => ({ ids: rowsKept[v].map((i) => ids[i]), values: selectRows(x, rowsKept[v]) }));

// the full matrices with NaN rows where a sample is absent
const withNaN: Matrix[] = full.map((x, v) => {
  const data = x.data.slice();
  for (let i = 0; i < x.rows; i++) if (!rowsKept[v].includes(i)) data.fill(Number.NaN, i * x.cols, (i + 1) * x.cols);
  return createMatrix(x.rows, x.cols, data);
});

describe('alignSamples', () => {
  it('puts every omics on the union of the samples, NaN rows where absent', () => {
    const aligned = alignSamples(omics);
    expect(aligned.ids).toEqual(ids);
    expect(aligned.absent).toEqual([[], ['s2', 's7'], ['s7', 's30']]);
    for (let v = 0; v < 3; v++) {
      const a = aligned.matrices[v].data;
      const b = withNaN[v].data;
      expect(Array.from(a)).toEqual(Array.from(b));
    }
  });

  it('fuses absent samples like NaN rows', () => {
    const aligned = alignSamples(omics);
    const fromAligned = fuseFeatures(aligned.matrices, { K: 6, t: 5 });
    const fromNaN = fuseFeatures(withNaN, { K: 6, t: 5 });
    expect(Array.from(fromAligned.fused.data)).toEqual(Array.from(fromNaN.fused.data));
    const presence = rowsKept.map((rows) => {
      const p = new Uint8Array(36);
      for (const i of rows) p[i] = 1;
      return p;
    });
    const dense = naiveSnf(
      withNaN.map((x) => affinityMatrix(x, { K: 6 })),
      { K: 6, t: 5, rule: 'snftool', presence },
    );
    expect(maxRelativeError(fromAligned.fused.data, dense.data)).toBeLessThan(1e-11);
  });

  it('follows a given order of ids', () => {
    const order = [...ids].reverse();
    const aligned = alignSamples(omics, { ids: order });
    expect(aligned.ids).toEqual(order);
    expect(Array.from(aligned.matrices[0].data.subarray(0, 4))).toEqual(Array.from(full[0].data.subarray(35 * 4, 36 * 4)));
  });

  it('rejects duplicate ids, a wrong id count and samples outside the given ids', () => {
    const two = selectRows(full[0], [0, 1]);
    expect(() => alignSamples([{ ids: ['a', 'a'], values: two }])).toThrow(/sample id a occurs twice in omics 0/);
    expect(() => alignSamples([{ ids: ['a'], values: full[0] }])).toThrow(/1 sample ids for 36 rows/);
    expect(() => alignSamples(omics, { ids: ids.slice(1) })).toThrow(/omics 0 has 1 sample\(s\) not in ids \(s0\)/);
  });
});

describe('alignAffinities', () => {
  it('masks absent samples with NaN', () => {
    const affinityOmics = omics.map((o) => ({ ids: o.ids, values: affinityMatrix(o.values, { K: 6 }) }));
    const aligned = alignAffinities(affinityOmics);
    const w = aligned.matrices[1];
    expect(Number.isNaN(w.data[2 * 36 + 2])).toBe(true);
    expect(Number.isNaN(w.data[2 * 36 + 5])).toBe(true);
    expect(Number.isNaN(w.data[5 * 36 + 2])).toBe(true);
    expect(w.data[5 * 36 + 5]).toBe(1);
    const fused = snf(aligned.matrices, { K: 6, t: 5 });
    const fromFeatures = fuseFeatures(alignSamples(omics).matrices, { K: 6, t: 5 });
    expect(maxRelativeError(fused.data, fromFeatures.fused.data)).toBeLessThan(1e-12);
  });

  it('rejects a non-square matrix', () => {
    expect(() => alignAffinities([{ ids: ids, values: full[0] }])).toThrow(/must be square/);
  });
});
