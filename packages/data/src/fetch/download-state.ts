import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';

/**
 * Record of one download, stored beside it as `<file>.json`: the URL and
 * validators of a partial `<file>.part`, or, once `complete` is set, the
 * digest and size of the verified `<file>`.
 */
export interface DownloadState {
  /** URL requested, before redirects. A partial file is resumed only from this URL. */
  url: string;
  /** URL that served the bytes, after redirects. */
  servedFrom?: string;
  /** The server's `ETag`, sent back in `If-Range` when resuming. */
  etag?: string;
  /** The server's `Last-Modified`, sent in `If-Range` when there is no strong ETag. */
  lastModified?: string;
  /** Full size in bytes announced by the server, when it announced one. */
  totalBytes?: number;
  /** True once the file is downloaded, verified and renamed to its final name. */
  complete: boolean;
  /** SHA-256 of the complete file, lowercase hex. */
  sha256?: string;
  /** Size of the complete file in bytes. */
  bytes?: number;
  /** ISO 8601 time the download finished. */
  finishedAt?: string;
}

/** Returns the path of the partial file of `target`. */
export function partPath(target: string): string {
  return `${target}.part`;
}

/** Returns the path of the state file of `target`. */
export function statePath(target: string): string {
  return `${target}.json`;
}

/** Reads the state of `target`, or returns `undefined` when there is none or it is unreadable. */
export async function readDownloadState(target: string): Promise<DownloadState | undefined> {
  try {
    const state = JSON.parse(await readFile(statePath(target), 'utf8')) as DownloadState;
    return typeof state.url === 'string' ? state : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the state of `target` through a temporary file and a rename. */
export async function writeDownloadState(target: string, state: DownloadState): Promise<void> {
  const path = statePath(target);
  const temporary = `${path}.tmp-${process.pid}`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`);
  await rename(temporary, path);
}

/** Removes the partial file and the state of `target`, and `target` itself when `everything` is set. */
export async function discardDownload(target: string, everything = false): Promise<void> {
  await rm(partPath(target), { force: true });
  await rm(statePath(target), { force: true });
  if (everything) await rm(target, { force: true });
}

/** Returns the size of a file in bytes, or 0 when it does not exist. */
export async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}
