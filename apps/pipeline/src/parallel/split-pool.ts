/**
 * Runs the outer splits of a run. The stages that train networks (the
 * autoencoder, Stage A, Stage B and Stage C) go to worker threads as tasks,
 * the rest runs on the main thread. Several splits are in progress at once,
 * and within a split the omics train side by side, so the workers stay busy
 * even with a single split. Every task depends only on its own inputs and
 * seeds, so the numbers are the same on any thread and in any order as in a
 * single-threaded run.
 */
import { availableParallelism } from 'node:os';
import { InvalidInputError } from '@bml/core';
import { backendInfo } from '@bml/core/tensor';
import type { Cohort, OuterSplit } from '@bml/data';
import type { BmlConfig } from '../config/defaults.js';
import type { ProgressHandler } from '../progress.js';
import { runSplit, type SplitOutcome } from '../split-run.js';
import { InProcessExecutor } from '../tasks/in-process.js';
import type { TaskExecutor } from '../tasks/protocol.js';
import { TaskPool } from './task-pool.js';

export { deserializeError } from './task-pool.js';

/**
 * Returns the worker count used when option `workers` is 0. That is one per core on the wasm and
 * cpu backends, whose kernels run on one thread, and 1 on the native backend, whose kernels
 * already use every core.
 */
export function automaticWorkerCount(): number {
  // NOTE: the native backend is kept off worker threads also because loading tfjs-node in several
  // threads of one process is untested here.
  return backendInfo()?.name === 'tensorflow' ? 1 : availableParallelism();
}

/**
 * Returns how many worker threads run the tasks of `splits` outer splits of a cohort with `omics`
 * omics. `requested` 0 means the automatic count, and any count is capped at `splits x omics`, the
 * maximum number of tasks that can run at once. The result 1 means everything runs on the calling thread.
 */
export function resolveWorkerCount(
  requested: number,
  splits: number,
  omics = 1,
  automatic = automaticWorkerCount(),
): number {
  if (!Number.isInteger(requested) || requested < 0) {
    throw new InvalidInputError(
      `bml: option "workers" must be an integer >= 0 (got ${requested}); use 0 for one worker per core or 1 to run everything on the main thread`,
      'CONFIG_VALUE',
      { key: 'workers', value: requested },
    );
  }
  const count = requested === 0 ? automatic : requested;
  return Math.max(1, Math.min(count, splits * Math.max(1, omics)));
}

/**
 * Returns how many outer splits are in progress at once with `workers` workers: one more than the
 * workers, so that the main thread prepares a split while the workers train, and at most `splits`.
 */
export function concurrentSplitCount(workers: number, splits: number): number {
  return workers <= 1 ? 1 : Math.min(splits, workers + 1);
}

/**
 * Starts every split of `splits` and returns one promise per split, in the
 * same order. After the first failure no further split starts, the workers
 * stop, and every unfinished promise rejects with that failure. The promises
 * are pre-handled, so a caller may await them one by one.
 */
export function runSplits(
  cohort: Cohort,
  splits: readonly OuterSplit[],
  config: BmlConfig,
  onProgress: ProgressHandler = () => {},
): Promise<SplitOutcome>[] {
  const workers = resolveWorkerCount(config.workers, splits.length, cohort.omics.length);
  const executor: TaskExecutor = workers > 1 ? new TaskPool(workers) : new InProcessExecutor();
  const pending = splits.map(() => createDeferred<SplitOutcome>());
  let next = 0;
  let finished = 0;
  let failed = false;

  const fail = (error: unknown) => {
    if (failed) return;
    failed = true;
    executor.close();
    for (const deferred of pending) if (!deferred.settled) deferred.reject(error);
  };
  const startNext = () => {
    if (failed || next >= splits.length) return;
    const index = next++;
    runSplit(cohort, splits[index], config, { executor, priority: index, onProgress }).then((outcome) => {
      pending[index].resolve(outcome);
      if (++finished === splits.length) executor.close();
      startNext();
    }, fail);
  };
  for (let i = 0; i < concurrentSplitCount(workers, splits.length); i++) startNext();
  const outcomes = pending.map((deferred) => deferred.promise);
  // Marks each promise handled: a split that fails while the caller awaits an earlier one is no unhandled rejection.
  for (const outcome of outcomes) outcome.catch(() => {});
  return outcomes;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
  settled: boolean;
}

function createDeferred<T>(): Deferred<T> {
  const deferred = { settled: false } as Deferred<T>;
  deferred.promise = new Promise<T>((resolve, reject) => {
    deferred.resolve = (value) => {
      deferred.settled = true;
      resolve(value);
    };
    deferred.reject = (reason) => {
      deferred.settled = true;
      reject(reason);
    };
  });
  return deferred;
}
