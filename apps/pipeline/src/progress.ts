/** A progress event sent by the pipeline while it works. */
export interface ProgressEvent {
  /** Outer split (repeat or fold) index, from 0; absent for cohort-level steps. */
  repeat?: number;
  /** Stage name, for example `snf` or `stageA`. */
  stage: string;
  /** One short human-readable line. */
  message: string;
}

/** Receives progress events; the command prints them, a library caller may ignore them. */
export type ProgressHandler = (event: ProgressEvent) => void;

/**
 * Measures time per named stage, summing repeated stages. A stage that runs
 * as a task counts the task's own computing time, not its wait for a worker.
 */
export class StageTimer {
  /** Milliseconds per stage. */
  readonly stages: Record<string, number> = {};

  /** Adds `ms` milliseconds to `stage`. */
  add(stage: string, ms: number): void {
    this.stages[stage] = (this.stages[stage] ?? 0) + ms;
  }

  /** Runs `work` and adds its wall time to `stage`. */
  async time<T>(stage: string, work: () => Promise<T> | T): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.stages[stage] = (this.stages[stage] ?? 0) + (performance.now() - start);
    }
  }
}
