import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '@bml/core';

/** Name of the marker file present while a run is writing its directory. */
export const INCOMPLETE_MARKER = 'INCOMPLETE';

/**
 * A run's output directory. Files are written to a temporary name and
 * renamed, so a reader never sees a half-written file, and the directory
 * holds an `INCOMPLETE` marker until {@link RunDirectory.complete} removes it.
 */
export class RunDirectory {
  /** Absolute path of the directory. */
  readonly path: string;

  private constructor(path: string) {
    this.path = path;
  }

  /**
   * Creates the directory. An existing non-empty directory is an error unless
   * `force` is set, in which case its contents are removed first.
   */
  static create(path: string, options: { force?: boolean } = {}): RunDirectory {
    if (existsSync(path) && readdirSync(path).length > 0) {
      if (!options.force) {
        throw new InvalidInputError(
          `bml: the run directory ${path} already exists and is not empty; choose another --out or add --force to replace it`,
          'RUN_DIRECTORY_EXISTS',
          { path },
        );
      }
      rmSync(path, { recursive: true, force: true });
    }
    mkdirSync(path, { recursive: true });
    const dir = new RunDirectory(path);
    dir.writeText(INCOMPLETE_MARKER, 'This run did not finish; its files may be missing or partial.\n');
    return dir;
  }

  /** Writes `text` to `name` inside the directory through a temporary file and a rename. */
  writeText(name: string, text: string): string {
    const target = join(this.path, name);
    const temporary = `${target}.tmp-${process.pid}`;
    writeFileSync(temporary, text);
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
}
