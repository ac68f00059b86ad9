import { productEngine } from '@bml/core/tensor';
import { RunDirectory } from './io/run-directory.js';
import { formatPredictions } from './predictions.js';
import type { RunResult } from './run.js';
import { packageVersions } from './versions.js';

/** Facts about the invocation recorded in `config.json` beside the options. */
export interface RunProvenance {
  /** Cohort folder, or `simulated`. */
  data: string;
  /** The command line, when run from the command. */
  command?: string;
}

/**
 * Writes `config.json`, `metrics.json` and `predictions.csv` into `dir`
 * (each through a temporary file and a rename) and marks the directory
 * complete. Returns the paths written.
 */
export function writeRun(dir: RunDirectory, result: RunResult, provenance: RunProvenance): string[] {
  const written: string[] = [];
  written.push(
    dir.writeJson('config.json', {
      ...result.config,
      data: provenance.data,
      command: provenance.command,
      splits: result.splitDescription,
      backend: { name: result.backend.name, tfjs: result.backend.version, unavailable: result.backend.unavailable },
      // The product engine changes results in the last digits, so a run records which one ran.
      products: productEngine(),
      versions: packageVersions(),
      node: process.version,
      createdAt: new Date().toISOString(),
    }),
  );
  written.push(dir.writeJson('metrics.json', result.metrics));
  written.push(dir.writeText('predictions.csv', formatPredictions(result.predictions, result.cohort.classNames)));
  dir.complete();
  return written;
}
