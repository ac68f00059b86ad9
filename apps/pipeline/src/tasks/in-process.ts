import { InternalError } from '@bml/core';
import type { Task, TaskExecutor, TaskResult } from './protocol.js';
import { runTask } from './run-task.js';

/**
 * Runs every task on the calling thread, one after another in the order they
 * were requested. The executor of a run with `workers` 1.
 */
export class InProcessExecutor implements TaskExecutor {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  /** Runs `task` once the tasks requested before it are done. `priority` is ignored. */
  run<T extends Task>(task: T, _priority = 0): Promise<TaskResult<T>> {
    const result = this.queue.then(() => {
      // A failed split closes the executor, and the rest of its queued work is dropped, not run.
      if (this.closed) throw new InternalError('bml: the executor was closed before this task started', 'POOL_CLOSED');
      return runTask(task);
    });
    this.queue = result.catch(() => {});
    return result;
  }

  close(): void {
    this.closed = true;
  }
}
