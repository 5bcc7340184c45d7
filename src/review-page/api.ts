/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import type { ReviewBatchResultView, ReviewDecidedView, ReviewThreadView, ReviewView } from '../api/reviews';

/** A call the API refused or could not answer: its status and the error body's code and message. */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiCallError';
  }
}

/** The /v1 review routes, called with the reviewer's key. */
export function createReviewApi(key: () => string) {
  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown, idempotencyKey?: string): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${key()}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    let response: Response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiCallError(0, 'network_error', 'the server did not answer; check the connection and try again');
    }
    const data = (await response.json().catch(() => undefined)) as { error?: { code: string; message: string } } | undefined;
    if (!response.ok) {
      throw new ApiCallError(response.status, data?.error?.code ?? 'http_error', data?.error?.message ?? `${response.status} ${response.statusText}`);
    }
    return data as T;
  }
  // One key per decision: a request retried after a lost answer gets the first outcome instead of a second decision.
  const decision = (id: string, action: 'approve' | 'skip' | 'sent', body: object) =>
    call<ReviewDecidedView>('POST', `/v1/reviews/${encodeURIComponent(id)}/${action}`, body, crypto.randomUUID());

  return {
    queue: () => call<{ reviews: ReviewView[] }>('GET', '/v1/reviews?limit=200').then((r) => r.reviews),
    thread: (id: string) => call<ReviewThreadView>('GET', `/v1/reviews/${encodeURIComponent(id)}/thread?limit=20`),
    approve: (id: string, text?: string) => decision(id, 'approve', text === undefined ? {} : { text }),
    skip: (id: string, reason?: string) => decision(id, 'skip', reason ? { reason } : {}),
    confirmSent: (id: string) => decision(id, 'sent', {}),
    approveBatch: (reviewIds: string[]) =>
      call<{ results: ReviewBatchResultView[] }>('POST', '/v1/reviews/approve', { reviewIds }, crypto.randomUUID()).then((r) => r.results),
  };
}

export type ReviewApi = ReturnType<typeof createReviewApi>;
