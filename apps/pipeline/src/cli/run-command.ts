import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InvalidInputError } from '@bml/core';
import type { Cohort } from '@bml/data';
import type { BmlConfig } from '../config/defaults.js';
import { resolveConfig, type ConfigSource } from '../config/resolve.js';
import { RunDirectory } from '../io/run-directory.js';
import { stopOnSignals } from '../io/interrupt.js';
import type { ProgressEvent } from '../progress.js';
import { loadRunCohort } from '../load-cohort.js';
import { runBml, type RunResult } from '../run.js';
import { planSplits } from '../splits.js';
import { formatBytes, validateRun, type RunCheck } from '../validate.js';
import { writeRun } from '../write-run.js';
import { formatSummary, progressPrinter } from './output.js';
import { defaultRunDirectory, resolveUserPath } from './paths.js';

/** Flags of `bml run`, as parsed from the command line. */
export interface RunFlags {
  data?: string;
  config?: string;
  out?: string;
  seed?: string;
  repeats?: string;
  folds?: string;
  splits?: string[];
  labels?: string;
  'test-labels'?: string;
  'id-match'?: string;
  workers?: string;
  preset?: string;
  quiet?: boolean;
  json?: boolean;
  force?: boolean;
}

/** Help text of `bml run`. */
export const runHelp = `Usage: bml run [--data DIR] [options]

Runs the balanced multimodal method: preprocessing, autoencoder, similarity
network fusion, r-GCN encoders, learning states, distillation and multitask
training, evaluated on the test part of each outer split. Without --data it
runs on the built-in simulated cohort with the quick preset.

Options:
  --data DIR          cohort folder: one CSV/TSV(.gz) per omics plus labels.csv
  --config FILE       JSON file of options (config.json in the cohort folder is read first)
  --out DIR           run directory (default runs/<date-time>-<cohort>)
  --seed N            seed of every random choice (default 0)
  --repeats N         repeated stratified 70/30 splits (default 5; overrides the cohort's split.csv)
  --folds N           stratified N-fold cross-validation instead of repeats
  --splits PATH       an id,split file per outer split: repeat the flag, separate files with
                      commas, or give a folder (all its .csv files, sorted by name)
  --labels FILE       labels file (id,label) instead of the cohort's
  --test-labels FILE  labels of the test samples, which also defines the split
  --id-match MODE     exact (default), sample or patient: match TCGA barcodes of different
                      lengths at sample (15 characters) or patient (12) level
  --workers N         worker threads that train models at once (autoencoders and encoders
                      of any split or omics); 0 (default) uses one per core, at most splits
                      times omics; 1 runs everything in the main thread; results do not change
  --preset NAME       full (defaults) or quick (one split, small epoch caps); default full
                      with --data and quick without
  --force             replace an existing run directory
  --quiet             no progress lines
  --json              print a JSON summary on standard output
  -h, --help          this help
`;

/** Runs `bml run` and returns the exit code. */
export async function runCommand(flags: RunFlags, argv: string[]): Promise<number> {
  const data = flags.data ? resolveUserPath(flags.data) : undefined;
  if (data && !(existsSync(data) && statSync(data).isDirectory())) {
    throw new InvalidInputError(`bml: --data ${flags.data}: no such folder; give the folder that holds the omics files`, 'DATA_NOT_FOUND');
  }
  const sources: ConfigSource[] = [];
  if (data && existsSync(join(data, 'config.json'))) sources.push(readConfigFile(join(data, 'config.json')));
  if (flags.config) sources.push(readConfigFile(resolveUserPath(flags.config)));
  const cli = flagsToPatch(flags, data === undefined);
  sources.push({ origin: 'command line', patch: cli });
  const config = resolveConfig(sources);

  const name = data ? basename(data) : 'simulated';
  const outPath = flags.out ? resolveUserPath(flags.out) : defaultRunDirectory(name);
  RunDirectory.checkTarget(outPath, { force: flags.force });
  const print = progressPrinter(flags.quiet ?? false);
  if (!data && !flags.quiet) {
    process.stderr.write(describeQuickRun(config));
  }
  const labels = flags.labels ? resolveUserPath(flags.labels) : undefined;
  const testLabels = flags['test-labels'] ? resolveUserPath(flags['test-labels']) : undefined;
  const repeatsRequested = flags.repeats !== undefined;
  const { cohort, check } = await checkBeforeRun({ data, config, labels, testLabels, repeatsRequested, print });

  // The directory appears only after the input passed every check, so bad input leaves nothing behind.
  const dir = RunDirectory.create(outPath, { force: flags.force });
  const stopHandlers = stopOnSignals(dir);
  let result: RunResult;
  try {
    result = await runBml({ data, config, repeatsRequested, labels, testLabels, cohort, check, onProgress: print });
    writeRun(dir, result, { data: data ?? 'simulated', command: ['bml', ...argv].join(' ') });
  } catch (error) {
    stopHandlers();
    discardAfterFailure(dir, error);
    throw error;
  }
  stopHandlers();

  const { summary, baselines, warnings, timings } = result.metrics;
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({ runDirectory: outPath, summary, baselines, warnings: warnings.length, totalMs: timings.totalMs }, null, 2)}\n`,
    );
    return 0;
  }
  const lines = [
    '',
    `${result.cohort.name}: ${result.splitDescription}, backend ${result.backend.name}, ${(timings.totalMs / 1000).toFixed(1)} s`,
    `  accuracy  ${formatSummary(summary.accuracy)}`,
    `  macro-F1  ${formatSummary(summary.macroF1)}`,
    `  AUC       ${formatSummary(summary.auc)}`,
    `  majority-class baseline: accuracy ${formatSummary(baselines.majorityClass.accuracy)}, macro-F1 ${formatSummary(baselines.majorityClass.macroF1)}`,
    `  classes (code, name, samples): ${describeClasses(result.metrics.cohort.classes, result.metrics.cohort.classSizes)}`,
    '  per omics (test macro-F1, Stage A -> Stage C; learning states over the splits):',
    ...Object.entries(summary.perOmics).map(
      ([omics, s]) =>
        `    ${omics.padEnd(10)} ${formatSummary(s.stageA)} -> ${formatSummary(s.stageC)}  ` +
        countStates(result.metrics.splits.map((split) => split.categories[omics])),
    ),
  ];
  if (warnings.length > 0) {
    lines.push(`  ${warnings.length} warning${warnings.length === 1 ? '' : 's'} (all in metrics.json):`);
    for (const w of warnings.slice(0, 5)) lines.push(`    - ${w.message}`);
  }
  lines.push(`Results written to ${outPath} (config.json, metrics.json, predictions.csv)`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

/** Counts learning states, in the order strong, weak, low-information: `strong 4, weak 1`, or `weak` for one split. */
export function countStates(states: readonly string[]): string {
  if (states.length === 1) return states[0];
  const counts = new Map<string, number>();
  for (const state of states) counts.set(state, (counts.get(state) ?? 0) + 1);
  const order = ['strong', 'weak', 'lowInformation'];
  const rank = (state: string) => (order.includes(state) ? order.indexOf(state) : order.length);
  return [...counts].sort((a, b) => rank(a[0]) - rank(b[0])).map(([state, count]) => `${state} ${count}`).join(', ');
}

/**
 * Loads the cohort, plans the outer splits and runs {@link validateRun},
 * raising its `InvalidInputError` before any training. Prints the memory
 * estimate and any warning of the checks, and returns the cohort and the
 * check for the run to reuse.
 */
async function checkBeforeRun(input: {
  data: string | undefined;
  config: BmlConfig;
  labels: string | undefined;
  testLabels: string | undefined;
  repeatsRequested: boolean;
  print: (event: ProgressEvent) => void;
}): Promise<{ cohort: Cohort; check: RunCheck }> {
  const { config } = input;
  const cohort = await loadRunCohort(input);
  let plan: ReturnType<typeof planSplits>;
  let check: RunCheck;
  try {
    plan = planSplits(cohort, config, input.repeatsRequested);
    check = validateRun(cohort, plan, config);
  } catch (error) {
    // A successful run lists the cohort's warnings (samples left out, say) at its end. A run
    // stopped by the checks prints them before its error, because they may explain it.
    for (const warning of cohort.warnings) process.stderr.write(`bml: warning: ${warning.message}\n`);
    throw error;
  }
  for (const warning of check.warnings) process.stderr.write(`bml: warning: ${warning.message}\n`);
  input.print({
    stage: 'check',
    message:
      `input checked: ${plan.splits.length} outer split${plan.splits.length === 1 ? '' : 's'}, ` +
      `estimated peak memory ${formatBytes(check.memory.bytes)} of ${formatBytes(check.memory.availableBytes)} available`,
  });
  return { cohort, check };
}

/** Cleans the run directory after a failed run. A failure of the cleanup is reported, so that it does not hide `error`. */
function discardAfterFailure(dir: RunDirectory, error: unknown): void {
  const reason = error instanceof Error ? error.message : String(error);
  try {
    dir.discard(reason);
  } catch (cleanup) {
    process.stderr.write(`bml: cleaning up ${dir.path} after the failure failed: ${(cleanup as Error).message}\n`);
  }
}

/** Lists the class codes with their names (quoted, as labels are strings) and sizes: `0 "7" 3, 1 "ccA" 4`. */
function describeClasses(classes: readonly string[], sizes: Record<string, number>): string {
  return classes.map((name, code) => `${code} ${JSON.stringify(name)} ${sizes[name]}`).join(', ');
}

function describeQuickRun(config: BmlConfig): string {
  return (
    `bml: no --data given, so this runs on the simulated cohort (seed ${config.seed}) with the ${config.preset} preset: ` +
    `${config.split.repeats} outer split, epoch caps autoencoder ${config.autoencoder.epochs}, Stage A ${config.stageA.epochs}, ` +
    `Stage B ${config.distill.epochs}, Stage C ${config.balance.epochs}, at most ${config.preprocess.maxFeatures} features per omics.\n`
  );
}

function readConfigFile(path: string): ConfigSource {
  if (!existsSync(path)) {
    throw new InvalidInputError(`bml: --config ${path}: file not found`, 'CONFIG_NOT_FOUND');
  }
  try {
    return { origin: path, patch: JSON.parse(readFileSync(path, 'utf8')) };
  } catch (error) {
    throw new InvalidInputError(
      `bml: ${path} is not valid JSON (${(error as Error).message}); fix the file or remove it`,
      'CONFIG_NOT_JSON',
    );
  }
}

/** Decimal digits with an optional minus sign: `Number` alone would also take '', '0x2' and '1e3'. */
const DECIMAL_INTEGER = /^-?\d+$/;

function parseWorkers(value: string): number {
  const n = DECIMAL_INTEGER.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new InvalidInputError(`bml: --workers ${value}: give 0 (one per core) or a positive number of threads`, 'USAGE');
  }
  return n;
}

function parseInteger(flag: string, value: string): number {
  const n = DECIMAL_INTEGER.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidInputError(`bml: --${flag} must be an integer, got "${value}"`, 'USAGE');
  return n;
}

function flagsToPatch(flags: RunFlags, simulated: boolean): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  const split: Record<string, unknown> = {};
  if (flags.seed !== undefined) patch.seed = parseInteger('seed', flags.seed);
  if (flags['id-match'] !== undefined) patch.input = { idMatch: flags['id-match'] };
  if (flags.workers !== undefined) patch.workers = parseWorkers(flags.workers);
  if (flags.preset !== undefined) patch.preset = flags.preset;
  else if (simulated) patch.preset = 'quick';
  if (flags.repeats !== undefined && flags.folds !== undefined) {
    throw new InvalidInputError(
      `bml: --repeats ${flags.repeats} and --folds ${flags.folds} choose two different split protocols; give one of them`,
      'USAGE',
    );
  }
  if (flags.repeats !== undefined) split.repeats = parseInteger('repeats', flags.repeats);
  if (flags.folds !== undefined) split.folds = parseInteger('folds', flags.folds);
  if (flags.splits !== undefined) split.files = expandSplitFiles(flags.splits);
  if (Object.keys(split).length > 0) patch.split = split;
  return patch;
}

/** Expands `--splits` values: repeated flags, comma-separated lists and folders of CSV files. */
export function expandSplitFiles(values: string[]): string[] {
  const files: string[] = [];
  for (const value of values) {
    for (const part of value.split(',').filter((p) => p.length > 0)) {
      const path = resolveUserPath(part);
      if (!existsSync(path)) throw new InvalidInputError(`bml: --splits ${part}: file or folder not found`, 'SPLIT_NOT_FOUND');
      if (statSync(path).isDirectory()) {
        const inside = readdirSync(path)
          .filter((f) => f.endsWith('.csv'))
          .sort()
          .map((f) => join(path, f));
        if (inside.length === 0) {
          throw new InvalidInputError(`bml: --splits ${part}: the folder has no .csv split files`, 'SPLIT_NOT_FOUND');
        }
        files.push(...inside);
      } else {
        files.push(path);
      }
    }
  }
  return files;
}
