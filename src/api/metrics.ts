import { createHash, timingSafeEqual } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import { bearerToken } from './auth';
import { ApiError } from './errors';
import { createRouter, errors } from './openapi';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** `Authorization: Bearer <token>` against the configured token, in constant time (hashes of equal length). */
function carriesToken(header: string | undefined, token: string): boolean {
  const given = bearerToken(header);
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

const scrape = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['Operations'],
  summary: 'Prometheus metrics',
  description:
    'Counters, gauges and histograms of this process in the Prometheus text exposition format (0.0.4): inbound events, ' +
    'outcomes, sends, the review queue, model latency, gate failures, rate-limit deferrals, webhook authentication ' +
    'failures, HTTP requests. No personal data: labels are channels, stages, gates, route patterns and reason codes. ' +
    'With AUTOPILOT_METRICS_TOKEN set it needs `Authorization: Bearer <that token>`; without, none (as Prometheus ' +
    'scrapes by default).',
  security: [{ metricsToken: [] }, {}],
  responses: {
    200: { description: 'The metrics.', content: { 'text/plain': { schema: z.string() } } },
    ...errors({ 401: 'AUTOPILOT_METRICS_TOKEN is set and the request does not carry it as a bearer token (`unauthorized`).' }),
  },
});

/** GET /metrics: the process's registry (under npm start the worker's metrics too: one process, one registry). */
export const metricsRoutes = createRouter().openapi(scrape, async (c) => {
  const { metrics, metricsToken } = c.var.deps;
  if (metricsToken && !carriesToken(c.req.header('authorization'), metricsToken)) {
    c.header('WWW-Authenticate', 'Bearer realm="metrics"');
    throw new ApiError(401, 'unauthorized', 'GET /metrics needs Authorization: Bearer <AUTOPILOT_METRICS_TOKEN>');
  }
  return c.text(await metrics.render(), 200, { 'Content-Type': metrics.contentType });
});
