/** One measured case of a benchmark suite. */
export interface BenchCase {
  /** Short unique name within the suite, for example `fusion/digits`. */
  name: string;
  /** Problem sizes, for example `{ samples: 600, views: 4, K: 20 }`. */
  sizes: Record<string, number>;
  /** Number of timed runs (after one untimed warm-up unless `warmup` is false). Default 5. */
  repeats?: number;
  /** Whether to run once untimed before timing. Default true. */
  warmup?: boolean;
  /**
   * Work to time. It may return metrics (for example agreement with a
   * reference or a macro-F1) that are recorded beside the timings.
   */
  run: () => Promise<Record<string, number> | void> | Record<string, number> | void;
}

/** A named group of benchmark cases. */
export interface Suite {
  /** Name used on the command line, for example `snf`. */
  name: string;
  /** One sentence on what the suite measures. */
  description: string;
  /** Builds the cases; `quick` asks for smaller shapes (used by the suite's own test). */
  cases: (options: { quick: boolean }) => Promise<BenchCase[]>;
}
