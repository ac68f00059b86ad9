#!/usr/bin/env node
// Times @bml/snf from its built dist (run `pnpm --filter @bml/snf build` first).
//
//   node packages/snf/scripts/speed.mjs digits        digits-mfeat: 600 samples, 4 views, snfpy conventions
//   node packages/snf/scripts/speed.mjs sim 5000      simulated cohort: N samples, 3 omics of 100 features
//
// Prints wall time (median and range of the timed runs, after one warm-up),
// the engine, and the peak resident memory of this process (maxRSS).
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@bml/core';
import { fuseFeatures } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const shared = process.env.BML_SHARED ?? join(here, '../../../../shared');

function readCsv(path) {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter(Boolean).slice(1);
  const rows = lines.map((l) => l.split(',').slice(1).map(Number));
  const data = new Float64Array(rows.length * rows[0].length);
  rows.forEach((r, i) => data.set(r, i * r.length));
  return { rows: rows.length, cols: rows[0].length, data };
}

function simulate(n, seed = 1) {
  const rng = new Rng(seed);
  const classes = 4;
  const labels = Array.from({ length: n }, (_, i) => i % classes);
  return [100, 100, 100].map((dim, v) => {
    const centres = Array.from({ length: classes }, () =>
      Array.from({ length: dim }, () => rng.normal() * (0.4 + 0.2 * v)),
    );
    const data = new Float64Array(n * dim);
    for (let i = 0; i < n; i++) for (let k = 0; k < dim; k++) data[i * dim + k] = centres[labels[i]][k] + rng.normal();
    return { rows: n, cols: dim, data };
  });
}

const [what = 'digits', size = '5000'] = process.argv.slice(2);
let views;
let options;
let runs;
if (what === 'digits') {
  views = ['fourier', 'pixel', 'profile', 'zer'].map((v) => readCsv(join(shared, 'data/digits-mfeat', `${v}.csv`)));
  options = { kernel: 'snfpy', normalization: 'snfpy', K: 20, mu: 0.5, t: 20 };
  runs = 7;
} else {
  views = simulate(Number(size));
  options = { K: 20, mu: 0.5, t: 20 };
  runs = Number(size) >= 2000 ? 1 : 5;
}
const loadBefore = loadavg()[0];
const times = [];
let last;
for (let r = 0; r <= runs; r++) {
  const start = performance.now();
  last = fuseFeatures(views, options);
  const ms = performance.now() - start;
  if (r > 0 || runs === 1) times.push(ms);
  if (runs === 1) break;
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
const peak = process.resourceUsage().maxRSS / 1024;
console.log(
  JSON.stringify({
    case: what === 'digits' ? 'digits-mfeat 600 x 4 views' : `simulated ${size} x 3 omics`,
    engine: last.engine,
    threads: last.threads,
    runs: times.length,
    medianMs: Math.round(median),
    minMs: Math.round(times[0]),
    maxMs: Math.round(times[times.length - 1]),
    lastTimings: Object.fromEntries(Object.entries(last.timings).map(([k, v]) => [k, Math.round(v)])),
    arenaMiB: Math.round(last.memoryBytes / 2 ** 20),
    peakRssMiB: Math.round(peak),
    loadAverage: [loadBefore, loadavg()[0]].map((l) => Number(l.toFixed(2))),
  }),
);
