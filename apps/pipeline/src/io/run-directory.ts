import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  rmdirSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { INCOMPLETE_MARKER, InvalidInputError } from '@bml/core';

export { INCOMPLETE_MARKER };

/** Infix of the temporary names files are written under before the rename. */
const TEMPORARY_INFIX = '.tmp-';

/** Files a run writes. `--force` replaces a directory only when it contains nothing else. */
export const RUN_FILES: readonly string[] = ['config.json', 'metrics.json', 'predictions.csv', INCOMPLETE_MARKER];

/** Whether `name` is a file a run writes, or the temporary name of one. */
function isRunFile(name: string): boolean {
  return RUN_FILES.some((file) => name === file || name.startsWith(`${file}${TEMPORARY_INFIX}`));
}

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
   * Raises an `InvalidInputError` when the run could not write to `path`:
   * `path` is a file, its nearest existing folder is not writable, or it is
   * a non-empty directory and `force` is not set. With `force`, only a
   * directory that contains nothing but a run's files may be replaced, so
   * that `--force` never deletes a cohort, a checkout or other work. Call it
   * before long work, so that a run that could not write its results stops
   * at once.
   */
  static checkTarget(path: string, options: { force?: boolean } = {}): void {
    const target = resolve(path);
    if (existsSync(target) && !statSync(target).isDirectory()) {
      throw new InvalidInputError(
        `bml: --out ${path} is an existing file, not a folder; choose a new folder name for the run directory`,
        'RUN_DIRECTORY_INVALID',
        { path },
      );
    }
    checkWritable(target, path);
    if (!existsSync(target)) return;
    const entries = readdirSync(target);
    if (entries.length === 0) return;
    if (!options.force) {
      throw new InvalidInputError(
        `bml: the run directory ${path} already exists and is not empty; choose another --out or add --force to replace it`,
        'RUN_DIRECTORY_EXISTS',
        { path },
      );
    }
    const foreign = entries.filter((name) => !isRunFile(name) || !statSync(join(target, name)).isFile());
    if (foreign.length > 0) {
      const listed = foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? `, ... (${foreign.length} in all)` : '');
      throw new InvalidInputError(
        `bml: --force replaces only a run directory, and ${path} contains other files: ${listed}; ` +
          'choose another --out, or remove those files yourself if you mean to',
        'RUN_DIRECTORY_NOT_A_RUN',
        { path, foreign: foreign.slice(0, 20) },
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
    // checkTarget allowed only a run's own files here, so removing them one by one loses nothing else.
    if (existed) for (const name of readdirSync(path)) rmSync(join(path, name), { force: true });
    try {
      makeDirectories(resolve(path));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === undefined || !['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'ENOSPC', 'EEXIST', 'ENOENT'].includes(code)) throw error;
      throw new InvalidInputError(
        `bml: cannot create the run directory ${path} (${(error as Error).message}); choose an --out in a folder you can write to`,
        'RUN_DIRECTORY_INVALID',
        { path },
      );
    }
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

/** Raises an `InvalidInputError` when the nearest existing folder on the way to `target` is not writable. */
function checkWritable(target: string, requested: string): void {
  let folder = target;
  while (!existsSync(folder)) {
    const parent = dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  const problem = !statSync(folder).isDirectory() ? 'is a file' : writable(folder) ? undefined : 'is not writable';
  if (problem === undefined) return;
  throw new InvalidInputError(
    `bml: cannot create the run directory ${requested}: ${folder} ${problem}; choose an --out in a folder you can write to`,
    'RUN_DIRECTORY_INVALID',
    { path: requested, folder },
  );
}

function writable(folder: string): boolean {
  try {
    accessSync(folder, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates `target` and its missing parents one level at a time. Node 20's
 * `mkdirSync(path, { recursive: true })` never returns on a folder such as
 * /proc that rejects new entries with ENOENT, so each level is created
 * without `recursive` and a failure is raised at once.
 */
function makeDirectories(target: string): void {
  const missing: string[] = [];
  let folder = target;
  while (!existsSync(folder)) {
    missing.push(folder);
    const parent = dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  for (const level of missing.reverse()) mkdirSync(level);
}
