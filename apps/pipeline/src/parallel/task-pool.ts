/**
 * A pool of worker threads that run the training tasks of a run. Each worker
 * has its own TensorFlow.js backend and runs one task at a time. Waiting
 * tasks start in order of priority, then of arrival.
 */
import { Worker } from 'node:worker_threads';
import {
  BmlError,
  InternalError,
  InterruptedError,
  InvalidInputError,
  NumericalError,
} from '@bml/core';
import type { Task, TaskExecutor, TaskResult } from '../tasks/protocol.js';
import type { RunTaskRequest, SerializedError, TaskWorkerMessage } from './protocol.js';

interface Waiting {
  id: number;
  task: Task;
  priority: number;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/**
 * Returns the compiled worker script. Under a test runner this module runs from its TypeScript
 * source, and the worker then comes from `dist`.
 */
function workerScript(): URL {
  const moduleUrl = new URL(import.meta.url);
  // NOTE: running from sources needs a build first (`pnpm build`), because Node runs no TypeScript in workers.
  if (moduleUrl.pathname.endsWith('.ts')) return new URL('../../dist/parallel/task-worker.js', moduleUrl);
  return new URL('./task-worker.js', moduleUrl);
}

/** Runs tasks on `size` worker threads. Call {@link TaskPool.close} when done. */
export class TaskPool implements TaskExecutor {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: Waiting[] = [];
  private readonly running = new Map<number, Waiting>();
  private readonly closing = new Set<Worker>();
  private nextId = 0;
  private failure: unknown;

  /** Starts `size` worker threads. */
  constructor(size: number) {
    for (let i = 0; i < size; i++) this.startWorker();
  }

  /** Queues `task`; lower `priority` starts first, equal priorities in order of arrival. */
  run<T extends Task>(task: T, priority = 0): Promise<TaskResult<T>> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise<TaskResult<T>>((resolve, reject) => {
      this.waiting.push({ id: this.nextId++, task, priority, resolve: resolve as (value: unknown) => void, reject });
      this.dispatch();
    });
  }

  /** Stops every worker. Tasks still waiting or running reject. */
  close(): void {
    this.fail(new InternalError('bml: the task pool was closed before its tasks finished', 'POOL_CLOSED'));
  }

  private startWorker(): void {
    const worker = new Worker(workerScript());
    this.workers.push(worker);
    worker.on('message', (message: TaskWorkerMessage) => this.onMessage(worker, message));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => {
      if (this.closing.has(worker)) return;
      this.fail(new InternalError(`bml: a worker thread exited with code ${code} before its tasks finished`, 'WORKER_EXIT', { code }));
    });
  }

  private onMessage(worker: Worker, message: TaskWorkerMessage): void {
    if (message.type === 'ready') {
      this.idle.push(worker);
      this.dispatch();
      return;
    }
    if (message.id === null) {
      this.fail(deserializeError((message as { error: SerializedError }).error));
      return;
    }
    const entry = this.running.get(message.id);
    this.running.delete(message.id);
    this.idle.push(worker);
    if (entry) {
      if (message.type === 'result') entry.resolve(message.result);
      else entry.reject(deserializeError(message.error));
    }
    this.dispatch();
  }

  private dispatch(): void {
    while (this.failure === undefined && this.idle.length > 0 && this.waiting.length > 0) {
      let best = 0;
      for (let i = 1; i < this.waiting.length; i++) {
        const a = this.waiting[i];
        const b = this.waiting[best];
        if (a.priority < b.priority || (a.priority === b.priority && a.id < b.id)) best = i;
      }
      const [entry] = this.waiting.splice(best, 1);
      const worker = this.idle.pop()!;
      this.running.set(entry.id, entry);
      const request: RunTaskRequest = { type: 'run', id: entry.id, task: entry.task };
      worker.postMessage(request);
    }
  }

  private fail(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    for (const entry of [...this.waiting, ...this.running.values()]) entry.reject(error);
    this.waiting.length = 0;
    this.running.clear();
    for (const worker of this.workers) {
      this.closing.add(worker);
      void worker.terminate();
    }
  }
}

/** Rebuilds an error sent by a worker, keeping bml's error classes so that exit codes stay the same. */
export function deserializeError(serialized: SerializedError): Error {
  const { name, message, code, details } = serialized;
  const base = serialized.base ?? (code !== undefined ? 'BmlError' : undefined);
  let error: Error;
  if (base === 'InvalidInputError') error = new InvalidInputError(message, code, details);
  else if (base === 'NumericalError') error = new NumericalError(message, code, details);
  else if (base === 'InternalError') error = new InternalError(message, code, details);
  else if (base === 'InterruptedError') error = new InterruptedError(message);
  else if (base === 'BmlError') error = new BmlError(message, code, details);
  else error = new Error(message);
  // A subclass comes back as its bml base class, under its own name.
  error.name = name;
  if (serialized.stack) error.stack = serialized.stack;
  return error;
}
