/**
 * `npm run test:fuzz`: the API as production wires it (embedded PostgreSQL, the Temporal dev server, a worker,
 * the API on a real port, webhook secrets set), fuzzed from its own /openapi.json by schemathesis, an outside
 * tool that knows nothing of this code. Exits with schemathesis' status; everything it started is stopped.
 *
 * schemathesis is pinned and installed into .venv-fuzz/ (a project-local virtual environment), never globally.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../../src/config';
import { createPool } from '../../src/db/pool';
import { addApiKey, generateApiKey, listApiKeys, upsertUser } from '../../src/db/users';
import { startLocalServers } from '../../src/local-servers';
import { createLogger } from '../../src/logger';
import { apiDepsFromConfig, startApiServer } from '../../src/server';
import { activityDepsFromConfig, createWorkers, installTemporalRuntime } from '../../src/worker';

const SCHEMATHESIS_VERSION = '4.32.5';
const ROOT = path.resolve(__dirname, '..', '..');
const VENV = path.join(ROOT, '.venv-fuzz');
const ST = path.join(VENV, 'bin', 'st');

// Every check the tier asks for; each is explained in test/fuzz/schemathesis.toml where it is narrowed.
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_schema_conformance',
  'negative_data_rejection',
  'ignored_auth',
];

// A bound per operation keeps the run within a few minutes on two cores (31 operations).
const MAX_EXAMPLES = Number(process.env.FUZZ_MAX_EXAMPLES ?? 50);

const logger = createLogger(process.env.FUZZ_LOG_LEVEL ?? 'error', { component: 'fuzz' });
const say = (line: string) => process.stdout.write(`[fuzz] ${line}\n`);

function installedVersion(): string | undefined {
  if (!fs.existsSync(ST)) return undefined;
  const result = spawnSync(ST, ['--version'], { encoding: 'utf8' });
  return /version\s+(\S+)/.exec(result.stdout ?? '')?.[1];
}

/** schemathesis at the pinned version in .venv-fuzz/, created with python3 -m venv on first use. */
function ensureSchemathesis(): void {
  if (installedVersion() === SCHEMATHESIS_VERSION) return;
  say(`installing schemathesis ${SCHEMATHESIS_VERSION} into .venv-fuzz/`);
  const run = (command: string, args: string[]) => {
    const result = spawnSync(command, args, { stdio: 'inherit', cwd: ROOT });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal})`);
  };
  if (!fs.existsSync(path.join(VENV, 'bin', 'pip'))) run('python3', ['-m', 'venv', VENV]);
  run(path.join(VENV, 'bin', 'pip'), ['install', '--disable-pip-version-check', '--quiet', `schemathesis==${SCHEMATHESIS_VERSION}`]);
}

type Stopper = { name: string; stop: () => Promise<unknown> };

async function stopAll(stoppers: Stopper[]): Promise<void> {
  for (const { name, stop } of stoppers.splice(0).reverse()) {
    try {
      await stop();
    } catch (err) {
      say(`could not stop ${name}: ${(err as Error).message}`);
    }
  }
}

async function startSystem(stoppers: Stopper[], secrets: Record<string, string>) {
  const { root, pg, temporal: temporalServer, stop } = await startLocalServers('autopilot-fuzz-', logger);
  stoppers.push({ name: 'PostgreSQL and Temporal', stop });

  installTemporalRuntime();
  const config = loadConfig({
    AUTOPILOT_SANDBOX_FALLBACK: 'true',
    AUTOPILOT_SECRET_KEY: secrets.secretKey,
    WHATSAPP_APP_SECRET: secrets.whatsappAppSecret,
    WHATSAPP_VERIFY_TOKEN: secrets.verifyToken,
    INSTAGRAM_APP_SECRET: secrets.instagramAppSecret,
    INSTAGRAM_VERIFY_TOKEN: secrets.verifyToken,
    EMAIL_INBOUND_TOKEN: secrets.mailToken,
    AUTOPILOT_METRICS_TOKEN: secrets.metricsToken,
    TEMPORAL_TASK_QUEUE: 'autopilot-fuzz',
  });
  const db = createPool(pg.url);
  stoppers.push({ name: 'database pool', stop: () => db.end() });
  const clientConnection = await Connection.connect({ address: temporalServer.address });
  stoppers.push({ name: 'temporal client', stop: () => clientConnection.close() });
  const temporal = new Client({ connection: clientConnection, namespace: 'default' });
  const workerConnection = await NativeConnection.connect({ address: temporalServer.address });
  stoppers.push({ name: 'worker connection', stop: () => workerConnection.close() });
  const workers = await createWorkers({
    connection: workerConnection,
    namespace: 'default',
    taskQueue: config.temporal.taskQueue,
    deps: activityDepsFromConfig(config, { db, logger, temporal }),
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
  const api = await startApiServer(apiDepsFromConfig(config, { db, temporal, logger }), '127.0.0.1', 0);
  stoppers.push({ name: 'api', stop: api.close });

  const userId = await upsertUser(db, { slug: 'fuzz', name: 'Fuzz' });
  const apiKey = generateApiKey();
  await addApiKey(db, userId, apiKey, 'fuzz', 'admin');
  const [key] = await listApiKeys(db, userId);
  return { url: api.url, apiKey, apiKeyId: key!.id, root };
}

type Seeded = Record<'events' | 'reviews' | 'contacts' | 'experiments', string[]>;

/**
 * A few real rows made through the API as a client would, so the fuzzer also reaches the routes behind an id
 * (random UUIDs only ever find 404): events waiting for review (so their reviews and contacts exist) and
 * experiments. In the default assist mode every event stops at awaiting_review.
 */
async function seed(url: string, apiKey: string): Promise<Seeded> {
  const call = async (method: string, route: string, body?: unknown) => {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!response.ok) throw new Error(`seeding: ${method} ${route} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as Record<string, any>;
  };
  const seeded: Seeded = { events: [], reviews: [], contacts: [], experiments: [] };
  for (let n = 0; n < 6; n += 1) {
    const email = n % 2 === 0;
    const posted = await call('POST', '/v1/events', {
      channel: email ? 'email' : 'whatsapp',
      externalId: `fuzz-seed-${n}`,
      contact: { handle: email ? `lead${n}@example.org` : `+4917000000${n}`, name: `Lead ${n}` },
      text: 'Was kostet das Pro-Paket?',
    });
    seeded.events.push(posted.eventId);
  }
  const deadline = Date.now() + 60_000;
  for (const eventId of seeded.events) {
    for (;;) {
      const event = await call('GET', `/v1/events/${eventId}`);
      if (event.review) {
        seeded.reviews.push(event.review.id);
        seeded.contacts.push(event.contact.id);
        break;
      }
      if (Date.now() > deadline) throw new Error(`seeding: event ${eventId} did not reach review (stage ${event.stage})`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  for (const name of ['opener', 'follow-up']) {
    const experiment = await call('POST', '/v1/experiments', {
      name,
      context: 'pricing',
      variants: [
        { id: 'a', templates: { en: 'A' } },
        { id: 'b', templates: { de: 'B' } },
      ],
    });
    seeded.experiments.push(experiment.id);
  }
  return seeded;
}

/** The checked-in configuration plus this run's seeded ids, offered for each resource's `{id}` half the time. */
function writeConfig(dir: string, seeded: Seeded): string {
  const lines = [fs.readFileSync(path.join(__dirname, 'schemathesis.toml'), 'utf8'), '', '# Seeded by test/fuzz/serve.ts for this run.'];
  for (const [resource, ids] of Object.entries(seeded)) {
    lines.push(`[dictionaries.${resource}]`, `values = [${ids.map((id) => JSON.stringify(id)).join(', ')}]`, '');
    lines.push(
      '[[operations]]',
      `include-path-regex = "^/v1/${resource}/\\\\{id\\\\}"`,
      `parameters = { "path.id" = { dictionary = "${resource}", probability = 0.5 } }`,
      '',
    );
  }
  const file = path.join(dir, 'schemathesis.toml');
  fs.writeFileSync(file, lines.join('\n'));
  return file;
}

function runSchemathesis(url: string, configFile: string, env: Record<string, string>, children: Set<ChildProcess>): Promise<number> {
  const args = [
    '--config-file',
    configFile,
    'run',
    `${url}/openapi.json`,
    '--checks',
    CHECKS.join(','),
    '--max-examples',
    String(MAX_EXAMPLES),
    '--workers',
    '2',
    ...(process.env.FUZZ_SEED ? ['--seed', process.env.FUZZ_SEED] : []),
    ...process.argv.slice(2),
  ];
  say(`st ${args.join(' ')}`);
  const child = spawn(ST, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
  children.add(child);
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1));
    });
  });
}

async function main(): Promise<number> {
  ensureSchemathesis();
  const stoppers: Stopper[] = [];
  const children = new Set<ChildProcess>();
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= (async () => {
    for (const child of children) child.kill('SIGTERM');
    await stopAll(stoppers);
  })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      say(`${signal}: stopping`);
      void stop().then(() => process.exit(130));
    });
  }
  try {
    const secrets = {
      secretKey: crypto.randomBytes(32).toString('hex'),
      whatsappAppSecret: crypto.randomBytes(16).toString('hex'),
      instagramAppSecret: crypto.randomBytes(16).toString('hex'),
      verifyToken: crypto.randomBytes(12).toString('hex'),
      mailToken: crypto.randomBytes(16).toString('hex'),
      metricsToken: crypto.randomBytes(16).toString('hex'),
    };
    const started = Date.now();
    const { url, apiKey, apiKeyId, root } = await startSystem(stoppers, secrets);
    const seeded = await seed(url, apiKey);
    say(`API at ${url} (started and seeded in ${Math.round((Date.now() - started) / 1000)} s)`);
    return await runSchemathesis(
      url,
      writeConfig(root, seeded),
      {
        FUZZ_API_KEY: apiKey,
        FUZZ_API_KEY_ID: apiKeyId,
        FUZZ_MAIL_TOKEN: secrets.mailToken,
        FUZZ_METRICS_TOKEN: secrets.metricsToken,
        FUZZ_VERIFY_TOKEN: secrets.verifyToken,
        FUZZ_WHATSAPP_APP_SECRET: secrets.whatsappAppSecret,
        FUZZ_INSTAGRAM_APP_SECRET: secrets.instagramAppSecret,
      },
      children,
    );
  } finally {
    await stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`[fuzz] ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
