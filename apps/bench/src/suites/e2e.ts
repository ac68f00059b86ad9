import { resolveConfig, runBml } from '@bml/pipeline';
import { sharedCohort } from '../shared-data.js';
import type { BenchCase, Suite } from '../types.js';

/** The cohorts of the end-to-end suite and the outer splits each uses. */
const cohorts = [
  { name: 'brca_pam50_cnv_rppa', repeats: 5 },
  { name: 'brca_tcga_mrna_cnv_rppa', repeats: 5 },
  { name: 'digits-mfeat', repeats: 5 },
];

function e2eCase(name: string, data: string | undefined, patch: Record<string, unknown>): BenchCase {
  const config = resolveConfig([{ origin: 'bench', patch }]);
  return {
    name,
    sizes: { repeats: config.split.repeats },
    repeats: 1,
    warmup: false,
    run: async () => {
      const result = await runBml({ data, config, repeatsRequested: true });
      const { summary, cohort } = result.metrics;
      const metrics: Record<string, number | null> = {
        samples: cohort.samples,
        accuracy: summary.accuracy.mean,
        macroF1: summary.macroF1.mean,
        // Null with a single split, where the sd is undefined.
        macroF1Sd: summary.macroF1.sd,
        auc: summary.auc.mean,
      };
      return Object.fromEntries(Object.entries(metrics).filter((entry): entry is [string, number] => entry[1] !== null));
    },
  };
}

/** The whole method, end to end: wall time, peak memory and test metrics. */
export const e2eSuite: Suite = {
  name: 'e2e',
  description: 'the whole balanced method on the simulated cohort and the real cohorts',
  cases: async ({ quick }) => {
    const cases: BenchCase[] = [e2eCase('simulated/quick', undefined, { preset: 'quick' })];
    if (quick) return cases;
    for (const { name, repeats } of cohorts) {
      const data = sharedCohort(name);
      if (data) cases.push(e2eCase(`${name}/repeats${repeats}`, data, { split: { repeats } }));
    }
    return cases;
  },
};
