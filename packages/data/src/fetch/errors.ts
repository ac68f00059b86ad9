import { InvalidInputError } from '@bml/core';

/**
 * A download or a downloaded file that failed: an HTTP error status, a lost
 * or timed-out connection, a corrupt gzip, a checksum mismatch or a file
 * that is not the expected Xena table. The message names the URL or file and
 * what to do. It extends `InvalidInputError`, so the command exits with code
 * 2: the cause lies outside bml (the URL, the network or the server), not in
 * its code.
 */
export class DownloadError extends InvalidInputError {
  /** Whether another attempt at the same URL may succeed (lost connection, timeout, HTTP 5xx, 408, 429). */
  readonly retryable: boolean;
  /** Seconds the server asked to wait before the next attempt (`Retry-After`), when it sent one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    message: string,
    code: string,
    options: { retryable?: boolean; retryAfterSeconds?: number; details?: Record<string, unknown> } = {},
  ) {
    super(message, code, options.details ?? {});
    this.retryable = options.retryable ?? false;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Returns whether an HTTP status is worth retrying: 408, 429 and every 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}
