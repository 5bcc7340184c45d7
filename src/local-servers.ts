import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres, type RunningPostgres } from './db/embedded-postgres';
import { runMigrations } from './db/migrate';
import type { Logger } from './logger';
import { freePort, startTemporalDevServer, type DevServerOptions, type RunningDevServer } from './temporal/dev-server';

export interface LocalServers {
  /** The temporary folder the servers keep their data in (a caller may write beside them, e.g. a workflow bundle). */
  root: string;
  pg: RunningPostgres;
  temporal: RunningDevServer;
  /** Stops Temporal, then PostgreSQL, and removes the folder. */
  stop(): Promise<void>;
}

/**
 * A throwaway PostgreSQL (migrated) and Temporal dev server on free ports, in a new temporary folder named after
 * `prefix`: what the test run, the benchmark, the fuzz tier and the history recorder each start. The Temporal CLI is
 * found as under npm start (TEMPORAL_CLI_PATH, PATH, the project's copy). npm start itself keeps its data in
 * ./.autopilot on fixed ports (src/dev.ts).
 */
export async function startLocalServers(
  prefix: string,
  logger: Logger,
  options: { durability?: DevServerOptions['durability'] } = {},
): Promise<LocalServers> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(root, 0o755); // the postgres user (when run as root) must be able to enter it
  const stops: (() => Promise<unknown>)[] = [async () => fs.rmSync(root, { recursive: true, force: true })];
  const stop = async () => {
    for (const next of stops.splice(0).reverse()) await next();
  };
  try {
    const dataDir = path.join(root, 'data');
    const pg = await startEmbeddedPostgres({ dataDir, port: await freePort(), runtimeDir: path.join(root, 'runtime'), logger });
    stops.push(() => pg.stop());
    await runMigrations(pg.url, logger);
    const temporal = await startTemporalDevServer({
      dataDir,
      cliPath: process.env.TEMPORAL_CLI_PATH || undefined,
      namespace: 'default',
      port: await freePort(),
      durability: options.durability,
      logger,
    });
    stops.push(() => temporal.stop());
    return { root, pg, temporal, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
