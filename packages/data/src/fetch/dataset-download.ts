import { join } from 'node:path';
import { readDownloadState } from './download-state.js';
import { downloadFile, type DownloadOptions, type DownloadResult } from './download.js';
import { DownloadError } from './errors.js';
import { findChecksum, type ChecksumEntry } from './checksums.js';

/** Options of {@link downloadDataset}. */
export interface DatasetDownloadOptions extends Omit<DownloadOptions, 'sha256'> {
  /** Download roots, tried in order for each candidate path; each ends in `/` or gets one. */
  baseUrls: readonly string[];
  /** Folder that receives the file, named after the last part of its path. */
  folder: string;
  /** Expected digests, matched by dataset path or file name. Default none. */
  checksums?: readonly ChecksumEntry[];
}

/** A downloaded dataset and the candidate path it was found under. */
export interface DatasetDownload extends DownloadResult {
  /** Path under the download root (`TCGA.BRCA.sampleMap/HiSeqV2.gz`). */
  datasetPath: string;
}

/**
 * Downloads the first candidate path that the download roots have. Each
 * path is tried at every root in order, and any failure at one root (not
 * found, or failed after its retries) moves on to the next root. The next
 * path is tried only when every root returned HTTP 404 or 410 for this one,
 * so a dataset that exists but fails to download is not replaced by another.
 * A URL with an earlier partial or complete download of the file goes first.
 * When nothing succeeds, a single failure is rethrown as is; several are
 * listed, with their URLs, in one `DownloadError` with the code of the first
 * failure other than `NOT_FOUND` (`NOT_FOUND` when every URL was missing).
 */
export async function downloadDataset(
  paths: readonly string[],
  options: DatasetDownloadOptions,
): Promise<DatasetDownload> {
  const failures: { url: string; error: DownloadError }[] = [];
  const total = paths.length * options.baseUrls.length;
  for (const datasetPath of paths) {
    const target = join(options.folder, datasetPath.slice(datasetPath.lastIndexOf('/') + 1));
    const urls = await earlierUrlFirst(target, options.baseUrls.map((base) => datasetUrl(base, datasetPath)));
    for (const url of urls) {
      try {
        const sha256 = options.checksums ? findChecksum(options.checksums, datasetPath) : undefined;
        const result = await downloadFile(url, target, { ...options, sha256 });
        return { ...result, datasetPath };
      } catch (error) {
        if (!(error instanceof DownloadError)) throw error;
        failures.push({ url, error });
        const lastRoot = url === urls[urls.length - 1];
        const found = failures.some((failure) => failure.error.code !== 'NOT_FOUND');
        if (lastRoot && found) throw combinedFailure(failures);
        if (failures.length < total) {
          options.onProgress?.({ stage: 'download', message: `${error.message}; trying the next URL` });
        }
      }
    }
  }
  throw combinedFailure(failures);
}

/**
 * Moves the URL of an earlier download of `target` (complete or partial) to
 * the front, so that a rerun reuses or resumes it before trying other roots,
 * which would discard it.
 */
async function earlierUrlFirst(target: string, urls: string[]): Promise<string[]> {
  const earlier = (await readDownloadState(target))?.url;
  if (earlier === undefined || !urls.includes(earlier)) return urls;
  return [earlier, ...urls.filter((url) => url !== earlier)];
}

function combinedFailure(failures: { url: string; error: DownloadError }[]): DownloadError {
  if (failures.length === 1) return failures[0].error;
  const firstFound = failures.find(({ error }) => error.code !== 'NOT_FOUND');
  const listed = failures.map(({ url, error }) => `${url}: ${error.message}`).join('\n  ');
  return new DownloadError(
    firstFound
      ? `every URL for this dataset failed:\n  ${listed}`
      : `none of these URLs exists:\n  ${listed}\ncheck --base-url`,
    firstFound?.error.code ?? 'NOT_FOUND',
    { details: { urls: failures.map(({ url }) => url) } },
  );
}

/** Joins a download root and a dataset path into a URL; the root gets a trailing `/` when it lacks one. */
export function datasetUrl(base: string, datasetPath: string): string {
  const root = base.endsWith('/') ? base : `${base}/`;
  try {
    return new URL(datasetPath, root).toString();
  } catch {
    throw new DownloadError(
      `--base-url ${base} is not a valid URL; give an address such as https://tcga.xenahubs.net/download/`,
      'BAD_URL',
      { details: { url: base } },
    );
  }
}
