import crypto from 'node:crypto';
import type { DestinationStream } from 'pino';
import { Client } from '@temporalio/client';
import { addApiKey, generateApiKey, upsertUser } from '../../src/db/users';
import { createLogger } from '../../src/logger';
import type { Metrics } from '../../src/metrics';
import { apiDepsFromConfig, apiMetrics, startApiServer } from '../../src/server';
import type { ActivityDeps } from '../../src/activities';
import { loadConfig } from '../../src/config';
import { connectTemporalClient, connectTemporalWorker, temporalConnectionOptions } from '../../src/temporal/connection';
import { activityDepsFromConfig, createWorkers, installTemporalRuntime } from '../../src/worker';
import { createTestDatabase, type TestDatabase } from './database';
import { testServers } from './servers';
import { waitFor } from './wait';

export interface TestUser {
  id: string;
  key: string;
}

export interface Stack {
  url: string;
  db: TestDatabase['pool'];
  temporal: Client;
  taskQueue: string;
  /** The registry the API and the worker share (as under npm start). */
  metrics: Metrics;
  user: TestUser;
  createUser(): Promise<TestUser>;
  request(
    method: string,
    path: string,
    options?: { body?: unknown; rawBody?: string; key?: string | null; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any }>;
  waitForStage(eventId: string, stage: string, key?: string): Promise<any>;
  /** `POST /v1/events` as `user`, which must answer 202: the stored event's ids. */
  postEvent(user: TestUser, event: Record<string, unknown>): Promise<{ eventId: string; workflowId: string }>;
  /** A `PUT` (settings, contact settings, facts…) as `user`, which must answer 200: the answer's body. */
  put(user: TestUser, path: string, body: unknown): Promise<any>;
  /** The send job of an event (id, status, attempts, last_error), or undefined before there is one. */
  sendJob(eventId: string): Promise<SendJob | undefined>;
  /** Waits until an attempt to send the event's reply has failed: the job with its last_error. */
  waitForSendError(eventId: string): Promise<SendJob>;
  close(): Promise<void>;
}

export interface SendJob {
  id: string;
  status: string;
  attempts: number;
  last_error: string | null;
}

/**
 * The production wiring on the shared servers: a fresh database, a worker on its own task queue, and the API
 * on a real port, reached over HTTP.
 */
export interface StackOptions {
  /** Environment variables for the stack's config (as an operator would set them). */
  env?: Record<string, string>;
  /** Replace parts of the activities' dependencies (a clock set to a chosen moment, a crashing adapter…). */
  deps?: (deps: ActivityDeps) => Partial<ActivityDeps>;
  /** Where the stack's logs go, at info (a test reads them); unset: TEST_LOG_LEVEL (default silent) on stdout. */
  logDestination?: DestinationStream;
}

/** A JSON body parsed; anything else (the metrics' text) as it came. */
function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const servers = testServers();
  const logger = options.logDestination
    ? createLogger('info', { component: 'test' }, options.logDestination)
    : createLogger(process.env.TEST_LOG_LEVEL ?? 'silent', { component: 'test' });
  // As under npm start, a channel without a connection records its replies in the sandbox outbox.
  const taskQueue = `test-${crypto.randomUUID()}`;
  const config = loadConfig({ AUTOPILOT_SANDBOX_FALLBACK: 'true', TEMPORAL_TASK_QUEUE: taskQueue, ...options.env });
  installTemporalRuntime({ logger, metricsBind: config.metrics.temporalBind });
  // The production connections: the shared dev server, or what the env names (TEMPORAL_ADDRESS with TLS…).
  const temporalOptions = temporalConnectionOptions(config.temporal, config.temporal.address ?? servers.temporalAddress);
  const database = await createTestDatabase();
  const metrics = apiMetrics(database.pool, logger);
  const clientConnection = await connectTemporalClient(temporalOptions);
  const temporal = new Client({ connection: clientConnection, namespace: 'default' });
  const base = activityDepsFromConfig(config, { db: database.pool, logger, temporal, metrics });
  const workerConnection = await connectTemporalWorker(temporalOptions);
  const workers = await createWorkers({
    connection: workerConnection,
    namespace: 'default',
    taskQueue,
    deps: { ...base, ...options.deps?.(base) },
    workflowBundle: { codePath: servers.workflowBundlePath },
    sendRatePerSecond: config.sendRatePerSecond,
    sweep: config.sweep,
  });
  const running = workers.run();
  const api = await startApiServer(apiDepsFromConfig(config, { db: database.pool, temporal, logger, metrics }), '127.0.0.1', 0);

  const createUser = async (): Promise<TestUser> => {
    const id = await upsertUser(database.pool, { slug: `user-${crypto.randomUUID()}`, name: 'Test user' });
    const key = generateApiKey();
    await addApiKey(database.pool, id, key, 'test', 'admin');
    return { id, key };
  };
  const user = await createUser();

  const request: Stack['request'] = async (method, path, options = {}) => {
    const key = options.key === undefined ? user.key : options.key;
    const headers: Record<string, string> = { ...options.headers };
    if (key !== null) headers.authorization = `Bearer ${key}`;
    let body: string | undefined;
    if (options.rawBody !== undefined || options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = options.rawBody ?? JSON.stringify(options.body);
    }
    const response = await fetch(`${api.url}${path}`, { method, headers, body });
    const text = await response.text();
    return { status: response.status, body: text ? parsedOrText(text) : undefined };
  };

  const sendJob: Stack['sendJob'] = async (eventId) =>
    (await database.pool.query<SendJob>('SELECT id, status, attempts, last_error FROM autopilot_jobs WHERE message_event_id = $1', [eventId])).rows[0];

  return {
    url: api.url,
    db: database.pool,
    temporal,
    taskQueue,
    metrics,
    user,
    createUser,
    request,
    waitForStage: (eventId, stage, key) =>
      waitFor(async () => {
        const { body } = await request('GET', `/v1/events/${eventId}`, { key });
        return body?.stage === stage ? body : undefined;
      }, `event ${eventId} to reach stage ${stage}`),
    postEvent: async (user, event) => {
      const response = await request('POST', '/v1/events', { body: event, key: user.key });
      expect(response.status).toBe(202);
      return response.body;
    },
    put: async (user, path, body) => {
      const response = await request('PUT', path, { body, key: user.key });
      expect(response.status).toBe(200);
      return response.body;
    },
    sendJob,
    waitForSendError: (eventId) =>
      waitFor(async () => {
        const job = await sendJob(eventId);
        return job?.last_error ? job : undefined;
      }, 'an attempt to send to fail'),
    close: async () => {
      await api.close();
      workers.shutdown();
      await running;
      await workerConnection.close();
      await clientConnection.close();
      await database.drop();
    },
  };
}
