import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { loadConfigOrExit, type Config } from './config';
import { startEmbeddedPostgres } from './db/embedded-postgres';
import { runMigrations } from './db/migrate';
import { createPool } from './db/pool';
import { startSmtpSink } from './channels/smtp-sink';
import { saveDefaultConnections } from './channels/default-connections';
import { ensureDevUser, generateApiKey } from './db/users';
import { createSecretBox } from './domain/secrets';
import { deriveUnsubscribeKey } from './domain/unsubscribe';
import { createLogger, type Logger } from './logger';
import { apiDepsFromConfig, apiMetrics, startApiServer } from './server';
import { connectTemporalClient, connectTemporalWorker, temporalConnectionOptions } from './temporal/connection';
import { startTemporalDevServer } from './temporal/dev-server';
import { ensureSearchAttributes } from './temporal/search-attributes';
import { activityDepsFromConfig, createWorkers, installTemporalRuntime } from './worker';

/**
 * `npm start`: the whole system on embedded defaults: PostgreSQL (unless DATABASE_URL), the Temporal dev
 * server (unless TEMPORAL_ADDRESS), migrations, a worker and the API. Ctrl-C or SIGTERM stops everything it
 * started, in reverse order; the next start finds the same data in AUTOPILOT_DATA_DIR.
 */

type Stopper = { name: string; stop: () => Promise<unknown> };

/** A secret generated once and kept in the data directory (mode 600). */
function keptSecret(dataDir: string, name: string, generate: () => string = () => generateApiKey()): string {
  const file = path.join(dataDir, name);
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const value = generate();
  fs.writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}

function devApiKey(config: Config): string {
  return config.devApiKey ?? keptSecret(config.dataDir, 'dev-api-key');
}

async function stopAll(stoppers: Stopper[], logger: Logger): Promise<void> {
  for (const { name, stop } of [...stoppers].reverse()) {
    try {
      await stop();
      logger.debug({ event: 'dev.stopped', part: name });
    } catch (err) {
      logger.error({ event: 'dev.stop_failed', part: name, error: (err as Error).message });
    }
  }
  stoppers.length = 0;
}

async function start(config: Config, logger: Logger, stoppers: Stopper[]): Promise<void> {
  fs.mkdirSync(config.dataDir, { recursive: true });
  // Before anything touches Temporal's runtime (the dev server launcher does).
  installTemporalRuntime({ logger, metricsBind: config.metrics.temporalBind });
  // TLS and the API key are for the configured Temporal (certificate files read now: a bad one stops the start
  // before anything runs); the embedded dev server speaks plaintext on loopback.
  const configuredTemporal = config.temporal.address ? temporalConnectionOptions(config.temporal, config.temporal.address) : undefined;
  if (!configuredTemporal && (config.temporal.tls || config.temporal.apiKey)) {
    logger.warn({ event: 'dev.temporal_tls_ignored', reason: 'TEMPORAL_ADDRESS is unset: the embedded dev server is plaintext' });
  }

  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.embeddedPostgres.port,
      runtimeDir: config.embeddedPostgres.runtimeDir,
      logger,
    });
    stoppers.push({ name: 'postgres', stop: pg.stop });
    databaseUrl = pg.url;
  }

  let temporalOptions = configuredTemporal;
  let uiUrl = config.temporal.uiUrl;
  if (!temporalOptions) {
    const server = await startTemporalDevServer({
      dataDir: config.dataDir,
      cliPath: config.temporal.cliPath,
      namespace: config.temporal.namespace,
      port: config.temporal.devServerPort,
      uiPort: config.temporal.uiPort,
      durability: config.temporal.devDurability,
      logger,
    });
    stoppers.push({ name: 'temporal', stop: server.stop });
    temporalOptions = temporalConnectionOptions({}, server.address);
    uiUrl = uiUrl ?? server.uiUrl;
  }
  const address = temporalOptions.address;

  await runMigrations(databaseUrl, logger);
  const db = createPool(databaseUrl, config.dbPoolSize);
  stoppers.push({ name: 'database pool', stop: () => db.end() });
  const secretKeys = config.secretKeys.length ? config.secretKeys : [keptSecret(config.dataDir, 'secret-key')];
  // Unsubscribe links get their own key, made from the secret key once and then kept: links already in
  // mailboxes keep working when the secret key rotates.
  const unsubscribeKeys = config.unsubscribeKeys ?? [keptSecret(config.dataDir, 'unsubscribe-key', () => deriveUnsubscribeKey(secretKeys[0]!))];
  const secrets = createSecretBox(secretKeys);

  // The dev user's API key is printed below and kept in the data directory: against a database of your own
  // (DATABASE_URL) it is created only when asked.
  const createDevUser = config.createDevUser ?? !config.databaseUrl;
  if (!createDevUser && config.devApiKey) logger.warn({ event: 'dev.dev_user_not_created', reason: 'AUTOPILOT_DEV_API_KEY is set but AUTOPILOT_CREATE_DEV_USER is not true' });
  const key = createDevUser ? devApiKey(config) : undefined;
  const devUserId = key ? await ensureDevUser(db, key) : undefined;
  // Email for the dev user: the SMTP server from SMTP_*, or a local sink that keeps every mail as an .eml file.
  let mailDir: string | undefined;
  let email = config.email.defaultConnection;
  if (devUserId) {
    if (!email) {
      mailDir = path.join(config.dataDir, 'mail');
      const sink = await startSmtpSink({ port: config.email.sinkPort, dir: mailDir, logger });
      stoppers.push({ name: 'smtp sink', stop: sink.stop });
      email = { host: '127.0.0.1', port: sink.port, secure: false, from: 'sales@autopilot.localhost' };
    }
    await saveDefaultConnections(db, secrets, devUserId, config, email);
  }

  const clientConnection = await connectTemporalClient(temporalOptions);
  stoppers.push({ name: 'temporal client', stop: () => clientConnection.close() });
  await ensureSearchAttributes(clientConnection, config.temporal.namespace);
  const temporal = new Client({ connection: clientConnection, namespace: config.temporal.namespace });

  // One process, one registry: the API's /metrics shows the worker's counters too.
  const metrics = apiMetrics(db, logger);
  if (config.metrics.workerBind) logger.info({ event: 'dev.worker_metrics_on_api', reason: 'npm start serves every metric on the API: AUTOPILOT_WORKER_METRICS_BIND is for npm run worker' });

  const workerConnection = await connectTemporalWorker(temporalOptions);
  stoppers.push({ name: 'worker connection', stop: () => workerConnection.close() });
  const workers = await createWorkers({
    connection: workerConnection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    deps: activityDepsFromConfig(config, { db, logger, temporal, metrics, secretKeys, unsubscribeKeys, sandboxFallback: config.sandboxFallback ?? true }),
    ...(config.temporal.workflowBundle ? { workflowBundle: { codePath: config.temporal.workflowBundle } } : {}),
    sendRatePerSecond: config.sendRatePerSecond,
    sweep: config.sweep,
  });
  const running = workers.run();
  stoppers.push({
    name: 'worker',
    stop: async () => {
      workers.shutdown();
      await running;
    },
  });
  running.catch((err) => logger.error({ event: 'worker.failed', error: (err as Error).message }));

  const api = await startApiServer(apiDepsFromConfig(config, { db, temporal, logger, metrics, secretKeys, unsubscribeKeys }), config.api.host, config.api.port);
  stoppers.push({ name: 'api', stop: api.close });

  const filter = encodeURIComponent('AutopilotStage IS NOT NULL');
  const banner = [
    '',
    'Autopilot is running.',
    `  API              ${api.url}`,
    `  Review page      ${api.url}/review`,
    `  Temporal UI      ${uiUrl ?? '(set TEMPORAL_UI_URL)'}/namespaces/${config.temporal.namespace}/workflows?query=${filter}`,
    `  Temporal         ${address}  (namespace ${config.temporal.namespace}, task queue ${config.temporal.taskQueue})`,
    `  Metrics          ${api.url}/metrics${config.metrics.temporalBind ? `  (Temporal SDK: http://${config.metrics.temporalBind}/metrics)` : ''}`,
    `  Dev API key      ${key ?? 'none: DATABASE_URL is set (AUTOPILOT_CREATE_DEV_USER=true creates the dev user; or npm run user:create -- <slug>)'}`,
    `  Data             ${config.dataDir}`,
    `  Email            ${mailDir ? `local SMTP sink: caught mail in ${mailDir}` : email ? `SMTP ${email.host}:${email.port}` : 'each user connects their own (PUT /v1/channels/email)'}`,
    '',
    'Try it:',
    `  curl -s -X POST ${api.url}/v1/events -H "Authorization: Bearer ${key ?? '<API key>'}" -H "Content-Type: application/json" \\`,
    `    -d '{"channel":"whatsapp","externalId":"wamid.demo-1","contact":{"handle":"+491701234567"},"text":"Was kostet das?"}'`,
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
  process.stdout.write(banner);
  logger.info({ event: 'dev.ready', api: api.url, temporal: address, ui: uiUrl });
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel, { component: 'dev' });
  const stoppers: Stopper[] = [];
  let stopping = false;
  const shutdown = async (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    logger.info({ event: 'dev.stopping', reason });
    await stopAll(stoppers, logger);
    logger.info({ event: 'dev.stopped' });
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (stopping) {
        logger.warn({ event: 'dev.already_stopping', signal });
        return;
      }
      void shutdown(signal, 0);
    });
  }
  try {
    await start(config, logger, stoppers);
  } catch (err) {
    process.stderr.write(`\nAutopilot could not start: ${(err as Error).message}\n`);
    logger.debug({ event: 'dev.start_failed', err });
    await shutdown('start failed', 1);
  }
}

void main();
