import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';

/** An error a client can act on: a status, a stable code, a message, and the request field at fault. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);

export function errorBody(code: string, message: string, field?: string) {
  return { error: { code, message, ...(field ? { field } : {}) } };
}

/** The one place errors become responses. An unexpected error is logged with the request's id (observe.ts). */
export function handleError(logger: Logger) {
  return (err: Error, c: Context) => {
    if (err instanceof ApiError) return c.json(errorBody(err.code, err.message, err.field), err.status);
    if (err instanceof HTTPException) {
      if (err.status === 400 && /json/i.test(err.message)) return c.json(errorBody('malformed_json', 'the request body is not valid JSON'), 400);
      // The route validators refuse a body in another media type than the one the route describes.
      if (err.status === 415) return c.json(errorBody('unsupported_media_type', 'send the body as application/json'), 415);
      return c.json(errorBody('bad_request', err.message), err.status);
    }
    const log = (c.get('logger') as Logger | undefined) ?? logger;
    log.error({ event: 'api.unhandled_error', err, path: c.req.path, method: c.req.method });
    return c.json(errorBody('internal_error', 'an internal error occurred'), 500);
  };
}
