import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { DownloadError } from './errors.js';

/** Options of {@link httpGet}. */
export interface HttpGetOptions {
  /** Request headers, sent again on every redirect. Default none. */
  headers?: Record<string, string>;
  /**
   * Idle timeout in milliseconds: the request fails with a retryable
   * `DownloadError` (code `TIMEOUT`) when the connection stays silent this
   * long, before or during the response body.
   */
  timeoutMs: number;
  /** Maximum number of redirects followed. Default 5. */
  maxRedirects?: number;
}

/** A response whose headers have arrived; its body is still to be read from `response`. */
export interface HttpGetResponse {
  /** The response stream. A timeout while reading it destroys it with a `TIMEOUT` error. */
  response: IncomingMessage;
  /** URL that sent the response, after redirects. */
  url: string;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * Sends a GET request to an `http:` or `https:` URL and follows redirects.
 * Resolves once the final response's headers arrive, whatever its status.
 * A connection failure rejects with a retryable `DownloadError` (code
 * `NETWORK`); an unsupported URL or too many redirects reject with a
 * non-retryable one.
 */
export async function httpGet(url: string, options: HttpGetOptions): Promise<HttpGetResponse> {
  const maxRedirects = options.maxRedirects ?? 5;
  let current = url;
  for (let redirects = 0; ; redirects++) {
    const response = await requestOnce(current, options);
    const location = response.headers.location;
    if (!REDIRECT_STATUSES.has(response.statusCode ?? 0) || location === undefined) {
      return { response, url: current };
    }

    response.resume();
    if (redirects === maxRedirects) {
      throw new DownloadError(
        `${url} redirected more than ${maxRedirects} times (last to ${location}); check the URL or --base-url`,
        'TOO_MANY_REDIRECTS',
        { details: { url } },
      );
    }
    current = new URL(location, current).toString();
  }
}

function requestOnce(url: string, options: HttpGetOptions): Promise<IncomingMessage> {
  const parsed = parseHttpUrl(url);
  const client = parsed.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    // A fresh connection per request (agent: false) so that no pooled socket
    // closed by the server earlier can fail a retry.
    const request = client.get(parsed, { headers: options.headers ?? {}, agent: false });
    let response: IncomingMessage | undefined;
    request.setTimeout(options.timeoutMs, () => {
      const seconds = options.timeoutMs / 1000;
      const error = new DownloadError(
        `${url} sent nothing for ${seconds} s; the server or the network is slow or down (raise --timeout ` +
          'if the connection is just slow)',
        'TIMEOUT',
        { retryable: true, details: { url } },
      );
      if (response) response.destroy(error);
      request.destroy(error);
    });
    request.on('response', (incoming) => {
      response = incoming;
      // The reader of the body receives its errors through iteration. This
      // listener only keeps an error on a body nobody reads (one drained
      // after an error status) from crashing the process.
      incoming.on('error', () => undefined);
      resolve(incoming);
    });
    request.on('error', (error) => {
      if (error instanceof DownloadError) reject(error);
      else reject(networkError(url, error));
    });
  });
}

function parseHttpUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DownloadError(`${url} is not a valid URL; give an http:// or https:// address`, 'BAD_URL', {
      details: { url },
    });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new DownloadError(`${url} is not an http:// or https:// URL; only those are supported`, 'BAD_URL', {
      details: { url },
    });
  }
  return parsed;
}

/** Wraps a socket-level failure (refused, reset, DNS) of a request to `url` in a retryable `DownloadError`. */
export function networkError(url: string, error: unknown): DownloadError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = code ? `${code}: ${(error as Error).message}` : String(error);
  return new DownloadError(
    `request to ${url} failed (${reason}); check the network connection and the URL`,
    'NETWORK',
    { retryable: true, details: { url, cause: code } },
  );
}
