import { InvalidInputError } from '@bml/core';
import { defaultConfig, quickPreset, type BmlConfig } from './defaults.js';

/** Allowed values of the string options, keyed by `group.key`. */
const choices: Record<string, readonly string[]> = {
  preset: ['full', 'quick'],
  'input.idMatch': ['exact', 'sample', 'patient'],
  'input.orientation': ['auto', 'rows', 'columns'],
  'input.duplicateSamples': ['error', 'mean'],
  'preprocess.impute': ['median'],
  'snf.kernel': ['paper', 'snftool', 'snfpy'],
  'snf.metric': ['euclidean', 'sqeuclidean', 'cosine'],
  'snf.normalization': ['snftool', 'snfpy'],
  'graph.mode': ['inductive', 'transductive'],
  'graph.normalization': ['symmetric', 'row'],
  'balance.weighting': ['f1', 'uniform'],
  'mi.estimator': ['nmi', 'ksg', 'infonce', 'mine'],
  'mi.mode': ['hard', 'soft'],
  'fusion.head': ['concat', 'vcdn'],
};

/** Options that may be null in the defaults, with the type they take otherwise. */
const nullable: Record<string, 'number' | 'array'> = {
  'split.folds': 'number',
  'autoencoder.hidden': 'array',
  'memory.limitMB': 'number',
};

/** A partial configuration as read from JSON or built from command-line flags. */
export type ConfigPatch = Record<string, unknown>;

/** One layer of configuration and where it came from, for error messages. */
export interface ConfigSource {
  /** Where the values came from, for example a file path or `command line`. */
  origin: string;
  /** The values. */
  patch: ConfigPatch;
}

/**
 * Merges configuration layers over the defaults, later layers winning. The
 * `quick` preset is applied right after the defaults when any layer asks for
 * it, so explicit values still win over it. Unknown keys and values of the
 * wrong type are rejected with the known keys listed.
 */
export function resolveConfig(sources: readonly ConfigSource[]): BmlConfig {
  const config = defaultConfig() as unknown as Record<string, unknown>;
  const problems = new ConfigProblems();
  for (const source of sources) validatePatch(source.patch, config, '', source.origin, problems);
  const wellFormed = problems.count === 0;
  const preset = [...sources].reverse().find((s) => s.patch.preset !== undefined)?.patch.preset;
  if (preset === 'quick') mergeInto(config, quickPreset as unknown as ConfigPatch);
  for (const source of sources) if (isPlainObject(source.patch)) mergeInto(config, source.patch);
  const resolved = config as unknown as BmlConfig;
  if (wellFormed) {
    checkRanges(resolved, problems, sources);
  } else {
    // Values of the wrong type are merged too, so the range checks see them. Their problems are
    // dropped for keys already reported, and a value too malformed to check is left to its report.
    const ranges = new ConfigProblems();
    try {
      checkRanges(resolved, ranges, sources);
    } catch {
      // A group replaced by a value of the wrong type, such as "snf": null.
    }
    problems.addUnreported(ranges);
  }
  problems.throwIfAny();
  return resolved;
}

/**
 * Collects every problem of a configuration, so that one run reports them all. A single problem
 * is thrown as it is; several are thrown as one error that lists each, with the code and details
 * of the first.
 */
class ConfigProblems {
  private readonly errors: InvalidInputError[] = [];

  add(message: string, code: string, details?: Record<string, unknown>): void {
    this.errors.push(new InvalidInputError(message, code, details));
  }

  /** Number of problems so far. */
  get count(): number {
    return this.errors.length;
  }

  /** Adds the problems of `other` whose option key has no problem here yet. */
  addUnreported(other: ConfigProblems): void {
    const reported = new Set(this.errors.map((error) => error.details?.key));
    for (const error of other.errors) if (!reported.has(error.details?.key)) this.errors.push(error);
  }

  throwIfAny(): void {
    if (this.errors.length === 0) return;
    if (this.errors.length === 1) throw this.errors[0];
    const [first] = this.errors;
    const lines = this.errors.map((error) => `  - ${error.message.replace(/^bml: /, '')}`);
    throw new InvalidInputError(
      `bml: the configuration has ${this.errors.length} problems:\n${lines.join('\n')}`,
      first.code,
      { ...first.details, problems: this.errors.map((error) => error.message) },
    );
  }
}

function validatePatch(
  patch: ConfigPatch,
  reference: Record<string, unknown>,
  prefix: string,
  origin: string,
  problems: ConfigProblems,
): void {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    problems.add(`bml: ${origin}: ${prefix || 'the configuration'} must be a JSON object`, 'CONFIG_TYPE');
    return;
  }
  for (const [key, value] of Object.entries(patch)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (path === 'omics') {
      validateOmicsOverrides(value, origin, problems);
      continue;
    }
    if (!(key in reference)) {
      const known = Object.keys(reference).join(', ');
      problems.add(
        `bml: ${origin}: unknown option "${path}"; known options${prefix ? ` of ${prefix}` : ''}: ${known}`,
        'CONFIG_UNKNOWN_KEY',
        { key: path },
      );
      continue;
    }
    const expected = reference[key];
    if (!checkValueType(path, value, expected, origin, problems)) continue;
    if (isPlainObject(expected)) validatePatch(value as ConfigPatch, expected, path, origin, problems);
  }
}

function validateOmicsOverrides(value: unknown, origin: string, problems: ConfigProblems): void {
  if (!isPlainObject(value)) {
    problems.add(`bml: ${origin}: omics must be an object keyed by omics name`, 'CONFIG_TYPE');
    return;
  }
  const defaults = defaultConfig() as unknown as Record<string, Record<string, unknown>>;
  for (const [name, override] of Object.entries(value)) {
    if (!isPlainObject(override)) {
      problems.add(`bml: ${origin}: omics.${name} must be an object with preprocess and/or snf`, 'CONFIG_TYPE');
      continue;
    }
    for (const [group, values] of Object.entries(override)) {
      if (group !== 'preprocess' && group !== 'snf') {
        problems.add(
          `bml: ${origin}: unknown option "omics.${name}.${group}"; per-omics overrides accept preprocess and snf`,
          'CONFIG_UNKNOWN_KEY',
        );
        continue;
      }
      validatePatch(values as ConfigPatch, defaults[group], `omics.${name}.${group}`, origin, problems);
    }
  }
}

/** Adds a problem when `value` has the wrong type or is not an allowed choice; returns whether it is valid. */
function checkValueType(
  path: string,
  value: unknown,
  expected: unknown,
  origin: string,
  problems: ConfigProblems,
): boolean {
  const generic = path.replace(/^omics\.[^.]+\./, '');
  const kind = nullable[generic];
  if (kind && value === null) return true;
  const wanted = kind ?? (Array.isArray(expected) ? 'array' : isPlainObject(expected) ? 'object' : typeof expected);
  const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : isPlainObject(value) ? 'object' : typeof value;
  if (wanted !== actual) {
    problems.add(`bml: ${origin}: option "${path}" must be a ${wanted}, got ${JSON.stringify(value)}`, 'CONFIG_TYPE', {
      key: path,
    });
    return false;
  }
  const allowed = choices[generic];
  if (allowed && !allowed.includes(value as string)) {
    problems.add(
      `bml: ${origin}: option "${path}" is ${JSON.stringify(value)}; use one of ${allowed.join(', ')}`,
      'CONFIG_VALUE',
      { key: path },
    );
    return false;
  }
  return true;
}

/** Returns `origin: ` of the last source that sets `path`, or '' when only the defaults set it. */
function originPrefix(sources: readonly ConfigSource[], path: string): string {
  for (const source of [...sources].reverse()) {
    let node: unknown = source.patch;
    for (const key of path.split('.')) node = isPlainObject(node) ? node[key] : undefined;
    if (node !== undefined) return `${source.origin}: `;
  }
  return '';
}

function checkRanges(config: BmlConfig, problems: ConfigProblems, sources: readonly ConfigSource[]): void {
  const report = (path: string, text: string) =>
    problems.add(`bml: ${originPrefix(sources, path)}option "${path}" ${text}`, 'CONFIG_VALUE', { key: path });
  const positiveIntegers: [string, number | null][] = [
    ['split.repeats', config.split.repeats],
    ['split.folds', config.split.folds],
    ['preprocess.maxFeatures', config.preprocess.maxFeatures],
    ['autoencoder.codeSize', config.autoencoder.codeSize],
    ['autoencoder.epochs', config.autoencoder.epochs],
    ['autoencoder.batchSize', config.autoencoder.batchSize],
    ['snf.K', config.snf.K],
    ['snf.t', config.snf.t],
    ['graph.k', config.graph.k],
    ['stageA.epochs', config.stageA.epochs],
    ['distill.epochs', config.distill.epochs],
    ['balance.epochs', config.balance.epochs],
    ['stageA.evalEvery', config.stageA.evalEvery],
    ['distill.evalEvery', config.distill.evalEvery],
    ['balance.evalEvery', config.balance.evalEvery],
  ];
  for (const [path, value] of positiveIntegers) {
    if (value !== null && !(Number.isInteger(value) && value >= 1)) report(path, `must be a positive integer, got ${value}`);
  }
  if (config.split.folds === 1) report('split.folds', 'must be at least 2, got 1');
  for (const path of ['split.testFraction', 'split.validationFraction'] as const) {
    const value = path === 'split.testFraction' ? config.split.testFraction : config.split.validationFraction;
    if (!(value > 0 && value < 1)) report(path, `must be a fraction in (0, 1), got ${value}`);
  }
  if (!(config.encoder.dropout >= 0 && config.encoder.dropout < 1)) {
    report('encoder.dropout', `must be a rate in [0, 1), got ${config.encoder.dropout}`);
  }
  if (!(config.mi.gate >= 0 && config.mi.gate <= 1)) {
    report('mi.gate', `must be a score threshold in [0, 1], got ${config.mi.gate}`);
  }
  if (!(Number.isFinite(config.mi.softWidth) && config.mi.softWidth > 0)) {
    report('mi.softWidth', `must be a positive number, got ${config.mi.softWidth}`);
  }
  if (!(Number.isInteger(config.workers) && config.workers >= 0)) {
    report('workers', `must be 0 (one per core) or a positive integer, got ${config.workers}`);
  }
  for (const code of config.input.sampleTypes) {
    if (typeof code !== 'string' || !/^\d\d$/.test(code)) {
      report('input.sampleTypes', `takes two-digit TCGA sample-type codes such as "01", got ${JSON.stringify(code)}`);
    }
  }
  const limit = config.memory.limitMB;
  if (limit !== null && !(Number.isFinite(limit) && limit > 0)) {
    report('memory.limitMB', `must be a positive number of MiB or null, got ${limit}`);
  }
}

function mergeInto(target: Record<string, unknown>, patch: ConfigPatch): void {
  for (const [key, value] of Object.entries(patch)) {
    const current = target[key];
    if (isPlainObject(value) && isPlainObject(current)) {
      mergeInto(current, value);
    } else {
      target[key] = Array.isArray(value) ? [...value] : isPlainObject(value) ? structuredClone(value) : value;
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns the `preprocess` and `snf` options for one omics, with its overrides applied. */
export function optionsForOmics(config: BmlConfig, omics: string): Pick<BmlConfig, 'preprocess' | 'snf'> {
  const override = config.omics[omics] ?? {};
  return {
    preprocess: { ...config.preprocess, ...override.preprocess },
    snf: { ...config.snf, ...override.snf },
  };
}
