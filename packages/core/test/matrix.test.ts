import { describe, expect, it } from 'vitest';
import {
  concatCols,
  createMatrix,
  csrToDense,
  firstNonFinite,
  fromRows,
  selectCols,
  selectRows,
  summarize,
  median,
  toRows,
  transpose,
} from '../src/index.js';

describe('matrix helpers', () => {
  const m = fromRows([
    [1, 2, 3],
    [4, 5, 6],
  ]);

  it('selects rows and columns', () => {
    expect(toRows(selectRows(m, [1, 0]))).toEqual([
      [4, 5, 6],
      [1, 2, 3],
    ]);
    expect(toRows(selectCols(m, [2, 0]))).toEqual([
      [3, 1],
      [6, 4],
    ]);
  });

  it('transposes and concatenates', () => {
    expect(toRows(transpose(m))).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expect(toRows(concatCols([m, selectCols(m, [0])]))).toEqual([
      [1, 2, 3, 1],
      [4, 5, 6, 4],
    ]);
  });

  it('rejects data of the wrong length', () => {
    expect(() => createMatrix(2, 2, new Float64Array(3))).toThrow(/3 values/);
  });

  it('finds the first non-finite value', () => {
    expect(firstNonFinite(m)).toBe(-1);
    expect(firstNonFinite(fromRows([[1, Number.NaN]]))).toBe(1);
  });

  it('expands a CSR matrix', () => {
    const dense = csrToDense({
      rows: 2,
      cols: 3,
      rowPtr: Int32Array.from([0, 1, 3]),
      colIdx: Int32Array.from([2, 0, 1]),
      values: Float64Array.from([5, 6, 7]),
    });
    expect(Array.from(dense)).toEqual([0, 0, 5, 6, 7, 0]);
  });
});

describe('summaries', () => {
  it('uses the sample standard deviation', () => {
    // values 1, 2, 3, 4: mean 2.5, squared deviations sum 5, sd sqrt(5/3)
    const s = summarize([1, 2, 3, 4]);
    expect(s.mean).toBe(2.5);
    expect(s.sd).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(summarize([7]).sd).toBe(0);
  });

  it('takes the median', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
