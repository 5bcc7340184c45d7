import { RetryableSendError, SendOutcomeUnknownError, type SendFailureKind } from './types';

/**
 * What an HTTP send to a platform (WhatsApp, Instagram, LinkedIn) tells about the message. The line that
 * matters is whether any byte of the request may have reached the platform: before it, a failure is certainly
 * "not sent" and may be retried; after it, only the platform's answer can say, and without one the outcome is
 * unknown (a retry could reach the lead twice).
 */

// undici hands a failed connection to fetch's "fetch failed" TypeError as its `cause`. A failure inside these
// system calls happened before the connection existed, so no byte of the request was written: the name did not
// resolve (getaddrinfo: ENOTFOUND, EAI_AGAIN), or connect() failed (ECONNREFUSED, EHOSTUNREACH, ETIMEDOUT).
const BEFORE_CONNECTION_SYSCALLS = new Set(['connect', 'getaddrinfo']);
// undici's own connect timer (ConnectTimeoutError), and an address fetch refuses before connecting.
const BEFORE_CONNECTION_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'ERR_INVALID_URL']);
// The TLS handshake failed (the request is only written after it): certificate verification (OpenSSL's
// verify codes, Node's host-name check) or no common protocol version or cipher.
const TLS_HANDSHAKE =
  /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|HOSTNAME_MISMATCH$|ERR_TLS_CERT_|ERR_SSL_.*(HANDSHAKE|VERSION|PROTOCOL|CERTIFICATE|UNKNOWN_CA|NO_SHARED_CIPHER))/;

interface SystemError extends Error {
  code?: string;
  syscall?: string;
  errors?: unknown[];
}

function failedBeforeConnection(cause: SystemError): boolean {
  // Happy eyeballs (several addresses tried) reports one AggregateError: nothing was written if every try failed so.
  if (Array.isArray(cause.errors) && cause.errors.length > 0) return cause.errors.every((e) => failedBeforeConnection(e as SystemError));
  if (cause.syscall && BEFORE_CONNECTION_SYSCALLS.has(cause.syscall)) return true;
  if (!cause.code) return false;
  return BEFORE_CONNECTION_CODES.has(cause.code) || TLS_HANDSHAKE.test(cause.code);
}

function describe(err: unknown): string {
  const e = err as SystemError & { cause?: SystemError };
  const inner = e?.cause && typeof e.cause === 'object' ? e.cause : e;
  return [inner?.code, inner?.message ?? String(err)].filter(Boolean).join(': ');
}

/**
 * Whether a `fetch` that threw may have put the request on the wire. Certainly not: refused, unresolved, a
 * connect timeout, a failed TLS handshake. Everything else may have: a timeout of the whole exchange
 * (AbortSignal.timeout, headers or body timeout), a connection closed or reset after the request was written
 * ("other side closed", ECONNRESET), or anything not recognised.
 */
export function requestMayHaveArrived(err: unknown): boolean {
  const e = err as SystemError & { cause?: unknown };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return true;
  if (e?.cause && typeof e.cause === 'object') return !failedBeforeConnection(e.cause as SystemError);
  return !(e && typeof e === 'object' && failedBeforeConnection(e));
}

/** The send error for a `fetch` that threw: retryable when nothing reached the platform, otherwise unknown. */
export function transportFailure(platform: string, err: unknown): RetryableSendError | SendOutcomeUnknownError {
  if (requestMayHaveArrived(err)) {
    return new SendOutcomeUnknownError(`${platform} may have the message: no answer after the request was sent (${describe(err)})`, { cause: err });
  }
  return new RetryableSendError(`${platform} could not be reached, nothing was sent (${describe(err)})`);
}

/** POSTs a message to a platform; a failure without an answer is classified by `transportFailure`. */
export async function postMessage(platform: string, url: string, init: { headers: Record<string, string>; body: string; timeoutMs?: number }): Promise<Response> {
  try {
    return await fetch(url, { method: 'POST', headers: init.headers, body: init.body, signal: AbortSignal.timeout(init.timeoutMs ?? 20_000) });
  } catch (err) {
    throw transportFailure(platform, err);
  }
}

/**
 * The JSON body of a 2xx answer. The platform said it took the request, so a body that cannot be read (the
 * connection dropped mid-body, a timeout, not JSON) leaves the outcome unknown.
 */
export async function readAcceptedBody<T>(platform: string, response: Response): Promise<T> {
  try {
    return (await response.json()) as T;
  } catch (err) {
    throw new SendOutcomeUnknownError(`${platform} answered ${response.status} but its body could not be read (${describe(err)})`, { cause: err });
  }
}

/**
 * What a platform's answer other than a 2xx means. Any 5xx is unknown: the platform (or a proxy in front of it)
 * may have taken the message before failing, whatever error code it carries. A 429 is a rate limit, a 401 a
 * broken connection (unless the table says otherwise); any other 4xx is what the adapter's table lists for
 * the platform's code, else a refusal (`rejected`). 1xx/3xx are no answer a platform documents: unknown.
 */
export function failureOfAnswer(status: number, listed: SendFailureKind | undefined): SendFailureKind | 'unknown' {
  if (status < 400 || status >= 500) return 'unknown';
  if (status === 429) return 'rate_limited';
  return listed ?? (status === 401 ? 'connection_broken' : 'rejected');
}
