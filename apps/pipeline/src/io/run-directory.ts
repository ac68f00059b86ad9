import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, rmdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { INCOMPLETE_MARKER, InvalidInputError } from '@bml/core';

export { INCOMPLETE_MARKER };

/** Infix of the temporary names files are written under before the rename. */
const TEMPORARY_INFIX = '.tmp-';

/**
 * A run's output directory. Files are written to a temporary name, flushed
 * to disk and renamed, so a reader never sees a half-written file, and the
 * directory contains an `INCOMPLETE` marker until {@link RunDirectory.complete}
 * removes it.
 */
export class RunDirectory {
  /** Absolute path of the directory. */
  readonly path: string;
  /** Whether {@link RunDirectory.create} made the directory (it did not exist before). */
  readonly created: boolean;

  private constructor(path: string, created: boolean) {
    this.path = path;
    this.created = created;
  }

  /**
   * Raises an `InvalidInputError` when `path` is an existing non-empty
   * directory and `force` is not set. Call it before long work, so that a
   * run that could not write its results stops at once.
   */
  static checkTarget(path: string, options: { force?: boolean } = {}): void {
    if (!options.force && existsSync(path) && readdirSync(path).length > 0) {
      throw new InvalidInputError(
        `bml: the run directory ${path} already exists and is not empty; choose another --out or add --force to replace it`,
        'RUN_DIRECTORY_EXISTS',
        { path },
      );
    }
  }

  /**
   * Creates the directory with the `INCOMPLETE` marker. An existing
   * non-empty directory is an error unless `force` is set, in which case its
   * contents are removed first.
   */
  static create(path: string, options: { force?: boolean } = {}): RunDirectory {
    RunDirectory.checkTarget(path, options);
    const existed = existsSync(path);
    if (existed && readdirSync(path).length > 0) rmSync(path, { recursive: true, force: true });
    mkdirSync(path, { recursive: true });
    const dir = new RunDirectory(path, !existed);
    dir.writeText(
      INCOMPLETE_MARKER,
      'This run has not finished: result files may be missing. Every file present is complete, ' +
        'because each is written under a temporary name and renamed.\n',
    );
    return dir;
  }

  /** Writes `text` to `name` inside the directory through a temporary file, flushed to disk, and a rename. */
  writeText(name: string, text: string): string {
    const target = join(this.path, name);
    const temporary = `${target}${TEMPORARY_INFIX}${process.pid}`;
    const fd = openSync(temporary, 'w');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, target);
    return target;
  }

  /** Writes `value` as indented JSON. */
  writeJson(name: string, value: unknown): string {
    return this.writeText(name, `${JSON.stringify(value, null, 2)}\n`);
  }

  /** Removes the `INCOMPLETE` marker: every file of the run is written. */
  complete(): void {
    rmSync(join(this.path, INCOMPLETE_MARKER), { force: true });
  }

  /**
   * Records in the `INCOMPLETE` marker that the run was stopped by `signal`
   * and removes temporary files left by a write that was cut off. The
   * directory stays, marked incomplete.
   */
  markInterrupted(signal: string, when = new Date()): void {
    this.removeTemporaryFiles();
    this.writeText(
      INCOMPLETE_MARKER,
      `This run was interrupted by ${signal} at ${when.toISOString()} and did not finish: result files are ` +
        'missing. Every file present is complete. Run the command again to get the results.\n',
    );
  }

  /**
   * Cleans up after a run that failed before writing its results. When only
   * the marker is left, the marker goes, and so does the directory if
   * {@link RunDirectory.create} made it. When result files were written
   * before the failure, they stay, and the marker records `reason`. Returns
   * whether the directory was removed.
   */
  discard(reason: string): boolean {
    this.removeTemporaryFiles();
    const others = readdirSync(this.path).filter((name) => name !== INCOMPLETE_MARKER);
    if (others.length > 0) {
      this.writeText(INCOMPLETE_MARKER, `This run failed and did not finish: ${reason}\n`);
      return false;
    }
    rmSync(join(this.path, INCOMPLETE_MARKER), { force: true });
    if (!this.created) return false;
    rmdirSync(this.path);
    return true;
  }

  private removeTemporaryFiles(): void {
    for (const name of readdirSync(this.path)) {
      if (name.includes(TEMPORARY_INFIX)) rmSync(join(this.path, name), { force: true });
    }
  }
}
