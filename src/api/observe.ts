import { randomUUID } from 'node:crypto';
import { createMiddleware } from 'hono/factory';
import { matchedRoutes } from 'hono/route';
import type { Context } from 'hono';
import type { ApiDeps, ApiEnv } from './deps';

/** A caller's request id is kept when it is printable ASCII of at most 128 characters (a log line carries it as is). */
const USABLE_REQUEST_ID = /^[\x20-\x7e]{1,128}$/;

/** The caller's X-Request-Id when usable, else a new UUID. */
export function requestIdFrom(header: string | undefined): string {
  const given = header?.trim();
  return given && USABLE_REQUEST_ID.test(given) ? given : randomUUID();
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The route that answers the request (method and pattern), or undefined when none matched. Hono matches every
 * handler before the first middleware runs, so it is known from the start; middleware is listed as method ALL.
 */
export function answeringRoute(c: Context): { method: string; path: string } | undefined {
  return matchedRoutes(c).filter((r) => r.method !== 'ALL').at(-1);
}

/**
 * The route pattern that answered (`/v1/events/:id`), never the path itself: the path holds ids and tokens, and a
 * label per path would grow without bound. A request no route matched is `unmatched`.
 */
function routePattern(c: Context): string {
  return answeringRoute(c)?.path ?? 'unmatched';
}

/** Polled by machines every few seconds (health checks, Prometheus): their lines are debug, not info. */
const POLLED = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Every request: its id (the caller's X-Request-Id if usable, else a new one), sent back in X-Request-Id and bound
 * into the logger handlers use (`c.var.logger`, and `c.var.deps.logger`, so code given the deps logs with it too);
 * then one line (method, route pattern, status, duration) and the HTTP metrics. The first middleware: it provides the
 * deps every handler reads.
 */
export const observeRequests = (deps: ApiDeps) =>
  createMiddleware<ApiEnv>(async (c, next) => {
    const started = performance.now();
    const requestId = requestIdFrom(c.req.header('x-request-id'));
    const logger = deps.logger.child({ requestId });
    c.set('requestId', requestId);
    c.set('logger', logger);
    c.set('deps', { ...deps, logger });
    c.header('X-Request-Id', requestId);
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = routePattern(c);
    const method = METHODS.has(c.req.method) ? c.req.method : 'other';
    const status = c.res.status;
    deps.metrics.httpRequest(method, route, status, seconds);
    const line = { event: 'http.request', method, route, status, durationMs: Math.round(seconds * 10_000) / 10, userId: c.get('userId') };
    if (POLLED.has(route)) logger.debug(line);
    else logger.info(line);
  });
