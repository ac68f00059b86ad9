import { describe, expect, it } from 'vitest';
import { measureCase } from '../src/measure.js';
import { suites } from '../src/suites/index.js';

describe('measureCase', () => {
  it('runs the warm-up plus the timed repeats and keeps the last metrics', async () => {
    let calls = 0;
    const record = await measureCase({
      name: 'count',
      sizes: { n: 3 },
      repeats: 4,
      run: () => {
        calls++;
        return { calls };
      },
    });
    expect(calls).toBe(5);
    expect(record.runs).toBe(4);
    expect(record.metrics).toEqual({ calls: 5 });
    expect(record.minMs).toBeLessThanOrEqual(record.medianMs);
    expect(record.medianMs).toBeLessThanOrEqual(record.maxMs);
    expect(record.peakRssMb).toBeGreaterThan(0);
  });

  it('skips the warm-up on request', async () => {
    let calls = 0;
    await measureCase({ name: 'once', sizes: {}, repeats: 1, warmup: false, run: () => void calls++ });
    expect(calls).toBe(1);
  });
});

describe('suites', () => {
  it('registers every suite under its own name', () => {
    for (const [name, suite] of Object.entries(suites)) expect(suite.name).toBe(name);
    expect(Object.keys(suites)).toEqual(expect.arrayContaining(['e2e', 'train', 'autoencoder', 'mi']));
  });

  it('builds quick cases with sizes', async () => {
    for (const suite of Object.values(suites)) {
      const cases = await suite.cases({ quick: true });
      expect(cases.length).toBeGreaterThan(0);
      for (const c of cases) expect(typeof c.name).toBe('string');
    }
  });
});
