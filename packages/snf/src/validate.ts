/** Input checks and option rules shared by the functions of this package. */

import { InvalidInputError, type BmlWarning, type Matrix } from '@bml/core';

/** Prefix of every message this package writes. */
export const PKG = '@bml/snf';

/** What to do when K is not smaller than the number of samples. */
export type LargeKPolicy = 'error' | 'clamp';

/** Receives the warnings of a call. */
export type WarningSink = (warning: BmlWarning) => void;

/** Throws an {@link InvalidInputError} with the package prefix. */
export function fail(message: string, code = 'INVALID_INPUT', details: Record<string, unknown> = {}): never {
  throw new InvalidInputError(`${PKG}: ${message}`, code, details);
}

/** Checks that `value` is an integer in [min, max]. */
export function checkInteger(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in ${min}..${max}`;
    fail(`${name} must be ${range}, got ${value}`, 'INVALID_OPTION', { option: name, value });
  }
  return value;
}

/** Checks that `value` is a finite number > 0. */
export function checkPositive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) {
    fail(`${name} must be a finite number > 0, got ${value}`, 'INVALID_OPTION', { option: name, value });
  }
  return value;
}

/** Checks that `value` is one of `allowed`. */
export function checkChoice<T extends string>(name: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) {
    fail(
      `${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got '${String(value)}'`,
      'INVALID_OPTION',
      {
        option: name,
        value,
      },
    );
  }
  return value;
}

/**
 * Resolves a neighbourhood size that must be smaller than `samples`: returns
 * it unchanged, or `samples - 1` with a `K_CLAMPED` warning under the
 * `clamp` policy, or throws `K_TOO_LARGE` under `error`.
 */
export function resolveNeighbours(
  name: string,
  value: number,
  samples: number,
  policy: LargeKPolicy,
  warn: WarningSink,
  where = '',
): number {
  checkInteger(name, value, 1);
  if (samples < 2) {
    fail(`at least 2 samples are needed${where}, got ${samples}`, 'TOO_FEW_SAMPLES', { samples });
  }
  if (value < samples) return value;
  if (policy === 'clamp') {
    warn({
      code: 'K_CLAMPED',
      message: `${PKG}: ${name} = ${value} is not smaller than the number of samples${where} (${samples}); using ${name} = ${samples - 1}`,
    });
    return samples - 1;
  }
  return fail(
    `${name} must be smaller than the number of samples${where} (${name} = ${value}, samples = ${samples}); lower ${name} or add samples`,
    'K_TOO_LARGE',
    { [name]: value, samples },
  );
}

/** Checks that `m` is a matrix with finite dimensions and a data array of the right length. */
export function checkMatrix(name: string, m: Matrix): void {
  if (m === null || typeof m !== 'object' || !(m.data instanceof Float64Array)) {
    fail(`${name} must be a Matrix (rows, cols, Float64Array data)`, 'INVALID_MATRIX');
  }
  if (m.data.length !== m.rows * m.cols) {
    fail(`${name} has ${m.data.length} values for ${m.rows} x ${m.cols}`, 'INVALID_MATRIX');
  }
}

/**
 * Which rows of `m` are present: a row entirely NaN is missing; any other
 * non-finite value is an error naming the row. Returns null when every row
 * is present.
 */
export function presentRows(name: string, m: Matrix): Uint8Array | null {
  let present: Uint8Array | null = null;
  const d = m.cols;
  for (let i = 0; i < m.rows; i++) {
    let missing = 0;
    let bad = -1;
    for (let k = 0; k < d; k++) {
      const v = m.data[i * d + k];
      if (Number.isNaN(v)) missing++;
      else if (!Number.isFinite(v)) bad = k;
    }
    if (bad >= 0) {
      fail(`${name} row ${i} column ${bad} is ${m.data[i * d + bad]}; values must be finite`, 'NON_FINITE', {
        row: i,
        col: bad,
      });
    }
    if (missing === d && d > 0) {
      present ??= new Uint8Array(m.rows).fill(1);
      present[i] = 0;
    } else if (missing > 0) {
      fail(
        `${name} row ${i} has ${missing} missing values out of ${d}; impute them first, or make the whole row NaN to mark the sample as lacking this omics`,
        'MISSING_VALUES',
        { row: i, missing },
      );
    }
  }
  return present;
}

/** Number of present samples. */
export function countPresent(present: Uint8Array | null, n: number): number {
  if (present === null) return n;
  let c = 0;
  for (let i = 0; i < n; i++) c += present[i];
  return c;
}

/** Name of sample i for messages: its id when ids are given, else `#i`. */
export function sampleName(ids: readonly string[] | undefined, i: number): string {
  return ids?.[i] ?? `#${i}`;
}
