import type { IncomingMessage } from 'node:http';
import { open, rename } from 'node:fs/promises';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FetchProgressHandler } from './progress.js';
import {
  discardDownload,
  fileSize,
  partPath,
  readDownloadState,
  writeDownloadState,
  type DownloadState,
} from './download-state.js';
import { DownloadError, isRetryableStatus } from './errors.js';
import { findGzipError, hasGzipMagic, sha256File } from './file-checks.js';
import {
  contentLength,
  ifRangeValidator,
  parseContentRange,
  parseUnsatisfiedRange,
  retryAfterSeconds,
} from './http-headers.js';
import { httpGet } from './http-get.js';

/** Options of {@link downloadFile}. */
export interface DownloadOptions {
  /** Attempts after the first one, for failures that may pass (lost connection, timeout, HTTP 5xx). Default 5. */
  retries?: number;
  /** Idle timeout of each request in milliseconds. Default 60,000. */
  timeoutMs?: number;
  /**
   * Wait before the first retry in milliseconds, doubled at each further
   * retry up to 30 s. A `Retry-After` from the server lengthens it, up to
   * 60 s. Default 1,000.
   */
  retryDelayMs?: number;
  /** Expected SHA-256 of the file, hex. Default none: the digest is computed and returned but not checked. */
  sha256?: string;
  /**
   * Whether the file must be gzip-compressed. Default true. When false, a
   * file that starts with the gzip magic bytes is still checked as gzip.
   */
  gzip?: boolean;
  /** Receives progress and retry lines (stage `download`). Default none. */
  onProgress?: FetchProgressHandler;
}

/** A downloaded and verified file. */
export interface DownloadResult {
  /** URL requested. */
  url: string;
  /** URL that served the bytes, after redirects. */
  servedFrom: string;
  /** Path of the file. */
  path: string;
  /** Size in bytes. */
  bytes: number;
  /** SHA-256, lowercase hex. */
  sha256: string;
  /** The server's `Last-Modified`, when it sent one. */
  lastModified?: string;
  /** Requests made in this call (0 when a complete earlier download was reused). */
  attempts: number;
  /** Bytes kept from an earlier interrupted attempt or run and completed with a Range request. */
  resumedFromBytes: number;
  /** Whether a complete file from an earlier run was reused without any request. */
  reused: boolean;
}

type Settings = Required<Omit<DownloadOptions, 'sha256' | 'onProgress'>> &
  Pick<DownloadOptions, 'sha256' | 'onProgress'>;

/** Outcome of one request whose body was received in full. */
interface Attempt {
  state: DownloadState;
  resumedFromBytes: number;
}

const MAX_BACKOFF_MS = 30_000;
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Downloads `url` to `target`, resuming where an earlier attempt or run
 * stopped. Bytes arrive in `<target>.part`, with the URL and the server's
 * validators in `<target>.json`. A later attempt requests the rest with a
 * `Range` request (with `If-Range`), and starts over when the server responds
 * with the whole file instead. When every byte has arrived, the file is
 * checked (gzip integrity, SHA-256 when given) and only then renamed to
 * `target`. A complete earlier download of the same URL is reused when its
 * digest still matches.
 *
 * Throws a `DownloadError`: code `NOT_FOUND` for HTTP 404 or 410 (not
 * retried), `HTTP_STATUS`, `NETWORK`, `TIMEOUT`, `CONNECTION_LOST` after the
 * retries, `NOT_GZIP`, `CORRUPT_GZIP` or `CHECKSUM_MISMATCH` for a file that
 * fails its checks. A file that fails its checks is deleted, and downloaded
 * again from the start only when it had been assembled from several
 * requests.
 */
export async function downloadFile(
  url: string,
  target: string,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const settings: Settings = {
    retries: options.retries ?? 5,
    timeoutMs: options.timeoutMs ?? 60_000,
    retryDelayMs: options.retryDelayMs ?? 1_000,
    gzip: options.gzip ?? true,
    sha256: options.sha256?.toLowerCase(),
    onProgress: options.onProgress,
  };
  const reused = await reuseEarlierDownload(url, target, settings);
  if (reused) return reused;

  const tries = settings.retries + 1;
  for (let attempt = 1; ; attempt++) {
    try {
      const received = await requestRest(url, target, settings);
      return await finishDownload(url, target, received, attempt, settings);
    } catch (error) {
      if (!(error instanceof DownloadError) || !error.retryable) throw error;
      if (attempt >= tries) throw givenUp(error, attempt);
      const delay = retryDelay(settings.retryDelayMs, attempt, error.retryAfterSeconds);
      const partialBytes = await fileSize(partPath(target));
      const resume = partialBytes > 0 ? `, resuming at byte ${partialBytes}` : '';
      report(settings, `attempt ${attempt} of ${tries} failed: ${error.message}; retrying in ${seconds(delay)} s${resume}`);
      await sleep(delay);
    }
  }
}

async function reuseEarlierDownload(
  url: string,
  target: string,
  settings: Settings,
): Promise<DownloadResult | undefined> {
  const state = await readDownloadState(target);
  if (state?.url !== url) {
    await discardDownload(target, true);
    return undefined;
  }
  if (!state.complete) return undefined;

  const bytes = await fileSize(target);
  const digest = bytes > 0 ? await sha256File(target) : '';
  if (digest !== state.sha256 || (settings.sha256 !== undefined && digest !== settings.sha256)) {
    report(settings, `${basename(target)} from an earlier run does not match its recorded digest; downloading it again`);
    await discardDownload(target, true);
    return undefined;
  }
  report(settings, `using ${basename(target)} downloaded earlier from ${url} (${megabytes(bytes)} MB)`);
  return {
    url,
    servedFrom: state.servedFrom ?? url,
    path: target,
    bytes,
    sha256: digest,
    lastModified: state.lastModified,
    attempts: 0,
    resumedFromBytes: 0,
    reused: true,
  };
}

/** Sends one request for the bytes still missing from the partial file and appends them. */
async function requestRest(url: string, target: string, settings: Settings): Promise<Attempt> {
  const part = partPath(target);
  const previous = await readDownloadState(target);
  let offset = previous !== undefined && !previous.complete ? await fileSize(part) : 0;
  const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': 'bml-fetch' };
  if (offset > 0 && previous) {
    headers.range = `bytes=${offset}-`;
    const validator = ifRangeValidator(previous);
    if (validator) headers['if-range'] = validator;
    report(settings, `resuming ${url} at byte ${offset}`);
  } else {
    report(settings, `downloading ${url}`);
  }

  const { response, url: servedFrom } = await httpGet(url, { headers, timeoutMs: settings.timeoutMs });
  const status = response.statusCode ?? 0;
  if (status === 416 && offset > 0 && previous) {
    return rangeNotSatisfiable(response, url, target, offset, previous);
  }
  rejectStatus(response, url);

  let total = contentLength(response.headers);
  if (status === 206) {
    const range = parseContentRange(response.headers['content-range']);
    const etag = response.headers.etag;
    const changed = previous?.etag !== undefined && etag !== undefined && etag !== previous.etag;
    if (!range || range.start !== offset || changed) {
      response.resume();
      await discardDownload(target);
      const reason = changed
        ? `the file changed on the server (ETag ${previous?.etag} became ${etag})`
        : `it returned Content-Range "${response.headers['content-range'] ?? '(none)'}"`;
      throw new DownloadError(
        `${url} did not continue the partial download at byte ${offset}: ${reason}; starting over`,
        'BAD_RANGE',
        { retryable: true, details: { url } },
      );
    }
    total = range.total ?? (total === undefined ? undefined : offset + total);
  } else {
    if (offset > 0) report(settings, `${url} ignored the Range request (HTTP 200); downloading it from the start`);
    offset = 0;
  }

  const state: DownloadState = {
    url,
    servedFrom,
    etag: response.headers.etag,
    lastModified: response.headers['last-modified'],
    totalBytes: total,
    complete: false,
  };
  await writeDownloadState(target, state);
  const received = await receiveBody(response, part, offset, total, url, settings);
  if (total !== undefined && offset + received !== total) {
    throw new DownloadError(
      `connection to ${url} ended after ${offset + received} of ${total} bytes`,
      'CONNECTION_LOST',
      { retryable: true, details: { url, bytes: offset + received, total } },
    );
  }
  return { state, resumedFromBytes: offset };
}

/**
 * Handles HTTP 416 to a Range request: the partial file is complete when the
 * server's full size equals its length; otherwise it is discarded.
 */
async function rangeNotSatisfiable(
  response: IncomingMessage,
  url: string,
  target: string,
  offset: number,
  previous: DownloadState,
): Promise<Attempt> {
  response.resume();
  const total = parseUnsatisfiedRange(response.headers['content-range']);
  if (total === offset) return { state: previous, resumedFromBytes: offset };
  await discardDownload(target);
  throw new DownloadError(
    `${url} rejected the request for bytes from ${offset} on (HTTP 416, full size ${total ?? 'not given'}); ` +
      'starting over',
    'RANGE_NOT_SATISFIABLE',
    { retryable: true, details: { url } },
  );
}

/** Throws for any status other than 200 and 206, after draining the response. */
function rejectStatus(response: IncomingMessage, url: string): void {
  const status = response.statusCode ?? 0;
  if (status === 200 || status === 206) return;
  response.resume();
  const text = `HTTP ${status}${response.statusMessage ? ` ${response.statusMessage}` : ''}`;
  if (status === 404 || status === 410) {
    throw new DownloadError(
      `${url} was not found (${text}); check --base-url and that the hub still publishes this dataset`,
      'NOT_FOUND',
      { details: { url, status } },
    );
  }
  const retryable = isRetryableStatus(status);
  throw new DownloadError(
    `${url} returned ${text}` + (retryable ? '' : '; check the URL and --base-url'),
    'HTTP_STATUS',
    { retryable, retryAfterSeconds: retryAfterSeconds(response.headers), details: { url, status } },
  );
}

/** Appends the body to the partial file at `offset` and returns the number of bytes received. */
async function receiveBody(
  response: IncomingMessage,
  part: string,
  offset: number,
  total: number | undefined,
  url: string,
  settings: Settings,
): Promise<number> {
  const handle = await open(part, offset > 0 ? 'a' : 'w');
  const name = basename(url);
  let received = 0;
  let nextReport = progressStep(total);
  try {
    for await (const chunk of response) {
      await handle.write(chunk as Buffer);
      received += (chunk as Buffer).length;
      const bytes = offset + received;
      if (bytes >= nextReport && (total === undefined || bytes < total)) {
        report(settings, describeProgress(name, bytes, total));
        while (nextReport <= bytes) nextReport += progressStep(total);
      }
    }
  } catch (error) {
    if (error instanceof DownloadError) throw error;
    throw new DownloadError(
      `connection to ${url} was lost after ${offset + received}` +
        `${total === undefined ? '' : ` of ${total}`} bytes (${(error as Error).message})`,
      'CONNECTION_LOST',
      { retryable: true, details: { url, bytes: offset + received } },
    );
  } finally {
    await handle.close();
  }
  return received;
}

/** Checks the complete partial file, renames it to `target` and records its digest. */
async function finishDownload(
  url: string,
  target: string,
  attempt: Attempt,
  attempts: number,
  settings: Settings,
): Promise<DownloadResult> {
  const part = partPath(target);
  const assembled = attempt.resumedFromBytes > 0;
  const problem = await checkContent(part, url, settings);
  if (problem) {
    await discardDownload(target);
    const again = assembled ? '; it was assembled from several requests, so it is downloaded again from the start' : '';
    throw new DownloadError(`${problem.message}${again}`, problem.code, {
      retryable: assembled,
      details: { url },
    });
  }

  const bytes = await fileSize(part);
  const digest = await sha256File(part);
  if (settings.sha256 !== undefined && digest !== settings.sha256) {
    await discardDownload(target);
    throw new DownloadError(
      `${url} has SHA-256 ${digest}, but the checksum file expects ${settings.sha256}; the file on the ` +
        'server changed or was damaged in transit. Check the checksum file, or fetch without it',
      'CHECKSUM_MISMATCH',
      { retryable: assembled, details: { url, sha256: digest, expected: settings.sha256 } },
    );
  }

  await rename(part, target);
  const state: DownloadState = {
    ...attempt.state,
    complete: true,
    sha256: digest,
    bytes,
    finishedAt: new Date().toISOString(),
  };
  await writeDownloadState(target, state);
  const resumed = assembled ? `, resumed at byte ${attempt.resumedFromBytes}` : '';
  report(settings, `saved ${basename(target)} (${megabytes(bytes)} MB${resumed}), SHA-256 ${digest.slice(0, 12)}…`);
  return {
    url,
    servedFrom: state.servedFrom ?? url,
    path: target,
    bytes,
    sha256: digest,
    lastModified: state.lastModified,
    attempts,
    resumedFromBytes: attempt.resumedFromBytes,
    reused: false,
  };
}

/** Returns the code and message of a content problem (not gzip, corrupt gzip), or `undefined`. */
async function checkContent(
  part: string,
  url: string,
  settings: Settings,
): Promise<{ code: string; message: string } | undefined> {
  const gzip = await hasGzipMagic(part);
  if (!gzip && settings.gzip) {
    return {
      code: 'NOT_GZIP',
      message:
        `${url} is not gzip-compressed (it does not start with the gzip magic bytes; the server may have ` +
        'sent an error page); check --base-url',
    };
  }
  if (!gzip) return undefined;
  const failure = await findGzipError(part);
  if (failure === undefined) return undefined;
  return { code: 'CORRUPT_GZIP', message: `${url} is not a valid gzip file (${failure})` };
}

function givenUp(error: DownloadError, attempts: number): DownloadError {
  return new DownloadError(
    `${error.message} (gave up after ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}; run the same ` +
      'command again to resume, or ' +
      'raise --retries or --timeout)',
    error.code,
    { details: { ...error.details, attempts } },
  );
}

/** Returns the wait before retry number `attempt` (from 1) in milliseconds. */
export function retryDelay(baseMs: number, attempt: number, retryAfter: number | undefined): number {
  const backoff = Math.min(baseMs * 2 ** (attempt - 1), MAX_BACKOFF_MS);
  if (retryAfter === undefined) return backoff;
  return Math.max(backoff, Math.min(retryAfter * 1000, MAX_RETRY_AFTER_MS));
}

function progressStep(total: number | undefined): number {
  return total === undefined ? 16 * 2 ** 20 : Math.max(1, Math.ceil(total / 10));
}

function describeProgress(name: string, bytes: number, total: number | undefined): string {
  if (total === undefined) return `${name}: ${megabytes(bytes)} MB`;
  const percent = Math.min(100, Math.floor((100 * bytes) / total));
  return `${name}: ${percent}% (${megabytes(bytes)} of ${megabytes(total)} MB)`;
}

function report(settings: Settings, message: string): void {
  settings.onProgress?.({ stage: 'download', message });
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(ms < 10_000 ? 1 : 0);
}
