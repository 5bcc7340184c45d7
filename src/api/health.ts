import { createRoute, z } from '@hono/zod-openapi';
import { errorBody } from './errors';
import { readApiKey, requireRole } from './auth';
import { apiKeyAuth, createRouter, ErrorBody, errors, json } from './openapi';

const CHECK_TIMEOUT_MS = 3000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function check(run: () => Promise<unknown>, what: string): Promise<string> {
  try {
    await withTimeout(run(), what);
    return 'ok';
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

const Checks = z
  .object({
    postgres: z.string().openapi({ description: '`ok`, or `error: ` and why' }),
    temporal: z.string().openapi({ description: '`ok`, or `error: ` and why' }),
  })
  .optional()
  .openapi({ description: 'with an admin key' });
// Channel connections that need a person (an expired token): shown, not failing readiness.
const ChannelHealth = z
  .object({ brokenConnections: z.record(z.string(), z.number().int()), secretKey: z.boolean() })
  .optional()
  .openapi({ description: 'with an admin key; absent when PostgreSQL does not answer' });

const liveness = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['Health'],
  summary: 'The process is up',
  security: [],
  responses: { 200: json(z.object({ status: z.literal('ok') }), 'Up.') },
});

const readiness = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['Health'],
  summary: 'PostgreSQL and Temporal both answer',
  description:
    'Without a key, only whether the service is ready (`status`), for load balancers and orchestrators. With an admin ' +
    'key also each check, the broken channel connections of all users and whether a secret key is set; when PostgreSQL ' +
    'does not answer, no key can be checked and the answer is `status` alone.',
  // The key is optional here: `{}` is the requirement of no authentication.
  security: [{}, ...apiKeyAuth],
  responses: {
    200: json(z.object({ status: z.literal('ready'), checks: Checks, channels: ChannelHealth }), 'Ready.'),
    503: json(
      z.object({ status: z.literal('unavailable'), checks: Checks, channels: ChannelHealth, error: ErrorBody.shape.error.optional() }),
      'Not ready; with an admin key `error.message` names what does not answer (`not_ready`).',
    ),
    ...errors(401, { 403: 'The details need a key with role `admin` (`forbidden`); without a key the status alone is answered.' }),
  },
});

export const health = createRouter()
  .openapi(liveness, (c) => c.json({ status: 'ok' as const }, 200))
  .openapi(readiness, async (c) => {
    const { db, temporal } = c.var.deps;
    const [postgres, temporalCheck] = await Promise.all([
      check(() => db.query('SELECT 1'), 'postgres'),
      check(() => temporal.workflowService.getSystemInfo({}), 'temporal'),
    ]);
    const checks = { postgres, temporal: temporalCheck };
    const failing = Object.entries(checks).filter(([, v]) => v !== 'ok').map(([k]) => k);
    // What does not answer goes to the log as well: a caller without an admin key (a probe) is told only `unavailable`.
    if (failing.length) c.var.deps.logger.warn({ event: 'api.not_ready', checks });
    // The details name hosts, ports and the connections' state: an admin's. A key is checked only against a database
    // that answers; without one the caller gets the status alone, as without a key.
    const owner = postgres === 'ok' ? await readApiKey(c) : undefined;
    if (owner) requireRole(owner, 'admin');
    if (!owner) return failing.length === 0 ? c.json({ status: 'ready' as const }, 200) : c.json({ status: 'unavailable' as const }, 503);
    const channels = await db
      .query<{ channel: string; broken: number }>(
        `SELECT channel, count(*)::int AS broken FROM channel_connections WHERE status = 'broken' GROUP BY channel ORDER BY channel`,
      )
      .then((r) => ({ brokenConnections: Object.fromEntries(r.rows.map((row) => [row.channel, row.broken])), secretKey: Boolean(c.var.deps.secrets) }))
      .catch(() => undefined);
    if (failing.length === 0) return c.json({ status: 'ready' as const, checks, channels }, 200);
    return c.json(
      {
        status: 'unavailable' as const,
        checks,
        channels,
        ...errorBody('not_ready', `${failing.join(' and ')} ${failing.length > 1 ? 'do' : 'does'} not answer`),
      },
      503,
    );
  });
