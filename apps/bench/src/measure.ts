import { median } from '@bml/core';
import type { BenchCase } from './types.js';

/** The measured record of one benchmark case. */
export interface CaseRecord {
  name: string;
  sizes: Record<string, number>;
  /** Timed runs. */
  runs: number;
  /** Median wall time in milliseconds. */
  medianMs: number;
  /** Fastest and slowest run in milliseconds. */
  minMs: number;
  maxMs: number;
  /** Median absolute deviation of the run times in milliseconds. */
  madMs: number;
  /** Peak resident set size of the process that ran the case, in MB. */
  peakRssMb: number;
  /** Metrics returned by the last run, if any. */
  metrics?: Record<string, number>;
}

/** Runs one case (warm-up, then the timed repeats) and returns its record. */
export async function measureCase(benchCase: BenchCase): Promise<CaseRecord> {
  const { repeats = 5, warmup = true } = benchCase;
  if (warmup) await benchCase.run();
  const times: number[] = [];
  let metrics: Record<string, number> | undefined;
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    const result = await benchCase.run();
    times.push(performance.now() - start);
    if (result) metrics = result;
  }
  const mid = median(times);
  return {
    name: benchCase.name,
    sizes: benchCase.sizes,
    runs: repeats,
    medianMs: mid,
    minMs: Math.min(...times),
    maxMs: Math.max(...times),
    madMs: median(times.map((t) => Math.abs(t - mid))),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    ...(metrics ? { metrics } : {}),
  };
}
