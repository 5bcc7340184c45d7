import type { Client } from '@temporalio/client';
import { createMiddleware } from 'hono/factory';
import type { Pool } from 'pg';
import type { Logger } from 'pino';

export interface ApiDeps {
  db: Pool;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  /** The installation's AUTOPILOT_CONFIDENCE_THRESHOLD, shown beside a user's own. */
  confidenceThreshold: number;
}

export interface ApiEnv {
  Variables: { deps: ApiDeps; userId: string; apiKeyId: string };
}

export const provideDeps = (deps: ApiDeps) =>
  createMiddleware<ApiEnv>(async (c, next) => {
    c.set('deps', deps);
    await next();
  });
