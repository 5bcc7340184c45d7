import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Logger } from 'pino';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { findTemporalCli, HOW_TO_GET_TEMPORAL, installTemporalCli, TemporalCliError } from './cli';

export interface DevServerOptions {
  dataDir: string;
  cliPath?: string;
  namespace: string;
  port: number;
  uiPort: number;
  logger: Logger;
}

export interface RunningDevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

/**
 * `temporal server start-dev` with its SQLite file in the data directory (so workflows survive a restart), the
 * Web UI, and the project's search attributes registered. Started through the SDK's ephemeral-server support,
 * which also owns the process and stops it on teardown.
 */
export async function startTemporalDevServer(options: DevServerOptions): Promise<RunningDevServer> {
  let found = findTemporalCli(options.cliPath);
  if (!found) {
    try {
      found = { path: installTemporalCli((line) => options.logger.info({ event: 'temporal_cli.install' }, line)), source: 'project' };
    } catch (err) {
      options.logger.warn({ event: 'temporal_cli.install_failed', error: (err as Error).message.split('\n')[0] });
    }
  }
  const executable = found
    ? ({ type: 'existing-path', path: found.path } as const)
    : ({ type: 'cached-download', downloadDir: path.join(options.dataDir, 'tools') } as const);
  options.logger.info({ event: 'temporal_dev_server.starting', cli: found?.path ?? 'sdk-download', source: found?.source ?? 'download' });
  let env: TestWorkflowEnvironment;
  try {
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable,
        dbFilename: path.join(options.dataDir, 'temporal.sqlite'),
        namespace: options.namespace,
        ip: '127.0.0.1',
        port: options.port,
        ui: true,
        uiPort: options.uiPort,
        searchAttributes: [...SEARCH_ATTRIBUTES],
        log: { format: 'json', level: 'warn' },
      },
    });
  } catch (err) {
    if (found) throw err;
    throw new TemporalCliError(`${HOW_TO_GET_TEMPORAL}\n(the SDK's download failed too: ${(err as Error).message})`);
  }
  return {
    address: `127.0.0.1:${options.port}`,
    uiUrl: `http://localhost:${options.uiPort}`,
    stop: () => env.teardown(),
  };
}
