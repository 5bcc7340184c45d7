import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { findApiKeyOwner } from '../../src/db/users';
import { freePort } from '../../src/temporal/dev-server';
import { createTestDatabase } from '../helpers/database';
import { testServers } from '../helpers/servers';
import { waitFor } from '../helpers/wait';

/**
 * `npm start` as a user runs it: src/dev.ts in its own process group, with its own embedded PostgreSQL and
 * Temporal dev server, stopped with SIGTERM and with Ctrl-C (SIGINT to the whole group).
 */

const ROOT = path.resolve(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

jest.setTimeout(180_000);

interface Launched {
  child: ChildProcess;
  output: () => string;
  ready: Promise<{ api: string; temporal: string; key: string }>;
  exited: Promise<number | null>;
}

/** `env` as the user sets it; nothing else from this process's environment reaches the database or Temporal choice. */
function launch(env: Record<string, string>): Launched {
  const childEnv: Record<string, string | undefined> = { ...process.env };
  delete childEnv.DATABASE_URL;
  delete childEnv.TEMPORAL_ADDRESS;
  delete childEnv.AUTOPILOT_DEV_API_KEY;
  delete childEnv.AUTOPILOT_CREATE_DEV_USER;
  Object.assign(childEnv, env, { LOG_LEVEL: 'info' });
  const child = spawn(TSX, ['src/dev.ts'], { cwd: ROOT, env: childEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const ready = new Promise<{ api: string; temporal: string; key: string }>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => l.includes('"event":"dev.ready"'));
      const key = /Dev API key\s+(\S+)/.exec(output)?.[1];
      if (line && key) {
        const parsed = JSON.parse(line);
        resolve({ api: parsed.api, temporal: parsed.temporal, key });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code} before it was ready:\n${output}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, ready, exited };
}

/** Processes whose command line mentions `marker` (the data directory): postgres -D …, temporal --db-filename …. */
function processesMentioning(marker: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(marker) && Number(pid) !== process.pid) found.push(`${pid}: ${cmdline.trim()}`);
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

async function api(base: string, key: string, method: string, route: string, body?: unknown) {
  const response = await fetch(`${base}${route}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: (await response.json()) as any };
}

let root: string;
let env: Record<string, string>;
let current: Launched | undefined;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'autopilot-dev-'));
  fs.chmodSync(root, 0o755);
  env = {
    AUTOPILOT_DATA_DIR: path.join(root, 'data'),
    AUTOPILOT_PG_RUNTIME_DIR: path.join(root, 'runtime'),
    PORT: String(await freePort()),
    AUTOPILOT_PG_PORT: String(await freePort()),
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    AUTOPILOT_SMTP_SINK_PORT: String(await freePort()),
  };
});

afterAll(async () => {
  if (current && current.child.exitCode === null) {
    process.kill(-current.child.pid!, 'SIGKILL');
    await current.exited;
  }
  fs.rmSync(root, { recursive: true, force: true });
});

describe('npm start (src/dev.ts)', () => {
  it('runs the whole system, stops without leaving a process behind, and finds the same data after a restart', async () => {
    const event = {
      channel: 'whatsapp',
      externalId: 'wamid.restart-1',
      contact: { handle: '+491701111111' },
      text: 'Können Sie mir ein Angebot schicken?',
    };

    // First run: post an event and watch it reach its stage.
    current = launch(env);
    const first = await current.ready;
    // unsubscribe links have their own key, kept beside the secret key (owner-only), so they outlive its rotation
    const keptKey = (name: string) => fs.readFileSync(path.join(env.AUTOPILOT_DATA_DIR!, name), 'utf8').trim();
    const unsubscribeKey = keptKey('unsubscribe-key');
    expect(unsubscribeKey.length).toBeGreaterThanOrEqual(32);
    expect(unsubscribeKey).not.toBe(keptKey('secret-key'));
    expect(fs.statSync(path.join(env.AUTOPILOT_DATA_DIR!, 'unsubscribe-key')).mode & 0o777).toBe(0o600);
    const posted = await api(first.api, first.key, 'POST', '/v1/events', event);
    expect(posted.status).toBe(202);
    // The dev user starts in assist mode: the reply waits for a reviewer, in a running workflow.
    await waitFor(async () => {
      const read = await api(first.api, first.key, 'GET', `/v1/events/${posted.body.eventId}`);
      return read.body.stage === 'awaiting_review' ? read : undefined;
    }, 'the event to reach stage awaiting_review');
    // One process, one registry: the API's /metrics shows the worker's drafting as well as the API's intake.
    const metrics = await (await fetch(`${first.api}/metrics`)).text();
    expect(metrics).toContain('autopilot_inbound_events_total{channel="whatsapp",duplicate="false"} 1');
    expect(metrics).toContain('autopilot_review_queue_depth{kind="review"} 1');
    expect(metrics).toContain('autopilot_model_latency_seconds_count{model="template-engine",outcome="ok"} 1');
    const optOut = await api(first.api, first.key, 'POST', '/v1/events', { ...event, externalId: 'wamid.restart-2', contact: { handle: '+491702222222' }, text: 'STOP' });

    // SIGTERM to the launcher alone stops everything it started.
    process.kill(current.child.pid!, 'SIGTERM');
    expect(await current.exited).toBe(0);
    await waitFor(async () => (processesMentioning(root).length === 0 ? true : undefined), 'postgres and temporal to exit', 15_000);
    expect(processesMentioning(root)).toEqual([]);

    // Second run: the same key, event, stages and workflows; the waiting workflow is still waiting.
    current = launch(env);
    const second = await current.ready;
    expect(second.key).toBe(first.key);
    expect(keptKey('unsubscribe-key')).toBe(unsubscribeKey);
    const read = await api(second.api, second.key, 'GET', `/v1/events/${posted.body.eventId}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      id: posted.body.eventId,
      workflowId: posted.body.workflowId,
      stage: 'awaiting_review',
      stageSource: 'workflow',
      text: event.text,
    });
    const readOptOut = await waitFor(async () => {
      const r = await api(second.api, second.key, 'GET', `/v1/events/${optOut.body.eventId}`);
      return r.body.stage === 'opted_out' ? r : undefined;
    }, 'the opt-out to be recorded');
    expect(readOptOut.body.stage).toBe('opted_out');

    const connection = await Connection.connect({ address: second.temporal });
    try {
      const client = new Client({ connection });
      const description = await client.workflow.getHandle(posted.body.workflowId).describe();
      expect(description.status.name).toBe('RUNNING');
    } finally {
      await connection.close();
    }
    const again = await api(second.api, second.key, 'POST', '/v1/events', event);
    expect(again).toEqual({ status: 200, body: { eventId: posted.body.eventId, workflowId: posted.body.workflowId, duplicate: true } });
    // …and takes the reviewer's decision made after the restart.
    const approved = await api(second.api, second.key, 'POST', `/v1/reviews/${read.body.review.id}/approve`, {});
    expect(approved.body).toMatchObject({ outcome: 'scheduled' });

    // Ctrl-C: SIGINT to the whole process group, as a terminal sends it.
    process.kill(-current.child.pid!, 'SIGINT');
    expect(await current.exited).toBe(0);
    await waitFor(async () => (processesMentioning(root).length === 0 ? true : undefined), 'postgres and temporal to exit', 15_000);
    expect(processesMentioning(root)).toEqual([]);
  });

  it('stops at once with a message naming a bad variable', () => {
    const result = spawnSync(TSX, ['src/dev.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...env, AUTOPILOT_DATA_DIR: path.join(root, 'data-bad-config'), PORT: 'eighty', AUTOPILOT_CONFIDENCE_THRESHOLD: '2' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('PORT: expected the API port');
    expect(result.stderr).toContain('AUTOPILOT_CONFIDENCE_THRESHOLD: expected a number between 0 and 1');
    expect(processesMentioning(root)).toEqual([]);
  });

  it('tells how to get Temporal when no CLI can be found or installed', () => {
    const result = spawnSync(TSX, ['src/dev.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...env, AUTOPILOT_DATA_DIR: path.join(root, 'data-no-cli'), TEMPORAL_CLI_PATH: path.join(root, 'no-such-temporal') },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`TEMPORAL_CLI_PATH=${path.join(root, 'no-such-temporal')} is not an executable file`);
    expect(processesMentioning(root)).toEqual([]);
  });
});

describe('npm start against a database of your own (DATABASE_URL)', () => {
  async function runAgainst(extra: Record<string, string>) {
    const database = await createTestDatabase();
    current = launch({
      ...env,
      AUTOPILOT_DATA_DIR: path.join(root, `data-external-${Object.keys(extra).length}`),
      PORT: String(await freePort()),
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: testServers().temporalAddress,
      TEMPORAL_TASK_QUEUE: `dev-external-${Date.now()}`,
      ...extra,
    });
    try {
      const ready = await current.ready;
      const { rows } = await database.pool.query(`SELECT u.slug, count(k.id)::int AS keys FROM users u LEFT JOIN api_keys k ON k.user_id = u.id GROUP BY u.slug`);
      const owner = ready.key.startsWith('ap_') ? await findApiKeyOwner(database.pool, ready.key) : undefined;
      return { output: current.output(), users: rows, owner };
    } finally {
      process.kill(current.child.pid!, 'SIGTERM');
      expect(await current.exited).toBe(0);
      await database.drop();
    }
  }

  it('creates no dev user and prints no key unless asked', async () => {
    const run = await runAgainst({});
    expect(run.users).toEqual([]);
    expect(run.output).toContain('Dev API key      none: DATABASE_URL is set (AUTOPILOT_CREATE_DEV_USER=true creates the dev user');
    expect(run.output).not.toMatch(/ap_[\w-]{20,}/);
  });

  it('creates the dev user with AUTOPILOT_CREATE_DEV_USER=true', async () => {
    const run = await runAgainst({ AUTOPILOT_CREATE_DEV_USER: 'true' });
    expect(run.users).toEqual([{ slug: 'dev', keys: 1 }]);
    expect(run.owner).toMatchObject({ userId: expect.any(String) });
  });
});
