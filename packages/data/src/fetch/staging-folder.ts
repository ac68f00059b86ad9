import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidInputError } from '@bml/core';
import { INCOMPLETE_MARKER } from '@bml/core';

/** Name of the sub-folder of the staging folder that receives the downloads. */
export const DOWNLOADS_FOLDER = 'downloads';

/** Returns the staging folder of an output folder: `<out>.partial`, beside it. */
export function stagingPathFor(out: string): string {
  return `${resolve(out)}.partial`;
}

/**
 * A cohort folder under construction. Everything is written to
 * `<out>.partial` (downloads in its `downloads/` sub-folder), which contains an
 * `INCOMPLETE` marker; {@link StagingFolder.commit} renames it to `<out>`
 * only when the cohort is complete, so `<out>` is either absent, the earlier
 * folder, or the finished cohort. A failed fetch leaves `<out>.partial`, and
 * the next fetch resumes its downloads.
 *
 * NOTE: two fetches into the same folder at the same time are not detected;
 * they would write the same partial files.
 */
export class StagingFolder {
  /** Absolute path of the final output folder. */
  readonly out: string;
  /** Absolute path of the staging folder. */
  readonly path: string;
  /** Absolute path of the downloads sub-folder. */
  readonly downloads: string;
  private readonly force: boolean;

  private constructor(out: string, force: boolean) {
    this.out = resolve(out);
    this.path = stagingPathFor(out);
    this.downloads = join(this.path, DOWNLOADS_FOLDER);
    this.force = force;
  }

  /**
   * Checks that `out` may be written and creates (or reopens) its staging
   * folder. An existing non-empty `out` raises an `InvalidInputError` (code
   * `OUT_EXISTS`) unless `force` is set. Cohort files left in the staging
   * folder by an interrupted fetch are removed; its downloads are kept.
   */
  static async open(out: string, options: { force?: boolean } = {}): Promise<StagingFolder> {
    const folder = new StagingFolder(out, options.force ?? false);
    await folder.checkOut();
    await mkdir(folder.downloads, { recursive: true });
    for (const name of await readdir(folder.path)) {
      if (name !== DOWNLOADS_FOLDER) await rm(join(folder.path, name), { recursive: true, force: true });
    }
    await writeFileAtomically(
      join(folder.path, INCOMPLETE_MARKER),
      'This cohort folder is still being fetched or the fetch failed; run the same bml fetch command again ' +
        'to resume.\n',
    );
    return folder;
  }

  /**
   * Writes `text` to `name` in the staging folder through a temporary file and
   * a rename. Returns the path written.
   */
  async writeText(name: string, text: string): Promise<string> {
    const path = join(this.path, name);
    await writeFileAtomically(path, text);
    return path;
  }

  /**
   * Renames the staging folder to the output folder, replacing an existing
   * one (allowed by `force` or empty), after removing the `INCOMPLETE` marker
   * and, unless `keepDownloads`, the downloads.
   */
  async commit(options: { keepDownloads?: boolean } = {}): Promise<void> {
    await this.checkOut();
    await rm(join(this.path, INCOMPLETE_MARKER), { force: true });
    if (!options.keepDownloads) await rm(this.downloads, { recursive: true, force: true });

    const existing = await pathKind(this.out);
    if (existing === 'missing') {
      await rename(this.path, this.out);
      return;
    }
    const replaced = `${this.out}.replaced-${process.pid}`;
    await rename(this.out, replaced);
    try {
      await rename(this.path, this.out);
    } catch (error) {
      await rename(replaced, this.out);
      throw error;
    }
    await rm(replaced, { recursive: true, force: true });
  }

  private async checkOut(): Promise<void> {
    const kind = await pathKind(this.out);
    if (kind === 'file') {
      throw new InvalidInputError(
        `bml fetch: --out ${this.out} is a file, not a folder; choose a folder path`,
        'OUT_NOT_A_FOLDER',
        { path: this.out },
      );
    }
    if (kind === 'folder' && !this.force && (await readdir(this.out)).length > 0) {
      throw new InvalidInputError(
        `bml fetch: the output folder ${this.out} already exists and is not empty; choose another --out or ` +
          'add --force to replace it',
        'OUT_EXISTS',
        { path: this.out },
      );
    }
  }
}

/** Writes `text` to `path` through a temporary file in the same folder and a rename. */
export async function writeFileAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(temporary, text);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

async function pathKind(path: string): Promise<'missing' | 'file' | 'folder'> {
  try {
    return (await stat(path)).isDirectory() ? 'folder' : 'file';
  } catch {
    return 'missing';
  }
}
