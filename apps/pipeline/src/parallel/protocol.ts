/**
 * Messages between the split pool (main thread) and its worker threads. Every
 * payload is plain data, so structured cloning copies it unchanged.
 */
import type { OuterSplit, Cohort } from '@bml/data';
import type { BmlConfig } from '../config/defaults.js';
import type { ProgressEvent } from '../progress.js';
import type { SplitOutcome } from '../split-run.js';

/** Data every worker receives once, at start. */
export interface SplitWorkerData {
  cohort: Cohort;
  config: BmlConfig;
}

/** Request to run one outer split. `index` is its position in the run's list of splits. */
export interface RunSplitRequest {
  type: 'run';
  index: number;
  split: OuterSplit;
}

/** An error thrown in a worker, reduced to the fields that identify it. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  details?: Record<string, unknown>;
}

/** Messages a worker sends back to the pool. */
export type SplitWorkerMessage =
  | { type: 'ready' }
  | { type: 'progress'; event: ProgressEvent }
  | { type: 'result'; index: number; outcome: SplitOutcome }
  | { type: 'error'; index: number | null; error: SerializedError };

/** Reduces `error` to plain data that survives `postMessage`. */
export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const withCode = error as Error & { code?: unknown; details?: unknown };
  const serialized: SerializedError = { name: error.name, message: error.message, stack: error.stack };
  if (typeof withCode.code === 'string') serialized.code = withCode.code;
  if (withCode.details && typeof withCode.details === 'object') {
    serialized.details = withCode.details as Record<string, unknown>;
  }
  return serialized;
}
