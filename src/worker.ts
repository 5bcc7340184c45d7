import { Client } from '@temporalio/client';
import { type NativeConnection, Runtime, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { createActivities, type ActivityDeps } from './activities';
import { startForgottenEvents } from './activities/controls';
import { systemClock } from './activities/deps';
import { createChannelRegistry } from './channels/registry';
import { loadConfigOrExit, type Config } from './config';
import { runMigrations } from './db/migrate';
import { createPool } from './db/pool';
import { CHANNELS, type Channel } from './domain/channels';
import { createSecretBox } from './domain/secrets';
import { unsubscribeKeysFor } from './domain/unsubscribe';
import { createLogger } from './logger';
import { createMetrics, type Metrics } from './metrics';
import { serveMetrics } from './metrics-server';
import { createOpenAiModerator, localModerator } from './model/moderation';
import { createOpenAiModel } from './model/openai';
import { createTemplateEngine } from './model/template-engine';
import { connectTemporalClient, connectTemporalWorker, startFailureText, temporalConnectionOptionsOrExit } from './temporal/connection';
import { TemporalLogRouter, WORKFLOW_INTERCEPTOR_MODULES } from './temporal/runtime-logger';
import { ensureSearchAttributes } from './temporal/search-attributes';
import { sendTaskQueue } from './workflows';

/** The runtime this process installed (Temporal allows one per process), and the router its logs go through. */
let installed: { logs?: TemporalLogRouter; metricsBind?: string } | undefined;

export interface TemporalRuntimeOptions {
  /** Where SDK lines not routed to a worker's own logger go (Core's, a worker's before it is routed). */
  logger?: Logger;
  /** host:port for the SDK's own Prometheus exporter (TEMPORAL_METRICS_BIND); unset: no exporter. */
  metricsBind?: string;
}

/**
 * Installs Temporal's runtime once per process, before anything touches it: the SDK's logs (the worker's, the
 * workflows' `log`, Rust Core's warnings) go through pino (runtime-logger.ts), and with `metricsBind` the SDK
 * serves its own metrics (workflow task latencies, poll and slot gauges...) in Prometheus format there. Later calls
 * change nothing; one asking for another exporter than the installed one throws, as that cannot be honoured.
 */
export function installTemporalRuntime(options: TemporalRuntimeOptions = {}): void {
  if (installed) {
    if (options.metricsBind !== undefined && options.metricsBind !== installed.metricsBind) {
      throw new Error(`the Temporal runtime is already installed ${installed.metricsBind ? `with its metrics on ${installed.metricsBind}` : 'without a metrics exporter'}`);
    }
    return;
  }
  const logs = new TemporalLogRouter(options.logger ?? createLogger('warn', { component: 'temporal' }));
  try {
    Runtime.install({
      logger: logs,
      telemetryOptions: {
        // Core's own lines (connection and polling trouble) through the same logger instead of raw stderr.
        logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
        ...(options.metricsBind ? { metrics: { prometheus: { bindAddress: options.metricsBind } } } : {}),
      },
    });
    installed = { logs, metricsBind: options.metricsBind };
  } catch (err) {
    // Instantiated by an earlier caller in this process (a test environment that started first): its logger stays,
    // and an exporter asked for now cannot be added to it.
    if (!/already been (instantiated|installed)/.test((err as Error).message) || options.metricsBind) throw err;
    installed = {};
  }
}

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt bundle (tests share one per run); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkflowBundleOption;
  /** Sends per second per channel across every worker (the platform's throughput cap); unset: unlimited. */
  sendRatePerSecond?: Partial<Record<Channel, number>>;
  /** How old an inbound event without progress must be before the sweep starts its workflow (ms), and how often it looks. */
  sweep?: { afterMs: number; everyMs: number };
}

/** The activities' dependencies as the configuration asks for them: the model, moderation, channels, rules. */
export function activityDepsFromConfig(
  config: Config,
  parts: {
    db: Pool;
    logger: Logger;
    temporal: Client;
    /** The process's registry (npm start shares the API's); unset: one of their own. */
    metrics?: Metrics;
    secretKeys?: readonly string[];
    unsubscribeKeys?: readonly string[];
    sandboxFallback?: boolean;
  },
): ActivityDeps {
  const model = config.openai ? createOpenAiModel(config.openai) : createTemplateEngine();
  const moderator =
    config.openai && config.openai.apiKey !== 'not-needed'
      ? createOpenAiModerator({ apiKey: config.openai.apiKey, baseURL: config.openai.baseURL, timeoutMs: config.openai.timeoutMs })
      : localModerator;
  const { db, logger, temporal } = parts;
  const secretKeys = parts.secretKeys ?? config.secretKeys;
  const secrets = secretKeys.length ? createSecretBox(secretKeys) : undefined;
  return {
    db,
    logger,
    metrics: parts.metrics ?? createMetrics(),
    temporal,
    taskQueue: config.temporal.taskQueue,
    clock: systemClock,
    model,
    moderator,
    channels: createChannelRegistry({
      db,
      logger,
      secrets,
      whatsapp: config.whatsapp,
      instagram: config.instagram,
      linkedin: config.linkedin,
      publicUrl: config.publicUrl ?? `http://localhost:${config.api.port}`,
      unsubscribeKeys: unsubscribeKeysFor(secretKeys, parts.unsubscribeKeys ?? config.unsubscribeKeys).signing,
      sandboxFallback: parts.sandboxFallback ?? config.sandboxFallback ?? false,
    }),
    policy: {
      confidenceThreshold: config.confidenceThreshold,
      reviewTtlMs: config.reviewTtlMs,
      asapDelaySeconds: config.asapDelaySeconds,
      rateLimits: config.rateLimits,
      localModel: config.openai === undefined,
    },
    random: Math.random,
  };
}

/** The workers of one process: the workflows and their activities, and one sender per channel. */
export interface AutopilotWorkers {
  /** Runs every worker (and the sweep) until shutdown(); resolves once all have stopped. */
  run(): Promise<void>;
  shutdown(): void;
}

/**
 * The main worker runs the workflows, their local activities and the model; each channel's sends run on their own
 * task queue, whose rate limit (maxTaskQueueActivitiesPerSecond) the Temporal server enforces across all workers,
 * so a platform's throughput cap holds however many workers run. The sweep starts the workflow of any stored event
 * that never got one (a crash between the insert and the start), once at start and then periodically.
 */
export async function createWorkers(options: WorkerOptions): Promise<AutopilotWorkers> {
  const activities = createActivities(options.deps);
  const main = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('./workflows'), interceptors: { workflowModules: WORKFLOW_INTERCEPTOR_MODULES } }),
    activities,
  });
  const senders = await Promise.all(
    CHANNELS.map((channel) =>
      Worker.create({
        connection: options.connection,
        namespace: options.namespace,
        taskQueue: sendTaskQueue(options.taskQueue, channel),
        activities: { sendReply: activities.sendReply },
        ...(options.sendRatePerSecond?.[channel] ? { maxTaskQueueActivitiesPerSecond: options.sendRatePerSecond[channel] } : {}),
      }),
    ),
  );
  const workers = [main, ...senders];
  // The SDK's lines of these workers (their workflows' and activities' too) go to the activities' logger.
  const unroute = installed?.logs?.route([options.taskQueue, ...CHANNELS.map((channel) => sendTaskQueue(options.taskQueue, channel))], options.deps.logger);
  let sweepTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  const sweep = async () => {
    if (!options.sweep || stopped) return;
    try {
      await startForgottenEvents(options.deps, { olderThanMs: options.sweep.afterMs, limit: 500 });
    } catch (err) {
      options.deps.logger.warn({ event: 'sweep.failed', error: (err as Error).message });
    }
    if (!stopped) sweepTimer = setTimeout(() => void sweep(), options.sweep.everyMs);
  };
  return {
    run: async () => {
      const running = Promise.all(workers.map((w) => w.run()));
      void sweep();
      try {
        await running;
      } finally {
        unroute?.();
      }
    },
    shutdown: () => {
      stopped = true;
      clearTimeout(sweepTimer);
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    },
  };
}

export function requireSetting<T>(value: T | undefined, variable: string, purpose: string): T {
  if (value === undefined) {
    process.stderr.write(`${variable} is required: ${purpose}. (\`npm start\` runs everything embedded instead.)\n`);
    process.exit(78);
  }
  return value;
}

/** `npm run worker`: a worker alone, against the configured PostgreSQL and Temporal. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, { component: 'worker' });
  const databaseUrl = requireSetting(config.databaseUrl, 'DATABASE_URL', 'the worker needs a PostgreSQL database');
  const address = requireSetting(config.temporal.address, 'TEMPORAL_ADDRESS', 'the worker needs a Temporal server');
  const temporalOptions = temporalConnectionOptionsOrExit(config.temporal, address);
  installTemporalRuntime({ logger, metricsBind: config.metrics.temporalBind });
  await runMigrations(databaseUrl, logger);
  const db = createPool(databaseUrl, config.dbPoolSize);
  const clientConnection = await connectTemporalClient(temporalOptions);
  const registered = await ensureSearchAttributes(clientConnection, config.temporal.namespace);
  if (registered.length) logger.info({ event: 'temporal.search_attributes_registered', names: registered });
  const temporal = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
  const connection = await connectTemporalWorker(temporalOptions);
  const metrics = createMetrics();
  // The worker runs no HTTP server of its own: its registry gets a listener when asked (not under npm start, whose
  // API serves one registry for both).
  const metricsServer = config.metrics.workerBind ? await serveMetrics(metrics, config.metrics.workerBind, logger) : undefined;
  const workers = await createWorkers({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    deps: activityDepsFromConfig(config, { db, logger, temporal, metrics }),
    ...(config.temporal.workflowBundle ? { workflowBundle: { codePath: config.temporal.workflowBundle } } : {}),
    sendRatePerSecond: config.sendRatePerSecond,
    sweep: config.sweep,
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => workers.shutdown());
  if (config.secretKeys.length > 1 && !config.unsubscribeKeys) {
    // Mid-rotation without keys of their own, links are signed under keys derived from the secret keys: one
    // dropped from the list takes its links with it.
    logger.warn({ event: 'unsubscribe.keys_derived', advice: 'set AUTOPILOT_UNSUBSCRIBE_KEYS before dropping a secret key, or links signed under it stop working' });
  }
  logger.info({
    event: 'worker.started',
    taskQueue: config.temporal.taskQueue,
    namespace: config.temporal.namespace,
    metrics: metricsServer?.url,
    temporalMetrics: config.metrics.temporalBind,
  });
  await workers.run();
  await metricsServer?.close();
  await connection.close();
  await clientConnection.close();
  await db.end();
  logger.info({ event: 'worker.stopped' });
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${startFailureText(err)}\n`);
    process.exit(1);
  });
}
