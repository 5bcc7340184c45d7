import { Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { createActivities, type Clock } from './activities';
import { systemClock } from './activities/deps';
import { loadConfigOrExit } from './config';
import { runMigrations } from './db/migrate';
import { createPool } from './db/pool';
import { createLogger } from './logger';
import { ensureSearchAttributes } from './temporal/search-attributes';

let runtimeInstalled = false;

/** Temporal's own runtime logs warnings and above; ours go through pino. Installable once per process. */
export function installTemporalRuntime(): void {
  if (runtimeInstalled) return;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch (err) {
    // Already installed by an earlier caller in this process (jest runs every test file in one process).
    if (!/already been instantiated/.test((err as Error).message)) throw err;
  }
  runtimeInstalled = true;
}

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Pool;
  logger: Logger;
  clock?: Clock;
  /** A prebuilt bundle (tests share one per run); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkflowBundleOption;
}

export function createWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: require.resolve('./workflows') }),
    activities: createActivities({ db: options.db, logger: options.logger, clock: options.clock ?? systemClock }),
  });
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
  installTemporalRuntime();
  await runMigrations(databaseUrl, logger);
  const db = createPool(databaseUrl);
  const client = await Connection.connect({ address });
  const registered = await ensureSearchAttributes(client, config.temporal.namespace);
  if (registered.length) logger.info({ event: 'temporal.search_attributes_registered', names: registered });
  await client.close();
  const connection = await NativeConnection.connect({ address });
  const worker = await createWorker({ connection, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, db, logger });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => worker.shutdown());
  logger.info({ event: 'worker.started', taskQueue: config.temporal.taskQueue, namespace: config.temporal.namespace });
  await worker.run();
  await connection.close();
  await db.end();
  logger.info({ event: 'worker.stopped' });
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}
