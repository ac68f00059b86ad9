/**
 * Messages between the task pool (main thread) and its worker threads. Every
 * payload is plain data, so structured cloning copies it unchanged.
 */
import { BmlError, InternalError, InterruptedError, InvalidInputError, NumericalError } from '@bml/core';
import type { Task, TaskResults } from '../tasks/protocol.js';

/** Request to run one task. `id` identifies the task within the pool. */
export interface RunTaskRequest {
  type: 'run';
  id: number;
  task: Task;
}

/** The bml error classes an error is rebuilt as, each with its own exit code. */
export type ErrorBase = 'InvalidInputError' | 'NumericalError' | 'InternalError' | 'InterruptedError' | 'BmlError';

/** An error thrown in a worker, reduced to the fields that identify it. */
export interface SerializedError {
  name: string;
  /** The nearest bml class the error is an instance of, so that a subclass keeps its exit code. */
  base?: ErrorBase;
  message: string;
  stack?: string;
  code?: string;
  details?: Record<string, unknown>;
}

/** Messages a worker sends back to the pool. */
export type TaskWorkerMessage =
  | { type: 'ready' }
  | { type: 'result'; id: number; result: TaskResults[keyof TaskResults] }
  | { type: 'error'; id: number | null; error: SerializedError };

/** Reduces `error` to plain data that survives `postMessage`. */
export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const withCode = error as Error & { code?: unknown; details?: unknown };
  const serialized: SerializedError = { name: error.name, message: error.message, stack: error.stack };
  const bases: [ErrorBase, abstract new (...args: never[]) => Error][] = [
    ['InvalidInputError', InvalidInputError],
    ['NumericalError', NumericalError],
    ['InternalError', InternalError],
    ['InterruptedError', InterruptedError],
    ['BmlError', BmlError],
  ];
  const base = bases.find(([, type]) => error instanceof type);
  if (base) serialized.base = base[0];
  if (typeof withCode.code === 'string') serialized.code = withCode.code;
  if (withCode.details && typeof withCode.details === 'object') {
    serialized.details = withCode.details as Record<string, unknown>;
  }
  return serialized;
}
