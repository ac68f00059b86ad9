import { spawnSync } from 'node:child_process';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { exitCodeFor, InvalidInputError, NumericalError } from '@bml/core';
import { runBml, type ProgressEvent, type RunResult } from '../src/index.js';
import { concurrentSplitCount, deserializeError, resolveWorkerCount } from '../src/parallel/split-pool.js';
import { serializeError } from '../src/parallel/protocol.js';
import { tinyConfig } from './helpers.js';

/** Returns the parts of a run that must not depend on the number of workers (no timings). */
function comparable(result: RunResult) {
  const { splits, summary, baselines, warnings, cohort } = result.metrics;
  return { splits, summary, baselines, warnings, cohort, predictions: result.predictions };
}

async function runWith(workers: number): Promise<{ result: RunResult; events: ProgressEvent[] }> {
  const events: ProgressEvent[] = [];
  const config = tinyConfig({ seed: 3, workers, split: { repeats: 3 } });
  const result = await runBml({ config, repeatsRequested: true, onProgress: (event) => events.push(event) });
  return { result, events };
}

describe('resolveWorkerCount', () => {
  it('uses one worker per core when 0', () => {
    expect(resolveWorkerCount(0, 5, 2, 2)).toBe(2);
    expect(resolveWorkerCount(0, 5, 1, 8)).toBe(5);
  });

  it('caps at splits times omics', () => {
    // Splits times omics is the maximum number of tasks that can run at once.
    expect(resolveWorkerCount(4, 1, 1, 8)).toBe(1);
    expect(resolveWorkerCount(4, 1, 3, 8)).toBe(3);
    expect(resolveWorkerCount(0, 1, 2, 8)).toBe(2);
    expect(resolveWorkerCount(3, 5, 2, 2)).toBe(3);
  });

  it('rejects negative and fractional counts', () => {
    expect(() => resolveWorkerCount(-1, 5, 2, 2)).toThrow(InvalidInputError);
    expect(() => resolveWorkerCount(1.5, 5, 2, 2)).toThrow(/workers.*integer >= 0/);
  });
});

describe('concurrentSplitCount', () => {
  it('keeps one split more in progress than there are workers', () => {
    expect(concurrentSplitCount(2, 5)).toBe(3);
    expect(concurrentSplitCount(2, 2)).toBe(2);
    expect(concurrentSplitCount(1, 5)).toBe(1);
  });
});

describe('worker errors', () => {
  it('keep their class, code and details', () => {
    const original = new InvalidInputError('bad value', 'BAD', { row: 3 });
    const copy = deserializeError(structuredClone(serializeError(original)));
    expect(copy).toBeInstanceOf(InvalidInputError);
    expect(copy.message).toBe('bad value');
    expect((copy as InvalidInputError).code).toBe('BAD');
    expect((copy as InvalidInputError).details).toEqual({ row: 3 });
  });

  it('keep the exit code of a subclass', () => {
    class LimitError extends InvalidInputError {}
    const copy = deserializeError(structuredClone(serializeError(new LimitError('too large', 'LIMIT'))));
    expect(copy).toBeInstanceOf(InvalidInputError);
    expect(copy.name).toBe('LimitError');
    expect(exitCodeFor(copy)).toBe(2);
    const numerical = deserializeError(structuredClone(serializeError(new (class extends NumericalError {})('nan'))));
    expect(exitCodeFor(numerical)).toBe(3);
  });

  it('keep the name of a plain error', () => {
    const copy = deserializeError(serializeError(new RangeError('out of range')));
    expect(copy.name).toBe('RangeError');
    expect(copy.message).toBe('out of range');
  });
});

describe('runBml on worker threads', () => {
  // Three splits on two workers: one worker also takes the third split when its first is done.
  let single: Awaited<ReturnType<typeof runWith>>;
  let parallel: Awaited<ReturnType<typeof runWith>>;
  beforeAll(async () => {
    single = await runWith(1);
    parallel = await runWith(2);
  }, 600_000);

  it('matches the single-thread run', () => {
    expect(parallel.result.metrics.splits).toHaveLength(3);
    expect(comparable(parallel.result)).toEqual(comparable(single.result));
  });

  it('forwards progress from every split', () => {
    for (const repeat of [0, 1, 2]) {
      expect(parallel.events.some((e) => e.repeat === repeat && e.stage === 'autoencoder')).toBe(true);
      expect(parallel.events.some((e) => e.repeat === repeat && e.stage === 'evaluate')).toBe(true);
    }
  });
});

describe('runBml with one split on worker threads', () => {
  // One split, three omics: the autoencoders, Stage-A encoders and Stage-B students of the omics
  // run side by side on two workers.
  it('matches the single-thread run', async () => {
    const run = (workers: number) =>
      runBml({ config: tinyConfig({ seed: 5, workers, split: { repeats: 1 } }), repeatsRequested: true });
    const [single, parallel] = [await run(1), await run(2)];
    expect(parallel.metrics.splits).toHaveLength(1);
    // One split has a mean but no sd.
    expect(parallel.metrics.summary.macroF1.mean).toBe(parallel.metrics.splits[0].test.macroF1);
    expect(parallel.metrics.summary.macroF1.sd).toBeNull();
    expect(Object.keys(parallel.metrics.splits[0].perOmics)).toHaveLength(3);
    expect(comparable(parallel)).toEqual(comparable(single));
  }, 600_000);
});

describe('bml doctor', () => {
  const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
  const doctor = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [cli, 'doctor', ...args], {
      encoding: 'utf8',
      env: { ...process.env, INIT_CWD: tmpdir(), ...env },
    });

  it('reports backend threads and workers', () => {
    const result = doctor(['--json'], { BML_BACKEND: 'wasm' });
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.backend).toBe('wasm');
    expect(report.backendThreads).toBe(1);
    expect(report.workers).toBe(availableParallelism());
  });

  it('names the product engine', () => {
    const off = JSON.parse(doctor(['--json'], { BML_BACKEND: 'wasm', BML_RELAXED_SIMD: '0' }).stdout);
    expect(off.products).toBe("the wasm backend's matMul (BML_RELAXED_SIMD turns the kernel off)");
    expect(off.productKernel).toBe(false);
    const alsoOff = JSON.parse(doctor(['--json'], { BML_BACKEND: 'wasm', BML_RELAXED_SIMD: 'off' }).stdout);
    expect(alsoOff.productKernel).toBe(false);
    const on = JSON.parse(doctor(['--json'], { BML_BACKEND: 'wasm', BML_RELAXED_SIMD: '1' }).stdout);
    expect(on.products).toMatch(/^fused multiply-add kernel|no WebAssembly relaxed SIMD/);
    expect(on.productKernel).toBe(on.products.startsWith('fused'));
  });

  it('rejects an unknown BML_BACKEND as a usage error', () => {
    const result = doctor([], { BML_BACKEND: 'bogus' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/@bml\/core: unknown backend "bogus" in BML_BACKEND; use tensorflow, wasm, cpu or auto/);
    expect(result.stderr).not.toMatch(/internal error/);
  });

  it('names the native backend as the faster one', () => {
    const result = doctor([], { BML_BACKEND: 'wasm' });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/1 thread per model/);
    expect(result.stdout).toMatch(/@tensorflow\/tfjs-node@4\.22\.0/);
  });
});
