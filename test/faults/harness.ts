import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startEmbeddedPostgres, type RunningPostgres } from '../../src/db/embedded-postgres';
import { runMigrations } from '../../src/db/migrate';
import { createPool, type Pool } from '../../src/db/pool';
import { addApiKey, generateApiKey, upsertUser } from '../../src/db/users';
import { FINAL_STAGES, type Stage } from '../../src/domain/stages';
import { createLogger } from '../../src/logger';
import { freePort, startTemporalDevServer, type RunningDevServer } from '../../src/temporal/dev-server';

/**
 * The fault tier's stack: its own embedded PostgreSQL and Temporal dev server (SQLite file, so both survive a
 * restart), the API and workers as child processes started the way an operator starts them (`tsx src/server.ts`,
 * `tsx src/worker.ts`), each in its own process group so a kill takes the whole process. Every part can be stopped,
 * killed and started again; counts are reconciled from PostgreSQL and Temporal's visibility.
 */

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
export const SECRET_KEY = 'fault-tier-secret-key-0123456789abcdef';

/** Auto mode, sending at once around the clock, no daily cap in the way: every clear pricing question goes out. */
export const AUTO_SETTINGS = { mode: 'auto', sendTiming: 'asap', sendingHours: { start: 0, end: 24 }, maxAutoRepliesPerDay: 10_000 };

/** The stages a reply ends at (`received` only counts as final for a workflow that never ran). */
export const SETTLED_STAGES: readonly Stage[] = FINAL_STAGES.filter((stage) => stage !== 'received');

/** Children of every stack in this process: killed on exit, whatever happened to the test. */
const livingGroups = new Set<number>();
process.once('exit', () => {
  for (const pgid of livingGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Polls `probe` until it returns something other than undefined; fails after the deadline, saying what it last saw,
 * or at once when `gaveUp` names a reason the condition can no longer be met (a process that died by itself).
 */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs: number,
  describe?: () => string,
  gaveUp?: () => string | undefined,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const reason = gaveUp?.();
    if (reason) throw new Error(`while waiting for ${what}: ${reason}${describe ? `\n${describe()}` : ''}`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError ? `: ${(lastError as Error).message}` : '';
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${why}${describe ? `\n${describe()}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** A worker or API process, in its own process group. */
export class ChildPart {
  private output = '';
  private readonly exited: Promise<void>;
  exitReason: string | undefined;
  /** Set when the harness ends the process; an exit without it is a crash. */
  private ended = false;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    const collect = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-12000));
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    livingGroups.add(child.pid!);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitReason = `exit ${code ?? signal}`;
        resolve();
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** True while the process runs (it has not exited by itself or been killed). */
  get running(): boolean {
    return this.exitReason === undefined;
  }

  /** True when the process exited without the harness ending it. */
  get crashed(): boolean {
    return !this.running && !this.ended;
  }

  tail(): string {
    return `--- ${this.name} (${this.exitReason ?? 'running'}) ---\n${this.output.trim().split('\n').slice(-30).join('\n')}`;
  }

  /** Sends `signal` to the whole group and waits until no process of it is left. */
  async kill(signal: NodeJS.Signals = 'SIGKILL', graceMs = 5000): Promise<void> {
    const pgid = this.pid;
    this.ended = true;
    if (groupAlive(pgid)) {
      try {
        process.kill(-pgid, signal);
      } catch {
        // gone meanwhile
      }
    }
    const deadline = Date.now() + graceMs;
    while (groupAlive(pgid)) {
      if (Date.now() > deadline) process.kill(-pgid, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await this.exited;
    livingGroups.delete(pgid);
  }
}

export interface FaultUser {
  id: string;
  key: string;
}

export interface InboundEvent {
  channel: 'whatsapp' | 'email' | 'linkedin' | 'instagram';
  externalId: string;
  contact: { handle: string; name?: string; timezone?: string };
  text: string;
}

export interface Accepted {
  eventId: string;
  workflowId: string;
}

/** What the stores say about one user's messages, counted. */
export interface Reconciliation {
  /** Inbound message_events rows. */
  events: number;
  /** Inbound events by their stage. */
  stages: Partial<Record<Stage, number>>;
  /** Inbound events at a final stage. */
  settled: number;
  /** autopilot_jobs by status. */
  jobs: Record<string, number>;
  /** Rows in the sandbox outbox, and how many jobs they belong to. */
  outboxRows: number;
  outboxJobs: number;
  /** Jobs recorded sent without a row in the outbox. */
  sentWithoutOutbox: number;
  /** Audit entries `event.<stage>` (the recorded outcomes), and how many events they cover. */
  outcomes: number;
  outcomeEvents: number;
  /** Open review tasks by reason. */
  openReviews: Record<string, number>;
  /** Temporal: the user's autopilot workflows, and those completed. */
  workflows: number;
  workflowsCompleted: number;
}

const rowsToCounts = (rows: { key: string; n: number }[]) => Object.fromEntries(rows.map((r) => [r.key, r.n]));

export interface FaultStack {
  root: string;
  db: Pool;
  temporal: Client;
  taskQueue: string;
  /** The environment every worker and API process gets (an operator's settings for a quick test installation). */
  env: Record<string, string>;
  postgres: { stop(): Promise<void>; start(): Promise<void> };
  temporalServer: { stop(): Promise<void>; start(): Promise<void> };
  startApi(extraEnv?: Record<string, string>): Promise<ChildPart & { url: string }>;
  startWorker(extraEnv?: Record<string, string>): ChildPart;
  createUser(settings?: Record<string, unknown>): Promise<FaultUser>;
  request(user: FaultUser, method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** A pricing question (the template engine drafts it with high confidence) from a contact nobody wrote before. */
  inbound(channel?: InboundEvent['channel']): InboundEvent;
  /** Posts one event over HTTP; it must be accepted (202). */
  postEvent(user: FaultUser, event: InboundEvent): Promise<Accepted>;
  /** Posts events over HTTP, `concurrency` at a time; every one must be accepted (202). Returns their ids in order. */
  postEvents(user: FaultUser, events: InboundEvent[], concurrency?: number): Promise<Accepted[]>;
  reconcile(userId: string): Promise<Reconciliation>;
  /** waitUntil with the children's recent output in the failure message. */
  waitUntil<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs: number): Promise<T>;
  /** Waits until every one of the user's `count` inbound events has reached a final stage; returns the counts then. */
  waitUntilSettled(userId: string, count: number, timeoutMs: number): Promise<Reconciliation>;
  /** Terminates every workflow still running, so a test that ends early leaves nothing for the next one's worker. */
  terminateRunning(): Promise<number>;
  stop(): Promise<void>;
}

/** The workflow bundle built once per run by the tier's global setup. */
function workflowBundlePath(): string {
  const bundle = process.env.AUTOPILOT_FAULTS_BUNDLE;
  if (!bundle || !fs.existsSync(bundle)) throw new Error('the fault tier runs under `npm run test:faults` (its global setup builds the workflow bundle)');
  return bundle;
}

export async function startFaultStack(name: string): Promise<FaultStack> {
  const bundle = workflowBundlePath();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `autopilot-faults-${name}-`));
  fs.chmodSync(root, 0o755); // as root, the postgres user must be able to enter it
  const dataDir = path.join(root, 'data');
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'warn', { component: `faults-${name}` });
  const pgOptions = { dataDir, port: await freePort(), runtimeDir: path.join(root, 'runtime'), logger };
  const temporalOptions = { dataDir, namespace: 'default', port: await freePort(), logger, cliPath: process.env.TEMPORAL_CLI_PATH || undefined };

  const children: ChildPart[] = [];
  let pg: RunningPostgres | undefined;
  let temporalServer: RunningDevServer | undefined;
  let db: Pool | undefined;
  let connection: Connection | undefined;
  const stopAll = async () => {
    await Promise.all(children.map((child) => child.kill('SIGKILL')));
    await connection?.close().catch(() => undefined);
    await db?.end().catch(() => undefined);
    await temporalServer?.stop();
    await pg?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  };

  try {
    pg = await startEmbeddedPostgres(pgOptions);
    await runMigrations(pg.url, logger);
    db = createPool(pg.url, 4);
    temporalServer = await startTemporalDevServer(temporalOptions);
    connection = await Connection.connect({ address: temporalServer.address });
  } catch (err) {
    await stopAll();
    throw err;
  }
  const pool = db;
  const temporal = new Client({ connection, namespace: 'default' });
  const taskQueue = `faults-${name}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? root,
    TMPDIR: os.tmpdir(),
    DATABASE_URL: pg.url,
    TEMPORAL_ADDRESS: temporalServer.address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    AUTOPILOT_WORKFLOW_BUNDLE: bundle,
    AUTOPILOT_SANDBOX_FALLBACK: 'true',
    AUTOPILOT_SECRET_KEY: SECRET_KEY,
    AUTOPILOT_ASAP_DELAY_SECONDS: '0',
    AUTOPILOT_COOLDOWN: '1s',
    AUTOPILOT_LIMIT_WHATSAPP_PER_DAY: '100000',
    AUTOPILOT_LIMIT_EMAIL_PER_DAY: '100000',
    AUTOPILOT_LIMIT_INSTAGRAM_PER_DAY: '100000',
    AUTOPILOT_LIMIT_LINKEDIN_PER_DAY: '100000',
    AUTOPILOT_LIMIT_USER_PER_DAY: '100000',
    LOG_LEVEL: 'warn',
  };

  const spawnPart = (partName: string, entry: string, extraEnv: Record<string, string>) => {
    const child = spawn(TSX, [entry], { cwd: PROJECT_ROOT, env: { ...env, ...extraEnv }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const part = new ChildPart(partName, child);
    children.push(part);
    return part;
  };
  const describe = () => children.map((child) => child.tail()).join('\n');
  const crash = () => {
    const dead = children.find((child) => child.crashed);
    return dead && `the ${dead.name} process exited by itself (${dead.exitReason})`;
  };
  const wait: FaultStack['waitUntil'] = (probe, what, timeoutMs) => waitUntil(probe, what, timeoutMs, describe, crash);

  const request: FaultStack['request'] = async (user, method, urlPath, body) => {
    const api = [...children].reverse().find((child) => child.name === 'api' && child.running) as (ChildPart & { url: string }) | undefined;
    if (!api) throw new Error('no API process is running');
    const response = await fetch(`${api.url}${urlPath}`, {
      method,
      headers: { authorization: `Bearer ${user.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  let contacts = 0;
  const runId = crypto.randomBytes(4).toString('hex');

  const reconcile = async (userId: string): Promise<Reconciliation> => {
    const one = async (sql: string) => (await pool.query(sql, [userId])).rows;
    const stages = rowsToCounts(
      await one(`SELECT stage AS key, count(*)::int AS n FROM message_events WHERE user_id = $1 AND direction = 'inbound' GROUP BY stage`),
    ) as Partial<Record<Stage, number>>;
    const jobs = rowsToCounts(await one(`SELECT status AS key, count(*)::int AS n FROM autopilot_jobs WHERE user_id = $1 GROUP BY status`));
    const [outbox] = await one(`SELECT count(*)::int AS rows, count(DISTINCT job_id)::int AS jobs FROM outbox WHERE user_id = $1`);
    const [orphans] = await one(
      `SELECT count(*)::int AS n FROM autopilot_jobs j WHERE j.user_id = $1 AND j.status = 'sent'
          AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.job_id = j.id)`,
    );
    const [outcomes] = await one(
      `SELECT count(*)::int AS n, count(DISTINCT subject_id)::int AS events FROM audit_log WHERE user_id = $1 AND action LIKE 'event.%'`,
    );
    const openReviews = rowsToCounts(
      await one(`SELECT reason AS key, count(*)::int AS n FROM review_tasks WHERE user_id = $1 AND status = 'open' GROUP BY reason`),
    );
    const query = `AutopilotUser = '${userId}'`;
    const workflows = await temporal.workflow.count(query);
    const completed = await temporal.workflow.count(`${query} AND ExecutionStatus = 'Completed'`);
    const events = Object.values(stages).reduce((sum, n) => sum + (n ?? 0), 0);
    return {
      events,
      stages,
      settled: SETTLED_STAGES.reduce((sum, stage) => sum + (stages[stage] ?? 0), 0),
      jobs,
      outboxRows: outbox.rows,
      outboxJobs: outbox.jobs,
      sentWithoutOutbox: orphans.n,
      outcomes: outcomes.n,
      outcomeEvents: outcomes.events,
      openReviews,
      workflows: workflows.count,
      workflowsCompleted: completed.count,
    };
  };

  return {
    root,
    db: pool,
    temporal,
    taskQueue,
    env,
    postgres: {
      stop: async () => pg?.stop(),
      start: async () => {
        pg = await startEmbeddedPostgres(pgOptions);
      },
    },
    temporalServer: {
      stop: async () => temporalServer?.stop(),
      start: async () => {
        temporalServer = await startTemporalDevServer(temporalOptions);
      },
    },
    startApi: async (extraEnv = {}) => {
      const port = await freePort();
      const api = Object.assign(spawnPart('api', 'src/server.ts', { HOST: '127.0.0.1', PORT: String(port), ...extraEnv }), {
        url: `http://127.0.0.1:${port}`,
      });
      await wait(
        async () => {
          if (!api.running) throw new Error(`the API exited (${api.exitReason})`);
          const response = await fetch(`${api.url}/healthz`);
          return response.ok ? true : undefined;
        },
        'the API to answer /healthz',
        60_000,
      );
      return api;
    },
    startWorker: (extraEnv = {}) => spawnPart('worker', 'src/worker.ts', extraEnv),
    createUser: async (settings) => {
      const id = await upsertUser(pool, { slug: `faults-${crypto.randomUUID()}`, name: 'Fault tier' });
      const key = generateApiKey();
      await addApiKey(pool, id, key, 'faults', 'admin');
      const user = { id, key };
      if (settings) {
        const saved = await request(user, 'PUT', '/v1/settings', settings);
        if (saved.status !== 200) throw new Error(`PUT /v1/settings answered ${saved.status}: ${JSON.stringify(saved.body)}`);
      }
      return user;
    },
    request,
    inbound: (channel = 'whatsapp') => {
      contacts += 1;
      return {
        channel,
        externalId: `wamid.faults-${runId}-${contacts}`,
        contact: { handle: `+49 151 ${String(1_000_000 + contacts)}`, name: 'Erika Mustermann', timezone: 'Europe/Berlin' },
        text: 'Hallo, was kostet das Pro-Paket?',
      };
    },
    postEvent: async (user, event) => {
      const response = await request(user, 'POST', '/v1/events', event);
      if (response.status !== 202) throw new Error(`POST /v1/events answered ${response.status}: ${JSON.stringify(response.body)}`);
      return { eventId: response.body.eventId, workflowId: response.body.workflowId };
    },
    postEvents: async (user, events, concurrency = 8) => {
      const ids: Accepted[] = new Array(events.length);
      let next = 0;
      const lane = async () => {
        while (next < events.length) {
          const index = next++;
          const response = await request(user, 'POST', '/v1/events', events[index]);
          if (response.status !== 202) throw new Error(`POST /v1/events answered ${response.status}: ${JSON.stringify(response.body)}`);
          ids[index] = { eventId: response.body.eventId, workflowId: response.body.workflowId };
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, events.length) }, lane));
      return ids;
    },
    reconcile,
    waitUntil: wait,
    waitUntilSettled: (userId, count, timeoutMs) => {
      let last: Reconciliation | undefined;
      return waitUntil(
        async () => {
          last = await reconcile(userId);
          return last.settled >= count ? last : undefined;
        },
        `all ${count} events to reach a final stage`,
        timeoutMs,
        () => `last counts: ${JSON.stringify(last)}\n${describe()}`,
        crash,
      );
    },
    terminateRunning: async () => {
      let terminated = 0;
      for await (const execution of temporal.workflow.list({ query: `ExecutionStatus = 'Running'` })) {
        await temporal.workflow
          .getHandle(execution.workflowId, execution.runId)
          .terminate('the fault test ended')
          .then(() => (terminated += 1))
          .catch(() => undefined); // it closed meanwhile
      }
      return terminated;
    },
    stop: stopAll,
  };
}
