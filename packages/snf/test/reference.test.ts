/**
 * Agreement with the reference outputs of snfpy (rmarkello/snfpy@fd65e38)
 * and SNFtool 2.3.1 in ../shared/reference/snf, computed independently of
 * this project: every entry within 1e-6 relative (|a - r| <= 1e-6 |r| for
 * |r| > 1e-12, else |a - r| <= 1e-15).
 */

import { describe, expect, it } from 'vitest';
import { agreementRatio } from '@bml/test-utils';
import { affinityMatrix, fuseFeatures, snf, wasmAvailable, type EngineChoice } from '../src/index.js';
import { digitsView, reference } from './helpers.js';

const REL = 1e-6;
const engines: EngineChoice[] = wasmAvailable() ? ['wasm', 'js'] : ['js'];

const data1 = reference('sim_data1.csv');
const data2 = reference('sim_data2.csv');

describe.skipIf(!data1 || !data2)('snfpy conventions on the simulated data', () => {
  it.each(engines)('matches the sqeuclidean affinities (%s)', (engine) => {
    const a1 = affinityMatrix(data1!, { kernel: 'snfpy', K: 20, mu: 0.5, engine });
    const a2 = affinityMatrix(data2!, { kernel: 'snfpy', K: 20, mu: 0.5, engine });
    expect(
      agreementRatio(a1.data, reference('sim_affinity1_sqeuclidean_K20_mu0.5.csv')!.data, REL),
    ).toBeLessThanOrEqual(1);
    expect(
      agreementRatio(a2.data, reference('sim_affinity2_sqeuclidean_K20_mu0.5.csv')!.data, REL),
    ).toBeLessThanOrEqual(1);
  });

  it('matches the euclidean affinity', () => {
    const a1 = affinityMatrix(data1!, { kernel: 'snfpy', metric: 'euclidean' });
    expect(agreementRatio(a1.data, reference('sim_affinity1_euclidean_K20_mu0.5.csv')!.data, REL)).toBeLessThanOrEqual(
      1,
    );
  });

  it.each(engines)('matches the fused network from the affinities (%s)', (engine) => {
    const aff = [data1!, data2!].map((x) => affinityMatrix(x, { kernel: 'snfpy', engine }));
    const fused = snf(aff, { K: 20, t: 20, normalization: 'snfpy', engine });
    expect(agreementRatio(fused.data, reference('sim_fused_K20_t20.csv')!.data, REL)).toBeLessThanOrEqual(1);
  });

  it('matches the fused network straight from the features', () => {
    const result = fuseFeatures([data1!, data2!], { kernel: 'snfpy', normalization: 'snfpy' });
    expect(agreementRatio(result.fused.data, reference('sim_fused_K20_t20.csv')!.data, REL)).toBeLessThanOrEqual(1);
  });

  it('matches the fused network of euclidean affinities', () => {
    const result = fuseFeatures([data1!, data2!], { kernel: 'snfpy', metric: 'euclidean', normalization: 'snfpy' });
    expect(
      agreementRatio(result.fused.data, reference('sim_fused_euclidean_K20_t20.csv')!.data, REL),
    ).toBeLessThanOrEqual(1);
  });
});

describe.skipIf(!data1 || !data2)('SNFtool conventions on the simulated data', () => {
  it('matches affinityMatrix(dist2(standardNormalization(x)))', () => {
    const a1 = affinityMatrix(data1!, { kernel: 'snftool', metric: 'sqeuclidean', K: 20, mu: 0.5 });
    expect(
      agreementRatio(a1.data, reference('snftool_sim_affinity1_dist2_K20_sigma0.5.csv')!.data, REL),
    ).toBeLessThanOrEqual(1);
  });

  it.each(engines)('matches SNF of the dist2 affinities (%s)', (engine) => {
    const aff = [data1!, data2!].map((x) => affinityMatrix(x, { kernel: 'snftool', engine }));
    const fused = snf(aff, { K: 20, t: 20, engine });
    expect(agreementRatio(fused.data, reference('snftool_sim_fused_K20_t20.csv')!.data, REL)).toBeLessThanOrEqual(1);
  });

  it('matches SNF of the euclidean affinities, straight from the features', () => {
    const result = fuseFeatures([data1!, data2!], { kernel: 'snftool', metric: 'euclidean', normalization: 'snftool' });
    expect(
      agreementRatio(result.fused.data, reference('snftool_sim_fused_euclidean_K20_t20.csv')!.data, REL),
    ).toBeLessThanOrEqual(1);
  });
});

const digits = ['fourier', 'pixel', 'profile', 'zer'].map(digitsView);

describe.skipIf(digits.some((d) => d === undefined))('snfpy conventions on digits-mfeat (600 samples, 4 views)', () => {
  it('matches the fourier affinity', () => {
    const a = affinityMatrix(digits[0]!, { kernel: 'snfpy' });
    expect(
      agreementRatio(a.data, reference('digits_affinity_fourier_sqeuclidean_K20_mu0.5.csv')!.data, REL),
    ).toBeLessThanOrEqual(1);
  });

  it.each(engines)('matches the fused network of the four views (%s)', (engine) => {
    const result = fuseFeatures(digits as never, { kernel: 'snfpy', normalization: 'snfpy', K: 20, t: 20, engine });
    expect(result.engine).toBe(engine);
    expect(
      agreementRatio(result.fused.data, reference('digits_fused_sqeuclidean_K20_mu0.5_t20.csv')!.data, REL),
    ).toBeLessThanOrEqual(1);
  });
});
