import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startLocalServers } from '../../src/local-servers';
import { createLogger } from '../../src/logger';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../../src/temporal/runtime-logger';
import type { TestServers } from './servers';

/**
 * Once per `jest` run: a real PostgreSQL (migrated; each test file then copies it as a template), a real
 * Temporal dev server, and the workflow bundle every test file's worker shares.
 */
export default async function globalSetup(): Promise<void> {
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'warn', { component: 'test-servers' });
  const { root, pg, temporal, stop } = await startLocalServers('autopilot-test-', logger);
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: (m) => logger.error(m), log() {} },
  });
  const bundlePath = path.join(root, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);

  const servers: TestServers = { root, databaseUrl: pg.url, temporalAddress: temporal.address, workflowBundlePath: bundlePath };
  process.env.AUTOPILOT_TEST_SERVERS = JSON.stringify(servers);
  (globalThis as Record<string, unknown>).__autopilotTestServers = { stop };
}
