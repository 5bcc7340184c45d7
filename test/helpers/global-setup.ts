import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres';
import { runMigrations } from '../../src/db/migrate';
import { createLogger } from '../../src/logger';
import { freePort, startTemporalDevServer } from '../../src/temporal/dev-server';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../../src/temporal/runtime-logger';
import type { TestServers } from './servers';

/**
 * Once per `jest` run: a real PostgreSQL (migrated; each test file then copies it as a template), a real
 * Temporal dev server, and the workflow bundle every test file's worker shares.
 */
export default async function globalSetup(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'autopilot-test-'));
  fs.chmodSync(root, 0o755); // the postgres user (when run as root) must be able to enter it
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'warn', { component: 'test-servers' });

  const pg = await startEmbeddedPostgres({
    dataDir: path.join(root, 'data'),
    port: await freePort(),
    runtimeDir: path.join(root, 'runtime'),
    logger,
  });
  await runMigrations(pg.url, logger);
  const temporal = await startTemporalDevServer({
    dataDir: path.join(root, 'data'),
    cliPath: process.env.TEMPORAL_CLI_PATH || undefined,
    namespace: 'default',
    port: await freePort(),
    logger,
  });
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: (m) => logger.error(m), log() {} },
  });
  const bundlePath = path.join(root, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);

  const servers: TestServers = { root, databaseUrl: pg.url, temporalAddress: temporal.address, workflowBundlePath: bundlePath };
  process.env.AUTOPILOT_TEST_SERVERS = JSON.stringify(servers);
  (globalThis as Record<string, unknown>).__autopilotTestServers = {
    stop: async () => {
      await temporal.stop();
      await pg.stop();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
