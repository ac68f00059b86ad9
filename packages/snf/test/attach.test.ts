import { describe, expect, it } from 'vitest';
import { createMatrix, csrToDense, selectRows, type CsrMatrix, type Matrix } from '@bml/core';
import { attachSamples, fitFusion } from '../src/index.js';
import { gaussianClusters } from './helpers.js';

function rows(m: CsrMatrix, from: number, to: number): number[][] {
  const out: number[][] = [];
  for (let i = from; i < to; i++) {
    const r: number[] = [];
    for (let p = m.rowPtr[i]; p < m.rowPtr[i + 1]; p++) r.push(m.colIdx[p], m.values[p]);
    out.push(r);
  }
  return out;
}

const omics = [0, 1, 2].map((v) => gaussianClusters(70 + v, 3, 20, 6 + v).x);
const trainIdx = Array.from({ length: 48 }, (_, i) => i);
const testIdx = Array.from({ length: 12 }, (_, i) => 48 + i);
const train = omics.map((x) => selectRows(x, trainIdx));
const test = omics.map((x) => selectRows(x, testIdx));

describe.each(['symmetric', 'row'] as const)('attachSamples (%s normalisation)', (normalization) => {
  const model = fitFusion(train, { K: 8, t: 10, graph: { k: 5, normalization } });

  it('leaves every training row of the graph exactly as it was', () => {
    const att = attachSamples(model, test);
    expect(att.adjacency.rows).toBe(60);
    expect(rows(att.adjacency, 0, 48)).toEqual(rows(model.graph.adjacency, 0, 48));
    // no training row references a new node
    for (let p = 0; p < att.adjacency.rowPtr[48]; p++) expect(att.adjacency.colIdx[p]).toBeLessThan(48);
  });

  it('gives each new sample k edges to training samples and a self loop, normalised with its own degree', () => {
    const att = attachSamples(model, test);
    const g = model.graph;
    for (let r = 0; r < 12; r++) {
      const row = rows(att.adjacency, 48 + r, 49 + r)[0];
      const cols = row.filter((_, q) => q % 2 === 0);
      expect(cols.length).toBe(6);
      expect(cols[5]).toBe(48 + r);
      expect(Array.from(att.neighbors[r])).toEqual(cols.slice(0, 5));
      const d = 1 + att.weights[r].reduce((a, b) => a + b, 0);
      expect(row[11]).toBeCloseTo(1 / d, 15);
      for (let t = 0; t < 5; t++) {
        const j = cols[t];
        const w = att.weights[r][t];
        expect(w).toBeLessThanOrEqual(1);
        expect(w).toBeCloseTo(Math.min(1, att.similarities.data[r * 48 + j] / g.scale), 15);
        const expected = normalization === 'row' ? w / d : w / Math.sqrt(d * g.degrees[j]);
        expect(row[2 * t + 1]).toBeCloseTo(expected, 15);
      }
      let s = 0;
      for (let j = 0; j < 48; j++) s += att.similarities.data[r * 48 + j];
      expect(s).toBeCloseTo(0.5, 14);
    }
  });

  it('makes a training sample the top neighbour of its own copy', () => {
    const copies = train.map((x) => selectRows(x, [3, 17, 40]));
    const att = attachSamples(model, copies);
    [3, 17, 40].forEach((j, r) => {
      const sims = att.similarities.data.subarray(r * 48, (r + 1) * 48);
      const best = sims.indexOf(Math.max(...sims));
      expect(best).toBe(j);
    });
  });

  it('attaches samples lacking an omics, and mostly to their own cluster', () => {
    const partial: (Matrix | null)[] = [test[0], null, test[2]];
    const att = attachSamples(model, partial);
    expect(att.adjacency.rows).toBe(60);
    const nan = test[1].data.slice();
    nan.fill(Number.NaN, 0, test[1].cols);
    const one = attachSamples(model, [test[0], createMatrix(12, test[1].cols, nan), test[2]]);
    expect(Array.from(one.similarities.data.subarray(0, 48))).toEqual(
      Array.from(att.similarities.data.subarray(0, 48)),
    );
    let same = 0;
    let total = 0;
    for (let r = 0; r < 12; r++) {
      for (const j of att.neighbors[r]) {
        total++;
        if (j % 3 === (48 + r) % 3) same++;
      }
    }
    expect(same / total).toBeGreaterThan(0.9);
  });
});

describe('fitFusion with one omics', () => {
  it('attaches with the normalised kernel row scaled to 1/2', () => {
    const model = fitFusion([train[0]], { K: 8 });
    const att = attachSamples(model, [test[0]]);
    for (let r = 0; r < 12; r++) {
      let s = 0;
      for (let j = 0; j < 48; j++) s += att.similarities.data[r * 48 + j];
      expect(s).toBeCloseTo(0.5, 14);
    }
    const dense = csrToDense(att.adjacency);
    expect(dense.every(Number.isFinite)).toBe(true);
  });
});
