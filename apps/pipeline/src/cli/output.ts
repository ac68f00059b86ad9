import type { ProgressEvent } from '../progress.js';

/** Writes progress lines to standard error, so standard output stays free for results and JSON. */
export function progressPrinter(quiet: boolean): (event: ProgressEvent) => void {
  const start = performance.now();
  return (event) => {
    if (quiet) return;
    const seconds = ((performance.now() - start) / 1000).toFixed(1).padStart(6);
    const where = event.repeat === undefined ? '' : `[split ${event.repeat + 1}] `;
    process.stderr.write(`${seconds}s ${where}${event.stage}: ${event.message}\n`);
  };
}

/**
 * Formats a mean and sd as `0.812 ± 0.034`, the mean alone when the sd is null (a single split),
 * or `undefined` when the mean is missing.
 */
export function formatSummary(summary: { mean: number | null; sd: number | null }): string {
  if (summary.mean === null || !Number.isFinite(summary.mean)) return 'undefined';
  if (summary.sd === null) return summary.mean.toFixed(3);
  return `${summary.mean.toFixed(3)} ± ${summary.sd.toFixed(3)}`;
}
