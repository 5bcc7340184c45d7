import { Hono } from 'hono';
import type { ApiEnv } from './deps';
import { errorBody } from './errors';

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

export const health = new Hono<ApiEnv>()
  .get('/healthz', (c) => c.json({ status: 'ok' }))
  .get('/readyz', async (c) => {
    const { db, temporal } = c.var.deps;
    const [postgres, temporalCheck] = await Promise.all([
      check(() => db.query('SELECT 1'), 'postgres'),
      check(() => temporal.workflowService.getSystemInfo({}), 'temporal'),
    ]);
    const checks = { postgres, temporal: temporalCheck };
    const failing = Object.entries(checks).filter(([, v]) => v !== 'ok').map(([k]) => k);
    // Channel connections that need a person (an expired token): shown, not failing readiness.
    const channels =
      postgres === 'ok'
        ? await db
            .query<{ channel: string; broken: number }>(
              `SELECT channel, count(*)::int AS broken FROM channel_connections WHERE status = 'broken' GROUP BY channel ORDER BY channel`,
            )
            .then((r) => ({ brokenConnections: Object.fromEntries(r.rows.map((row) => [row.channel, row.broken])), secretKey: Boolean(c.var.deps.secrets) }))
            .catch(() => undefined)
        : undefined;
    if (failing.length === 0) return c.json({ status: 'ready', checks, channels });
    return c.json(
      { status: 'unavailable', checks, channels, ...errorBody('not_ready', `${failing.join(' and ')} ${failing.length > 1 ? 'do' : 'does'} not answer`) },
      503,
    );
  });
