import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedPath } from '@bml/test-utils';
import { runBml } from '../src/index.js';
import { collectNumbers, tinyConfig } from './helpers.js';

const cohort = sharedPath('data/brca_tcga_mrna_cnv_rppa');

describe.skipIf(!cohort)('runBml on brca_tcga_mrna_cnv_rppa', () => {
  it('produces finite metrics of the documented shape, identical for one seed', async () => {
    const config = tinyConfig({ split: { repeats: 2 } });
    const first = await runBml({ data: cohort!, config, repeatsRequested: true });
    const second = await runBml({ data: cohort!, config, repeatsRequested: true });
    const m = first.metrics;

    expect(m.schemaVersion).toBe(1);
    expect(m.cohort.samples).toBe(139);
    expect(Object.keys(m.cohort.omics).sort()).toEqual(['cnv', 'mrna', 'rppa']);
    expect(m.splits).toHaveLength(2);
    for (const split of m.splits) {
      expect(split.sizes.train + split.sizes.validation + split.sizes.test).toBe(139);
      expect(Object.keys(split.perOmics).sort()).toEqual(['cnv', 'mrna', 'rppa']);
      expect(Object.values(split.categories)).toContain('strong');
      expect(split.lossWeights.length).toBeGreaterThan(0);
      expect(Object.keys(split.mi).sort()).toEqual(['cnv|mrna', 'cnv|rppa', 'mrna|rppa']);
    }
    expect(collectNumbers(m).every(Number.isFinite)).toBe(true);
    // Three balanced-ish classes: a working classifier is far above the majority-class baseline.
    expect(m.summary.macroF1.mean).toBeGreaterThan(m.baselines.majorityClass.macroF1.mean! + 0.3);

    expect(second.metrics.splits).toEqual(first.metrics.splits);
    expect(second.predictions).toEqual(first.predictions);

    // Predictions: every sample once per split, probabilities summing to 1.
    expect(first.predictions).toHaveLength(2 * 139);
    for (const row of first.predictions) {
      const total = row.prob.reduce((a, b) => a + b, 0);
      expect(total).toBeCloseTo(1, 5);
    }
  });
});

const c06 = sharedPath('cases/c06');

describe.skipIf(!c06)('test labels never reach training', () => {
  it('gives identical training outcomes with permuted test labels', async () => {
    const config = tinyConfig();
    const run = (testLabels: string) =>
      runBml({
        data: c06!,
        config,
        labels: join(c06!, 'labels_train.csv'),
        testLabels: join(c06!, testLabels),
      });
    const original = await run('labels_test.csv');
    const permuted = await run('labels_test_permuted.csv');
    const a = original.metrics.splits[0];
    const b = permuted.metrics.splits[0];
    expect(a.sizes).toEqual({ ...a.sizes, test: 6 });
    expect(b.stoppedAtEpoch).toEqual(a.stoppedAtEpoch);
    expect(b.fusedValidationMacroF1).toBe(a.fusedValidationMacroF1);
    expect(b.lossWeights).toEqual(a.lossWeights);
    expect(b.categories).toEqual(a.categories);
    // Same model, same probabilities for every sample; only the scored truth differs.
    expect(permuted.predictions.map((p) => p.prob)).toEqual(original.predictions.map((p) => p.prob));
    expect(permuted.predictions.filter((p) => p.set === 'test').map((p) => p.truth)).not.toEqual(
      original.predictions.filter((p) => p.set === 'test').map((p) => p.truth),
    );
  });
});

describe.skipIf(!c06)('transductive graph mode', () => {
  it('fuses test features but never reads test labels', async () => {
    const run = (mode: 'inductive' | 'transductive', testLabels: string) =>
      runBml({
        data: c06!,
        config: tinyConfig({ graph: { mode } }),
        labels: join(c06!, 'labels_train.csv'),
        testLabels: join(c06!, testLabels),
      });
    const original = await run('transductive', 'labels_test.csv');
    const permuted = await run('transductive', 'labels_test_permuted.csv');
    const inductive = await run('inductive', 'labels_test.csv');

    expect(collectNumbers(original.metrics).every(Number.isFinite)).toBe(true);
    const probabilities = (result: typeof original) => result.predictions.map((p) => p.prob);
    expect(probabilities(permuted)).toEqual(probabilities(original));
    expect(permuted.metrics.splits[0].stoppedAtEpoch).toEqual(original.metrics.splits[0].stoppedAtEpoch);
    // The test samples shape the fused network in this mode, so the outcome differs from the inductive one.
    expect(probabilities(original)).not.toEqual(probabilities(inductive));
  });
});

const c03 = sharedPath('cases/c03');

describe.skipIf(!c03)('neighbour counts larger than the cohort', () => {
  it('clamps K and k with warnings and stays finite', async () => {
    const patch = JSON.parse(readFileSync(join(c03!, 'config.json'), 'utf8'));
    const result = await runBml({ data: c03!, config: tinyConfig({ ...patch, split: { testFraction: 0.34 } }) });
    const codes = result.metrics.warnings.map((w) => w.code);
    expect(codes).toContain('K_CLAMPED');
    expect(collectNumbers(result.metrics).every(Number.isFinite)).toBe(true);
    expect(result.predictions.every((p) => p.prob.every(Number.isFinite))).toBe(true);
  });
});
