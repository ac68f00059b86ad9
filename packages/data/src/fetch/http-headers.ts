import type { IncomingHttpHeaders } from 'node:http';

/** A `Content-Range: bytes START-END/TOTAL` header; `total` is undefined for `*`. */
export interface ContentRange {
  /** First byte offset of the body in the full file. */
  start: number;
  /** Last byte offset of the body, inclusive. */
  end: number;
  /** Size of the full file in bytes, when the server sends it. */
  total: number | undefined;
}

/** Parses a `Content-Range` header of a 206 response, or returns `undefined` when it is absent or malformed. */
export function parseContentRange(header: string | undefined): ContentRange | undefined {
  const match = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(header?.trim() ?? '');
  if (!match) return undefined;
  return {
    start: Number(match[1]),
    end: Number(match[2]),
    total: match[3] === '*' ? undefined : Number(match[3]),
  };
}

/** Parses the full size from the `Content-Range: bytes *\/TOTAL` header of a 416 response. */
export function parseUnsatisfiedRange(header: string | undefined): number | undefined {
  const match = /^bytes\s+\*\/(\d+)$/i.exec(header?.trim() ?? '');
  return match ? Number(match[1]) : undefined;
}

/** Reads `Content-Length` as a number, or returns `undefined` when it is absent or invalid. */
export function contentLength(headers: IncomingHttpHeaders): number | undefined {
  const text = headers['content-length'];
  if (text === undefined || !/^\d+$/.test(text.trim())) return undefined;
  return Number(text);
}

/** Reads `Retry-After` (seconds, or an HTTP date) as seconds from now, or returns `undefined`. */
export function retryAfterSeconds(headers: IncomingHttpHeaders, now = Date.now()): number | undefined {
  const text = headers['retry-after']?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

/**
 * Chooses the `If-Range` value for resuming: a strong ETag, else
 * `Last-Modified`. HTTP does not allow a weak ETag (`W/"..."`) in
 * `If-Range`, so weak ones are skipped.
 */
export function ifRangeValidator(validators: { etag?: string; lastModified?: string }): string | undefined {
  if (validators.etag && !validators.etag.startsWith('W/')) return validators.etag;
  return validators.lastModified;
}
