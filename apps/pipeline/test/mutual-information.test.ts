import { beforeAll, describe, expect, it } from 'vitest';
import { informationCoefficient } from '@bml/mi';
import { resolveConfig, runBml, type RunResult, type SplitMetrics } from '../src/index.js';
import { tinyConfig } from './helpers.js';

// The quick preset on the simulated cohort, with the epoch caps of the other end-to-end tests. A
// skill threshold of 0.6 makes every omics below it low-information, so the gate always runs.
// One run takes about 15 s on 2 idle cores; the timeouts leave room for a busy machine.
const RUN_TIMEOUT_MS = 300_000;

function gatedConfig(mi: Record<string, unknown> = {}) {
  return tinyConfig({ preset: 'quick', state: { kappaLow: 0.6 }, mi });
}

/** Returns the only split of a quick run, its low-information omics and that omics' pair key with the strong one. */
function lowInformationPair(result: RunResult): { split: SplitMetrics; low: string; pair: string } {
  const split = result.metrics.splits[0];
  const names = Object.keys(split.categories);
  const low = names.find((n) => split.categories[n] === 'lowInformation');
  expect(low, 'no low-information omics; raise state.kappaLow').toBeDefined();
  expect(split.strong).not.toBeNull();
  const pair = names.indexOf(low!) < names.indexOf(split.strong!) ? `${low}|${split.strong}` : `${split.strong}|${low}`;
  return { split, low: low!, pair };
}

describe('mutual information in metrics.json', () => {
  let nmiRun: RunResult;

  beforeAll(async () => {
    nmiRun = await runBml({ config: gatedConfig() });
  }, RUN_TIMEOUT_MS);

  it('contains every pair of omics with finite values in range', () => {
    const { metrics } = nmiRun;
    const split = metrics.splits[0];
    const pairs = ['cnv|mrna', 'cnv|rppa', 'mrna|rppa'];
    const maxMi = Math.log(metrics.cohort.classes.length);

    expect(Object.keys(split.pairwiseMi).sort()).toEqual(pairs);
    for (const pair of pairs) {
      const values = split.pairwiseMi[pair];
      expect(values.nmi, pair).toBeGreaterThanOrEqual(0);
      expect(values.nmi, pair).toBeLessThanOrEqual(1);
      expect(values.mi, pair).toBeGreaterThanOrEqual(0);
      expect(values.mi, pair).toBeLessThanOrEqual(maxMi + 1e-12);
      expect(Number.isFinite(values.ksg), pair).toBe(true);
      expect(values.ksgCoefficient, pair).toBeGreaterThanOrEqual(0);
      expect(values.ksgCoefficient, pair).toBeLessThanOrEqual(1);
      expect(split.mi[pair], pair).toBe(values.nmi);
    }
  });

  it('summarises each pair over splits', () => {
    const { metrics } = nmiRun;
    const split = metrics.splits[0];
    expect(Object.keys(metrics.summary.pairwiseMi).sort()).toEqual(Object.keys(split.pairwiseMi).sort());
    for (const [pair, summary] of Object.entries(metrics.summary.pairwiseMi)) {
      // One split: the mean is its value and the sd 0.
      expect(summary.nmi, pair).toEqual({ mean: split.pairwiseMi[pair].nmi, sd: null });
      expect(summary.mi, pair).toEqual({ mean: split.pairwiseMi[pair].mi, sd: null });
      expect(summary.ksg, pair).toEqual({ mean: split.pairwiseMi[pair].ksg, sd: null });
      expect(summary.ksgCoefficient, pair).toEqual({ mean: split.pairwiseMi[pair].ksgCoefficient, sd: null });
    }
  });

  it('costs well under a second', () => {
    // Timed on the validation part (72 samples of 511), both the pairwise block and the NMI gate.
    expect(nmiRun.metrics.timings.stages.mi).toBeGreaterThan(0);
    expect(nmiRun.metrics.timings.stages.mi).toBeLessThan(1000);
  });

  it('gates with NMI of the predicted classes by default', () => {
    const { split, low, pair } = lowInformationPair(nmiRun);
    const decision = split.gateDecisions[low];

    expect(decision.estimator).toBe('nmi');
    expect(decision.input).toBe('predictedClasses');
    expect(decision.value).toBe(split.pairwiseMi[pair].nmi);
    expect(decision.estimate).toBe(decision.value);
    expect(decision.passed).toBe(decision.value > 0.2);
    expect(decision.factor).toBe(decision.passed ? 1 : 0);
    expect(split.gate[low]).toBe(decision.passed);
    // A low-information omics is distilled exactly when it passes the gate.
    expect(`stageB:${low}` in split.stoppedAtEpoch).toBe(decision.passed);
  });

  it('gates with KSG on the class probabilities when asked', async () => {
    const ksgRun = await runBml({ config: gatedConfig({ estimator: 'ksg' }) });
    const { split, low, pair } = lowInformationPair(ksgRun);
    const decision = split.gateDecisions[low];

    expect(decision.estimator).toBe('ksg');
    expect(decision.input).toBe('classProbabilities');
    // The same KSG estimate as the pairwise block, which uses the same class probabilities.
    expect(decision.estimate).toBeCloseTo(split.pairwiseMi[pair].ksg!, 6);
    expect(decision.value).toBeCloseTo(informationCoefficient(decision.estimate), 12);
    expect(decision.value).not.toBe(split.pairwiseMi[pair].nmi);
    expect(decision.passed).toBe(decision.value > 0.2);
    // Stage A does not depend on the gate estimator.
    expect(split.pairwiseMi).toEqual(nmiRun.metrics.splits[0].pairwiseMi);
  }, RUN_TIMEOUT_MS);

  it('gates softly with MINE when asked', async () => {
    const config = gatedConfig({ estimator: 'mine', mode: 'soft', gate: 0.3, softWidth: 0.1 });
    const mineRun = await runBml({ config });
    const { split, low } = lowInformationPair(mineRun);
    const decision = split.gateDecisions[low];

    expect(decision.estimator).toBe('mine');
    expect(decision.input).toBe('classProbabilities');
    expect(Number.isFinite(decision.estimate)).toBe(true);
    expect(decision.value).toBeCloseTo(informationCoefficient(decision.estimate), 12);
    expect(decision.passed).toBe(decision.value > 0.3);
    expect(decision.factor).toBeCloseTo(1 / (1 + Math.exp(-(decision.value - 0.3) / 0.1)), 12);
    expect(decision.factor).toBeGreaterThan(0);
    expect(decision.factor).toBeLessThan(1);
  }, RUN_TIMEOUT_MS);
});

describe('mi options', () => {
  it('default to the NMI gate', () => {
    expect(resolveConfig([]).mi).toEqual({ estimator: 'nmi', gate: 0.2, mode: 'hard', softWidth: 0.05 });
  });

  it('accept every gate estimator', () => {
    for (const estimator of ['nmi', 'ksg', 'infonce', 'mine']) {
      expect(resolveConfig([{ origin: 'x', patch: { mi: { estimator } } }]).mi.estimator).toBe(estimator);
    }
  });

  it('reject an unknown estimator', () => {
    expect(() => resolveConfig([{ origin: 'x', patch: { mi: { estimator: 'ami' } } }])).toThrow(
      /"mi\.estimator" is "ami"; use one of nmi, ksg, infonce, mine/,
    );
  });

  it('reject an unknown key with the known ones', () => {
    expect(() => resolveConfig([{ origin: 'x', patch: { mi: { width: 0.1 } } }])).toThrow(
      /known options of mi: estimator, gate, mode, softWidth/,
    );
  });
});
