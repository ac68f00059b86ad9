/**
 * Typed errors shared by every bml package. Each message names the package,
 * the value at fault and the fix, so that a command can show it as is and map
 * the class to an exit code.
 */

/** Base class of every error bml throws on purpose. */
export class BmlError extends Error {
  /** Stable machine-readable code, for example `K_TOO_LARGE`. */
  readonly code: string;
  /** Extra facts about the failure (file, row, column, value). */
  readonly details: Record<string, unknown>;

  constructor(message: string, code = 'BML_ERROR', details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** Invalid input or usage: the message names the value and the fix. Exit code 2. */
export class InvalidInputError extends BmlError {
  constructor(message: string, code = 'INVALID_INPUT', details: Record<string, unknown> = {}) {
    super(message, code, details);
  }
}

/** A numerical failure that the input did not cause, such as no convergence. Exit code 3. */
export class NumericalError extends BmlError {
  constructor(message: string, code = 'NUMERICAL', details: Record<string, unknown> = {}) {
    super(message, code, details);
  }
}

/** A broken invariant inside bml: a bug to report. Exit code 1. */
export class InternalError extends BmlError {
  constructor(message: string, code = 'INTERNAL', details: Record<string, unknown> = {}) {
    super(message, code, details);
  }
}

/** Run stopped by the user (for example SIGINT). Exit code 130. */
export class InterruptedError extends BmlError {
  constructor(message = 'interrupted by the user') {
    super(message, 'INTERRUPTED');
  }
}

/** Returns the process exit code for an error: 2 input, 3 numerical, 130 interrupted, 1 otherwise. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof InvalidInputError) return 2;
  if (error instanceof NumericalError) return 3;
  if (error instanceof InterruptedError) return 130;
  return 1;
}

/**
 * Throws an {@link InvalidInputError} with `message` unless `condition` holds.
 * @param code - machine-readable code stored on the error
 */
export function requireInput(
  condition: unknown,
  message: string,
  code = 'INVALID_INPUT',
  details: Record<string, unknown> = {},
): asserts condition {
  if (!condition) throw new InvalidInputError(message, code, details);
}
