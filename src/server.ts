import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Client } from '@temporalio/client';
import { createApp } from './api/app';
import type { ApiDeps } from './api/deps';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { loadConfigOrExit, type Config } from './config';
import { createSecretBox } from './domain/secrets';
import { unsubscribeKeysFor } from './domain/unsubscribe';
import { runMigrations } from './db/migrate';
import { createPool } from './db/pool';
import { createLogger } from './logger';
import { createMetrics, type Metrics } from './metrics';
import { reviewQueueDepth } from './db/review-queue';
import { connectTemporalClient, startFailureText, temporalConnectionOptionsOrExit } from './temporal/connection';
import { WorkflowStarter } from './temporal/starter';
import { requireSetting } from './worker';

export interface RunningApi {
  url: string;
  close(): Promise<void>;
}

/** The API's dependencies as the configuration asks for them. */
export function apiDepsFromConfig(
  config: Config,
  parts: {
    db: Pool;
    temporal: Client;
    logger: Logger;
    /** The process's registry (npm start shares it with the worker); unset: one of its own. */
    metrics?: Metrics;
    secretKeys?: readonly string[];
    unsubscribeKeys?: readonly string[];
  },
): ApiDeps {
  const secretKeys = parts.secretKeys ?? config.secretKeys;
  const unsubscribe = unsubscribeKeysFor(secretKeys, parts.unsubscribeKeys ?? config.unsubscribeKeys);
  return {
    db: parts.db,
    temporal: parts.temporal,
    logger: parts.logger,
    metrics: parts.metrics ?? apiMetrics(parts.db, parts.logger),
    metricsToken: config.metrics.token,
    taskQueue: config.temporal.taskQueue,
    starter: new WorkflowStarter(parts.temporal, config.temporal.taskQueue, parts.logger),
    confidenceThreshold: config.confidenceThreshold,
    secrets: secretKeys.length ? createSecretBox(secretKeys) : undefined,
    unsubscribeKeys: unsubscribe.verifying.length ? unsubscribe.verifying : undefined,
    webhooks: {
      whatsapp: { appSecret: config.whatsapp.appSecret, verifyToken: config.whatsapp.verifyToken },
      instagram: { appSecret: config.instagram.appSecret, verifyToken: config.instagram.verifyToken },
      email: { inboundToken: config.email.inboundToken, authservId: config.email.authservId },
    },
  };
}

/** The API's registry: the review queue is read from PostgreSQL at every scrape. */
export function apiMetrics(db: Pool, logger: Logger): Metrics {
  return createMetrics({ reviewQueue: () => reviewQueueDepth(db), logger });
}

/** Serves the API on host:port (port 0 picks a free one). */
export function startApiServer(deps: ApiDeps, host: string, port: number): Promise<RunningApi> {
  return new Promise((resolve, reject) => {
    let server: ServerType | undefined = undefined;
    server = serve({ fetch: createApp(deps).fetch, hostname: host, port }, (info: AddressInfo) => {
      const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
      resolve({
        url: `http://${shownHost}:${info.port}`,
        close: async () => {
          await new Promise<void>((done) => {
            server?.close(() => done());
            // Keep-alive connections would hold close() open until they time out.
            (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          });
          // Accepted events whose workflows have not started yet: a few seconds to start them (the sweep has the rest).
          await deps.starter.stop();
        },
      });
    });
    server.once('error', reject);
  });
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');

/** `npm run api`: the API alone, against the configured PostgreSQL and Temporal. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, { component: 'api' });
  const databaseUrl = requireSetting(config.databaseUrl, 'DATABASE_URL', 'the API needs a PostgreSQL database');
  const address = requireSetting(config.temporal.address, 'TEMPORAL_ADDRESS', 'the API needs a Temporal server');
  const temporalOptions = temporalConnectionOptionsOrExit(config.temporal, address);
  await runMigrations(databaseUrl, logger);
  const db = createPool(databaseUrl, config.dbPoolSize);
  const connection = await connectTemporalClient(temporalOptions);
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const api = await startApiServer(apiDepsFromConfig(config, { db, temporal, logger }), config.api.host, config.api.port);
  logger.info({ event: 'api.started', url: api.url, metricsToken: Boolean(config.metrics.token) });
  if (!config.metrics.token && !isLoopback(config.api.host)) {
    // Aggregates only (no personal data), but the API's port usually faces the internet for the webhooks.
    logger.warn({ event: 'metrics.open', advice: 'GET /metrics answers anyone who reaches the API: set AUTOPILOT_METRICS_TOKEN or block /metrics at the proxy' });
  }
  const stop = async () => {
    await api.close();
    await connection.close();
    await db.end();
    logger.info({ event: 'api.stopped' });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop());
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${startFailureText(err)}\n`);
    process.exit(1);
  });
}
