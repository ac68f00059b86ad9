/**
 * Runs the outer splits of a run on worker threads. Each split depends only
 * on the cohort, the configuration and its own seeds, so a split computes the
 * same numbers on any thread and in any order as in a single-threaded run.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  BmlError,
  InternalError,
  InterruptedError,
  InvalidInputError,
  NumericalError,
} from '@bml/core';
import { backendInfo } from '@bml/core/tensor';
import type { Cohort, OuterSplit } from '@bml/data';
import type { BmlConfig } from '../config/defaults.js';
import type { ProgressHandler } from '../progress.js';
import { runSplit, type SplitOutcome } from '../split-run.js';
import type { RunSplitRequest, SerializedError, SplitWorkerData, SplitWorkerMessage } from './protocol.js';

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
 * Returns how many worker threads run `splits` outer splits. `requested` 0 means
 * `min(automatic, splits)`, and any count is capped at the number of splits. The
 * result 1 means the splits run one after another on the calling thread.
 */
export function resolveWorkerCount(requested: number, splits: number, automatic = automaticWorkerCount()): number {
  if (!Number.isInteger(requested) || requested < 0) {
    throw new InvalidInputError(
      `bml: option "workers" must be an integer >= 0 (got ${requested}); use 0 for one worker per core or 1 to run the splits on the main thread`,
      'CONFIG_VALUE',
      { key: 'workers', value: requested },
    );
  }
  const count = requested === 0 ? automatic : requested;
  return Math.max(1, Math.min(count, splits));
}

/**
 * Starts every split of `splits` and returns one promise per split, in the
 * same order. With `config.workers` resolving to 1 the splits run one after
 * another on this thread. Otherwise they run on a pool of worker threads, each
 * with its own TensorFlow.js backend, and progress events from the workers go
 * to `onProgress` as they arrive.
 *
 * After the first failure, no further split starts, every running worker is
 * stopped and every unfinished promise rejects with that failure. The promises
 * are pre-handled, so a caller may await them one by one.
 */
export function runSplits(
  cohort: Cohort,
  splits: readonly OuterSplit[],
  config: BmlConfig,
  onProgress: ProgressHandler = () => {},
): Promise<SplitOutcome>[] {
  const workers = resolveWorkerCount(config.workers, splits.length);
  const outcomes =
    workers <= 1 ? runInProcess(cohort, splits, config, onProgress) : runOnWorkers(cohort, splits, config, workers, onProgress);
  // Marks each promise handled: a split that fails while the caller awaits an earlier one is no unhandled rejection.
  for (const outcome of outcomes) outcome.catch(() => {});
  return outcomes;
}

function runInProcess(
  cohort: Cohort,
  splits: readonly OuterSplit[],
  config: BmlConfig,
  onProgress: ProgressHandler,
): Promise<SplitOutcome>[] {
  let previous: Promise<unknown> = Promise.resolve();
  return splits.map((split) => {
    // A split starts only after the previous one succeeded, and a failure rejects all later ones.
    const outcome = previous.then(() => runSplit(cohort, split, config, onProgress));
    previous = outcome;
    return outcome;
  });
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

/**
 * Returns the compiled worker script. Under a test runner this module runs from its TypeScript
 * source, and the worker then comes from `dist`.
 */
function workerScript(): URL {
  const moduleUrl = new URL(import.meta.url);
  // NOTE: running from sources needs a build first (`pnpm build`), because Node runs no TypeScript in workers.
  if (moduleUrl.pathname.endsWith('.ts')) return new URL('../../dist/parallel/split-worker.js', moduleUrl);
  return new URL('./split-worker.js', moduleUrl);
}

function runOnWorkers(
  cohort: Cohort,
  splits: readonly OuterSplit[],
  config: BmlConfig,
  size: number,
  onProgress: ProgressHandler,
): Promise<SplitOutcome>[] {
  const pending = splits.map(() => createDeferred<SplitOutcome>());
  const workers: Worker[] = [];
  const stopped = new Set<Worker>();
  let next = 0;
  let failed = false;

  const stop = (worker: Worker) => {
    if (stopped.has(worker)) return;
    stopped.add(worker);
    void worker.terminate();
  };
  const fail = (error: unknown) => {
    if (failed) return;
    failed = true;
    for (const deferred of pending) if (!deferred.settled) deferred.reject(error);
    workers.forEach(stop);
  };
  const dispatch = (worker: Worker) => {
    if (failed || next >= splits.length) {
      stop(worker);
      return;
    }
    const index = next++;
    const request: RunSplitRequest = { type: 'run', index, split: splits[index] };
    worker.postMessage(request);
  };

  const workerData: SplitWorkerData = { cohort, config };
  for (let i = 0; i < size; i++) {
    const worker = new Worker(workerScript(), { workerData });
    workers.push(worker);
    worker.on('message', (message: SplitWorkerMessage) => {
      switch (message.type) {
        case 'ready':
          dispatch(worker);
          break;
        case 'progress':
          onProgress(message.event);
          break;
        case 'result':
          pending[message.index].resolve(message.outcome);
          dispatch(worker);
          break;
        case 'error':
          fail(deserializeError(message.error));
          break;
      }
    });
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (stopped.has(worker) || failed) return;
      fail(new InternalError(`bml: a split worker thread exited with code ${code} before its splits finished`, 'WORKER_EXIT', { code }));
    });
  }
  return pending.map((deferred) => deferred.promise);
}

/** Rebuilds an error sent by a worker, keeping bml's error classes so that exit codes stay the same. */
export function deserializeError(serialized: SerializedError): Error {
  const { name, message, code, details } = serialized;
  let error: Error;
  if (name === 'InvalidInputError') error = new InvalidInputError(message, code, details);
  else if (name === 'NumericalError') error = new NumericalError(message, code, details);
  else if (name === 'InternalError') error = new InternalError(message, code, details);
  else if (name === 'InterruptedError') error = new InterruptedError(message);
  else if (code !== undefined) error = new BmlError(message, code, details);
  else {
    error = new Error(message);
    error.name = name;
  }
  if (serialized.stack) error.stack = serialized.stack;
  return error;
}
