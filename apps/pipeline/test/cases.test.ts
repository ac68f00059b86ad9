/**
 * The shared bad-input cases whose expected behaviour lies past loading:
 * K and k against the sample count, imbalanced classes, training-only model
 * selection, and distance ties. Loading-level checks of every case are in
 * packages/data/test/cases.test.ts. Runs use small epoch caps.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { sharedPath } from '@bml/test-utils';
import { describe, expect, it } from 'vitest';
import { runBml, type RunResult } from '../src/index.js';
import { collectNumbers, tinyConfig } from './helpers.js';

const casesDir = sharedPath('cases');

function caseConfig(name: string, patch: Record<string, unknown> = {}) {
  let own: Record<string, unknown> = {};
  try {
    own = JSON.parse(readFileSync(join(casesDir!, name, 'config.json'), 'utf8'));
  } catch {
    // The case has no config.json.
  }
  return tinyConfig({ ...own, workers: 1, split: { repeats: 1 }, ...patch });
}

/** Copies the files of folder `source` into a temporary folder of the same name, changed by `edit`. */
function copyFolder(source: string, edit: (file: string, text: string) => string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'bml-case-')), basename(source));
  mkdirSync(dir);
  for (const file of readdirSync(source)) {
    if (!file.endsWith('.md')) writeFileSync(join(dir, file), edit(file, readFileSync(join(source, file), 'utf8')));
  }
  return dir;
}

/** Swaps the rows and columns of a comma-separated table. */
function transpose(text: string): string {
  const rows = text.trim().split(/\r?\n/).map((line) => line.split(','));
  return rows[0].map((_, j) => rows.map((row) => row[j]).join(',')).join('\n') + '\n';
}

function warningsOf(result: RunResult, code: string) {
  return result.metrics.warnings.filter((w) => w.code === code);
}

describe.skipIf(!casesDir)('shared input cases through the whole method', () => {
  it('c03: clamps K and k with a warning', async () => {
    const result = await runBml({ data: join(casesDir!, 'c03'), config: caseConfig('c03'), repeatsRequested: true });
    const clamped = warningsOf(result, 'K_CLAMPED').map((w) => w.message);
    expect(clamped).toContainEqual(expect.stringMatching(/K = 20 is not smaller than the number of samples in omics "cnv" \(4\); using K = 3/));
    expect(clamped).toContainEqual(expect.stringMatching(/graph k = 10 is not smaller than the number of samples \(4\); using k = 3/));
    expect(collectNumbers(result.metrics).every(Number.isFinite)).toBe(true);
    for (const row of result.predictions) expect(row.prob.every(Number.isFinite)).toBe(true);
    expect(result.metrics.cohort.omics.mrna.orientation).toBe('rows');

    // The same cohort with mrna.csv written genes x samples: detected, recorded, same outcome.
    const transposed = copyFolder(join(casesDir!, 'c03'), (file, text) => (file === 'mrna.csv' ? transpose(text) : text));
    const flipped = await runBml({ data: transposed, config: caseConfig('c03'), repeatsRequested: true });
    expect(flipped.metrics.cohort.omics.mrna.orientation).toBe('columns');
    expect(flipped.metrics.cohort.omics.cnv.orientation).toBe('rows');
    expect(flipped.metrics.splits).toEqual(result.metrics.splits);
  });

  it('c04: reports per-class recall and F1 and the majority-class baseline', async () => {
    const result = await runBml({ data: join(casesDir!, 'c04'), config: caseConfig('c04'), repeatsRequested: true });
    const split = result.metrics.splits[0];
    expect(Object.keys(split.test.perClassRecall)).toEqual(['A', 'B', 'C']);
    expect(Object.keys(split.test.perClassF1)).toEqual(['A', 'B', 'C']);
    expect(result.metrics.cohort.classSizes).toEqual({ A: 32, B: 6, C: 2 });
    // The test part contains A, B and C in proportion, so always answering A scores about 0.8 accuracy.
    const baseline = result.metrics.baselines.majorityClass;
    expect(baseline.accuracy.mean).toBeGreaterThan(0.7);
    expect(baseline.macroF1.mean).toBeLessThan(0.35);
  });

  it('c06: the same training outcome whatever the test labels say', async () => {
    const dir = join(casesDir!, 'c06');
    const config = caseConfig('c06');
    const run = (testLabels: string) =>
      runBml({ data: dir, config, labels: join(dir, 'labels_train.csv'), testLabels: join(dir, testLabels) });
    const truth = await run('labels_test.csv');
    const permuted = await run('labels_test_permuted.csv');
    const trained = (result: RunResult) => result.predictions.filter((row) => row.set !== 'test');
    expect(trained(permuted)).toEqual(trained(truth));
    expect(permuted.metrics.splits[0].stoppedAtEpoch).toEqual(truth.metrics.splits[0].stoppedAtEpoch);
    expect(permuted.metrics.splits[0].lossWeights).toEqual(truth.metrics.splits[0].lossWeights);
    // Test predictions do not change either; only their scores against the labels do.
    const predicted = (result: RunResult) => result.predictions.filter((row) => row.set === 'test').map((row) => row.predicted);
    expect(predicted(permuted)).toEqual(predicted(truth));

    // Moving the outlier s20 further out changes neither the model nor its choices.
    const moved = copyFolder(dir, (file, text) =>
      file === 'mrna.csv' ? text.replace(/^s20,.*$/m, (line) => line.replace(/,[^,]+/g, ',99')) : text,
    );
    const outlier = await runBml({
      data: moved,
      config,
      labels: join(moved, 'labels_train.csv'),
      testLabels: join(moved, 'labels_test.csv'),
    });
    expect(outlier.metrics.splits[0].stoppedAtEpoch).toEqual(truth.metrics.splits[0].stoppedAtEpoch);
    expect(outlier.metrics.splits[0].lossWeights).toEqual(truth.metrics.splits[0].lossWeights);
    expect(trained(outlier)).toEqual(trained(truth));
  });

  it('c14: reports duplicates, stays finite', async () => {
    const result = await runBml({ data: join(casesDir!, 'c14'), config: caseConfig('c14'), repeatsRequested: true });
    expect(warningsOf(result, 'IDENTICAL_ROWS')[0].ids).toEqual(['s01', 's02', 's03', 's04']);
    expect(warningsOf(result, 'ZERO_ROWS')[0].ids).toEqual(['s05']);
    expect(collectNumbers(result.metrics).every(Number.isFinite)).toBe(true);
    for (const row of result.predictions) expect(row.prob.every(Number.isFinite)).toBe(true);
  });
});
