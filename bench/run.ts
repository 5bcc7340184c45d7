/**
 * `npm run bench`: the whole system, end to end, on this machine. It starts its own embedded PostgreSQL and
 * Temporal dev server (as the integration tests do), the worker and the API as separate processes (the production
 * shape), and measures, in one run on the same Temporal server:
 *
 *  - the ceiling: a no-op workflow of 8 sequential local activities, started and drained the same way;
 *  - N inbound WhatsApp messages from distinct contacts (auto mode, asap, no delay) posted by 16 concurrent clients
 *    through POST /v1/events and drained to a sent reply: replies per second, the ratio to the ceiling, history
 *    events per message, CPU per message by process, POST latency at 16 concurrent;
 *  - POST latency at a steady 20 requests per second while that queue drains;
 *  - approve → send started, for replies waiting for review;
 *  - duplicate sends and reconciliation (events = workflows = outcomes = outbox rows).
 *
 * It prints one table, writes bench/results/latest.json, and says by how much each target is missed. Figures only:
 * nothing here is a test. Environment: BENCH_EVENTS (1000), BENCH_CONCURRENCY (16), BENCH_STEADY_RPS (20),
 * BENCH_STEADY_SECONDS (10), BENCH_APPROVALS (50), BENCH_CEILING (1000), TEMPORAL_DEV_DURABILITY (normal).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Runtime, Worker, DefaultLogger } from '@temporalio/worker';
import { createPool } from '../src/db/pool';
import { addApiKey, generateApiKey, upsertUser } from '../src/db/users';
import { startLocalServers } from '../src/local-servers';
import { createLogger } from '../src/logger';
import { freePort } from '../src/temporal/dev-server';
import { ensureSearchAttributes } from '../src/temporal/search-attributes';
import * as ceilingActivities from './ceiling/activities';

const N = Number(process.env.BENCH_EVENTS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const STEADY_RPS = Number(process.env.BENCH_STEADY_RPS ?? 20);
const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? 10);
const APPROVALS = Number(process.env.BENCH_APPROVALS ?? 50);
const CEILING_N = Number(process.env.BENCH_CEILING ?? 1000);
const DURABILITY = (process.env.TEMPORAL_DEV_DURABILITY ?? 'normal') as 'normal' | 'full';
const ROOT = path.resolve(__dirname, '..');
const TICK_MS = 1000 / 100; // /proc CPU times are in clock ticks of 1/100 s on Linux

const TARGETS = {
  drainSeconds: { max: 60, label: '1000 replies in ≤ 60 s' },
  ceilingRatio: { min: 0.7, label: '≥ 0.7 × the no-op ceiling' },
  historyEvents: { max: 35, label: '≤ 35 history events per message' },
  postP99Steady: { max: 50, label: 'POST p99 ≤ 50 ms at 20 rps while draining' },
  postP99Burst: { max: 300, label: 'POST p99 ≤ 300 ms at 16 concurrent' },
  approveP99: { max: 300, label: 'approve → send started p99 ≤ 300 ms' },
};

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** CPU milliseconds a process (and, for PostgreSQL, every backend) has used so far. */
function cpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process has gone
    }
  }
  return ticks * TICK_MS;
}

function pidsNamed(name: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return fs.readFileSync(`/proc/${d}/comm`, 'utf8').trim() === name;
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function spawnPart(name: string, entry: string, env: Record<string, string>): ChildProcess {
  // BENCH_PROFILE=<dir>: each part writes a V8 CPU profile there when it stops (open it in Chrome DevTools).
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(process.env.BENCH_PROFILE), '--cpu-prof-name', `${name}.cpuprofile`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', entry], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let tail = '';
  child.stderr!.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-3000)));
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGINT') log(`${name} exited (${code ?? signal}): ${tail.trim()}`);
  });
  return child;
}

async function stopPart(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Posts with `concurrency` clients until `total` posts are done; returns each request's latency (ms). */
async function postConcurrently(total: number, concurrency: number, post: (i: number) => Promise<void>): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) {
        const started = performance.now();
        await post(i);
        latencies.push(performance.now() - started);
      }
    }),
  );
  return latencies;
}

/** Posts at a steady rate for `seconds`; returns each request's latency (ms). */
async function postSteadily(rps: number, seconds: number, post: (i: number) => Promise<void>): Promise<number[]> {
  const latencies: number[] = [];
  const inFlight: Promise<void>[] = [];
  const begin = performance.now();
  for (let i = 0; i < rps * seconds; i++) {
    const due = begin + (i * 1000) / rps;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(
      (async () => {
        const started = performance.now();
        await post(i);
        latencies.push(performance.now() - started);
      })(),
    );
  }
  await Promise.all(inFlight);
  return latencies;
}

async function main(): Promise<void> {
  const logger = createLogger('warn', { component: 'bench' });
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const parts: ChildProcess[] = [];
  const stops: (() => Promise<unknown>)[] = [];
  try {
    log(`starting PostgreSQL and the Temporal dev server (durability ${DURABILITY})`);
    const { root, pg, temporal, stop } = await startLocalServers('autopilot-bench-', logger, { durability: DURABILITY });
    stops.push(stop);
    log(`they run in ${root}`);
    const connection = await Connection.connect({ address: temporal.address });
    stops.push(() => connection.close());
    await ensureSearchAttributes(connection, 'default');
    const client = new Client({ connection });

    log('bundling the workflows');
    const bundlePath = path.join(root, 'workflow-bundle.js');
    fs.writeFileSync(bundlePath, (await bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows'), logger: quietBundler })).code);

    // ---- the ceiling: a no-op workflow of 8 local activities, on the same server ----
    log(`ceiling: ${CEILING_N} no-op workflows of 8 local activities`);
    const nativeConnection = await NativeConnection.connect({ address: temporal.address });
    stops.push(() => nativeConnection.close());
    const ceilingWorker = await Worker.create({
      connection: nativeConnection,
      taskQueue: 'bench-ceiling',
      workflowBundle: { code: (await bundleWorkflowCode({ workflowsPath: require.resolve('./ceiling/workflows'), logger: quietBundler })).code },
      activities: ceilingActivities,
    });
    const ceilingRun = ceilingWorker.run();
    const ceilingCpuPids = { bench: [process.pid], temporal: temporal.pid ? [temporal.pid] : [], postgres: pidsNamed('postgres') };
    const ceilingCpuBefore = Object.fromEntries(Object.entries(ceilingCpuPids).map(([k, pids]) => [k, cpuMs(pids)]));
    const ceilingStart = performance.now();
    const ceilingHandles: Promise<unknown>[] = [];
    await postConcurrently(CEILING_N, CONCURRENCY, async (i) => {
      const handle = await client.workflow.start('noopWorkflow', { taskQueue: 'bench-ceiling', workflowId: `bench-ceiling-${i}`, args: [] });
      ceilingHandles.push(handle.result());
    });
    await Promise.all(ceilingHandles);
    const ceilingSeconds = (performance.now() - ceilingStart) / 1000;
    // the ceiling's worker runs in this process: its CPU is the bench's
    const ceilingCpuPerWorkflow = Object.fromEntries(
      Object.entries(ceilingCpuPids).map(([k, pids]) => [k === 'bench' ? 'worker (in the bench process)' : k, round((cpuMs(pids) - ceilingCpuBefore[k]!) / CEILING_N)]),
    );
    const ceilingPerSecond = CEILING_N / ceilingSeconds;
    ceilingWorker.shutdown();
    await ceilingRun;
    log(`ceiling: ${ceilingPerSecond.toFixed(1)} workflows/s`);

    // ---- the product: worker and API as their own processes ----
    const apiPort = await freePort();
    const env = {
      DATABASE_URL: pg.url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: 'autopilot',
      AUTOPILOT_WORKFLOW_BUNDLE: bundlePath,
      AUTOPILOT_SANDBOX_FALLBACK: 'true',
      AUTOPILOT_ASAP_DELAY_SECONDS: '0',
      AUTOPILOT_COOLDOWN: '1ms',
      AUTOPILOT_LIMIT_WHATSAPP_PER_DAY: '1000000',
      AUTOPILOT_LIMIT_USER_PER_DAY: '1000000',
      AUTOPILOT_SEND_RATE_WHATSAPP: '100000',
      LOG_LEVEL: 'warn',
      PORT: String(apiPort),
      HOST: '127.0.0.1',
    };
    const worker = spawnPart('worker', 'src/worker.ts', env);
    const api = spawnPart('api', 'src/server.ts', env);
    parts.push(worker, api);
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await waitFor(async () => ((await fetch(`${apiUrl}/healthz`)).ok ? true : undefined), 'the API', 60_000);
    await waitFor(
      async () => {
        const described = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: 'autopilot' }, taskQueueType: 1 });
        return described.pollers.length > 0 ? true : undefined;
      },
      'the worker',
      60_000,
    );

    const db = createPool(pg.url, 4);
    stops.push(() => db.end());
    const userId = await upsertUser(db, { slug: `bench-${Date.now()}`, name: 'Bench' });
    const key = generateApiKey();
    await addApiKey(db, userId, key, 'bench', 'admin');
    const call = async (method: string, route: string, body?: unknown, expect = [200, 202]) => {
      const response = await fetch(`${apiUrl}${route}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!expect.includes(response.status)) throw new Error(`${method} ${route} → ${response.status}: ${text}`);
      return text ? JSON.parse(text) : undefined;
    };
    await call('PUT', '/v1/settings', { mode: 'auto', sendTiming: 'asap', sendingHours: { start: 0, end: 24 }, maxAutoRepliesPerDay: 10_000 });
    const postEvent = (tag: string) => (i: number) =>
      call('POST', '/v1/events', {
        channel: 'whatsapp',
        externalId: `wamid.bench-${tag}-${i}`,
        contact: { handle: `+4915${String(10_000_000 + i + (tag === 'steady' ? 5_000_000 : 0))}`, timezone: 'Europe/Berlin' },
        text: 'Hallo, was kostet das Pro-Paket?',
      }).then(() => undefined);
    const finished = async () =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM message_events WHERE user_id = $1 AND direction = 'inbound' AND stage IN ('sent', 'skipped', 'failed', 'opted_out', 'cancelled')`,
          [userId],
        )
      ).rows[0]!.n;

    // Warm-up: a few replies, so the first ones do not pay for cold caches.
    await postConcurrently(20, 4, postEvent('warmup'));
    await waitFor(async () => ((await finished()) >= 20 ? true : undefined), 'the warm-up', 60_000);

    // ---- the drain: N messages posted by 16 concurrent clients, then 20 rps while the queue drains ----
    log(`drain: ${N} messages, ${CONCURRENCY} concurrent posters, then ${STEADY_RPS} rps for ${STEADY_SECONDS} s`);
    const cpuPids = { worker: [worker.pid!], api: [api.pid!], temporal: temporal.pid ? [temporal.pid] : [], postgres: pidsNamed('postgres'), bench: [process.pid] };
    const cpuBefore = Object.fromEntries(Object.entries(cpuPids).map(([k, pids]) => [k, cpuMs(pids)]));
    const drainStart = performance.now();
    const burstLatencies = await postConcurrently(N, CONCURRENCY, postEvent('burst'));
    const postedAfter = (performance.now() - drainStart) / 1000;
    const backlogAtSteady = N + 20 - (await finished());
    const steadyLatencies = await postSteadily(STEADY_RPS, STEADY_SECONDS, postEvent('steady'));
    const total = 20 + N + STEADY_RPS * STEADY_SECONDS;
    await waitFor(async () => ((await finished()) >= total ? true : undefined), 'every reply to finish', 30 * 60_000);
    const drainSeconds = (performance.now() - drainStart) / 1000;
    const cpuAfter = Object.fromEntries(Object.entries(cpuPids).map(([k, pids]) => [k, cpuMs(pids)]));
    const cpuPerMessage = Object.fromEntries(Object.keys(cpuPids).map((k) => [k, (cpuAfter[k]! - cpuBefore[k]!) / (N + STEADY_RPS * STEADY_SECONDS)]));
    const repliesPerSecond = (N + STEADY_RPS * STEADY_SECONDS) / drainSeconds;
    const drainSecondsForN = (N / repliesPerSecond);
    log(`drain: ${repliesPerSecond.toFixed(1)} replies/s`);

    // ---- history events per message (a sample) ----
    const sampleIds = (
      await db.query<{ workflow_id: string }>(
        `SELECT workflow_id FROM message_events WHERE user_id = $1 AND direction = 'inbound' AND external_id LIKE 'wamid.bench-burst-%' ORDER BY random() LIMIT 100`,
        [userId],
      )
    ).rows.map((r) => r.workflow_id);
    const historyLengths: number[] = [];
    for (const id of sampleIds) historyLengths.push((await client.workflow.getHandle(id).fetchHistory()).events?.length ?? 0);

    // ---- approve → send started ----
    log(`approvals: ${APPROVALS} replies waiting for review`);
    await call('PUT', '/v1/settings', { mode: 'assist' });
    await postConcurrently(APPROVALS, 4, postEvent('review'));
    const reviews = await waitFor(async () => {
      const listed = await call('GET', `/v1/reviews?limit=${Math.min(200, APPROVALS)}`);
      return listed.reviews.length >= APPROVALS ? (listed.reviews as { id: string; eventId: string }[]) : undefined;
    }, 'the reviews to open', 120_000);
    const approvedAt = new Map<string, number>();
    for (const review of reviews) {
      approvedAt.set(review.eventId, Date.now());
      await call('POST', `/v1/reviews/${review.id}/approve`, {});
    }
    await waitFor(async () => ((await finished()) >= total + APPROVALS ? true : undefined), 'the approved replies', 120_000);
    const { rows: started } = await db.query<{ event_id: string; at: Date }>(
      `SELECT j.message_event_id AS event_id, o.created_at AS at FROM outbox o JOIN autopilot_jobs j ON j.id = o.job_id WHERE o.user_id = $1 AND j.message_event_id = ANY($2::uuid[])`,
      [userId, [...approvedAt.keys()]],
    );
    const approveLatencies = started.map((r) => r.at.getTime() - approvedAt.get(r.event_id)!);

    // ---- duplicates and reconciliation ----
    const counts = (
      await db.query(
        `SELECT
           (SELECT count(*)::int FROM message_events WHERE user_id = $1 AND direction = 'inbound') AS events,
           (SELECT count(*)::int FROM message_events WHERE user_id = $1 AND direction = 'inbound' AND stage = 'sent') AS sent,
           (SELECT count(*)::int FROM audit_log WHERE user_id = $1 AND action LIKE 'event.%') AS outcomes,
           (SELECT count(*)::int FROM outbox WHERE user_id = $1) AS outbox,
           (SELECT count(*)::int FROM (SELECT j.message_event_id FROM outbox o JOIN autopilot_jobs j ON j.id = o.job_id
              WHERE o.user_id = $1 GROUP BY j.message_event_id HAVING count(*) > 1) d) AS duplicates`,
        [userId],
      )
    ).rows[0] as { events: number; sent: number; outcomes: number; outbox: number; duplicates: number };
    // A workflow completes just after its outcome is stored, and visibility follows the completion: give the last
    // ones up to 10 s to show as Completed (a real mismatch still shows after that).
    const completed = async () => {
      let n = 0;
      for await (const _ of client.workflow.list({ query: `AutopilotUser = '${userId}' AND ExecutionStatus = 'Completed'` })) n += 1;
      return n;
    };
    const workflows = await waitFor(
      async () => {
        const n = await completed();
        return n >= counts.events ? n : undefined;
      },
      'the workflows to show as completed',
      10_000,
    ).catch(() => completed());

    const result = {
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
      config: { events: N, concurrency: CONCURRENCY, steadyRps: STEADY_RPS, steadySeconds: STEADY_SECONDS, approvals: APPROVALS, ceilingWorkflows: CEILING_N, durability: DURABILITY },
      ceiling: { workflowsPerSecond: round(ceilingPerSecond), cpuMsPerWorkflow: ceilingCpuPerWorkflow },
      drain: {
        repliesPerSecond: round(repliesPerSecond),
        secondsFor1000: round(1000 / repliesPerSecond),
        ratioToCeiling: round(repliesPerSecond / ceilingPerSecond, 2),
        seconds: round(drainSeconds),
        postedInSeconds: round(postedAfter),
        backlogWhenSteadyLoadBegan: backlogAtSteady,
      },
      historyEventsPerMessage: { min: Math.min(...historyLengths), median: percentile(historyLengths, 50), max: Math.max(...historyLengths), sample: historyLengths.length },
      cpuMsPerMessage: Object.fromEntries(Object.entries(cpuPerMessage).map(([k, v]) => [k, round(v)])),
      post: {
        burst: { concurrency: CONCURRENCY, p50: round(percentile(burstLatencies, 50)), p99: round(percentile(burstLatencies, 99)) },
        steady: { rps: STEADY_RPS, p50: round(percentile(steadyLatencies, 50)), p99: round(percentile(steadyLatencies, 99)) },
      },
      approveToSendStarted: { n: approveLatencies.length, p50: round(percentile(approveLatencies, 50)), p99: round(percentile(approveLatencies, 99)) },
      duplicates: counts.duplicates,
      reconciliation: { events: counts.events, workflows, outcomes: counts.outcomes, outboxRows: counts.outbox, sent: counts.sent },
    };
    void drainSecondsForN;
    const verdicts = [
      verdict(TARGETS.drainSeconds, result.drain.secondsFor1000, 's'),
      verdict(TARGETS.ceilingRatio, result.drain.ratioToCeiling, '×'),
      verdict(TARGETS.historyEvents, result.historyEventsPerMessage.max, ' events'),
      verdict(TARGETS.postP99Steady, result.post.steady.p99, ' ms'),
      verdict(TARGETS.postP99Burst, result.post.burst.p99, ' ms'),
      verdict(TARGETS.approveP99, result.approveToSendStarted.p99, ' ms'),
    ];
    const reconciled = [counts.events, workflows, counts.outcomes, counts.outbox].every((n) => n === counts.events);
    printTable(result, verdicts, reconciled);
    fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
    fs.writeFileSync(path.join(__dirname, 'results', 'latest.json'), `${JSON.stringify({ ...result, verdicts, reconciled }, null, 2)}\n`);
    log('wrote bench/results/latest.json');
  } finally {
    for (const part of parts.reverse()) await stopPart(part);
    for (const stop of stops.reverse()) await stop().catch((err) => log(`stop failed: ${(err as Error).message}`));
  }
}

const quietBundler = { trace() {}, debug() {}, info() {}, warn() {}, error: (m: string) => log(m), log() {} };

function round(value: number, digits = 1): number {
  return Number.isFinite(value) ? Number(value.toFixed(digits)) : value;
}

function verdict(target: { max?: number; min?: number; label: string }, value: number, unit: string) {
  const met = target.max !== undefined ? value <= target.max : value >= target.min!;
  const limit = target.max ?? target.min!;
  const distance = met ? '' : target.max !== undefined ? `missed by ${round(value - limit)}${unit} (${round((value / limit - 1) * 100)} %)` : `missed by ${round(limit - value, 2)}${unit}`;
  return { target: target.label, value, met, distance };
}

interface BenchResult {
  machine: { cpus: number; node: string };
  config: { durability: string };
  ceiling: { workflowsPerSecond: number; cpuMsPerWorkflow: Record<string, number> };
  drain: { repliesPerSecond: number; secondsFor1000: number; ratioToCeiling: number };
  historyEventsPerMessage: { min: number; median: number; max: number };
  cpuMsPerMessage: Record<string, number>;
  post: { burst: { concurrency: number; p50: number; p99: number }; steady: { rps: number; p50: number; p99: number } };
  approveToSendStarted: { n: number; p50: number; p99: number };
  duplicates: number;
  reconciliation: { events: number; workflows: number; outcomes: number; outboxRows: number };
}

function printTable(r: BenchResult, verdicts: ReturnType<typeof verdict>[], reconciled: boolean): void {
  const rows: [string, string][] = [
    ['ceiling (no-op, 8 local activities)', `${r.ceiling.workflowsPerSecond} workflows/s`],
    ['  its CPU ms per workflow', Object.entries(r.ceiling.cpuMsPerWorkflow).map(([k, v]) => `${k} ${v}`).join(', ')],
    ['replies per second', `${r.drain.repliesPerSecond} (1000 in ${r.drain.secondsFor1000} s)`],
    ['ratio to the ceiling', `${r.drain.ratioToCeiling} ×`],
    ['history events per message', `min ${r.historyEventsPerMessage.min} / median ${r.historyEventsPerMessage.median} / max ${r.historyEventsPerMessage.max}`],
    ['CPU ms per message', Object.entries(r.cpuMsPerMessage).map(([k, v]) => `${k} ${v}`).join(', ')],
    [`POST /v1/events at ${r.post.burst.concurrency} concurrent`, `p50 ${r.post.burst.p50} ms, p99 ${r.post.burst.p99} ms`],
    [`POST /v1/events at ${r.post.steady.rps} rps while draining`, `p50 ${r.post.steady.p50} ms, p99 ${r.post.steady.p99} ms`],
    ['approve → send started', `p50 ${r.approveToSendStarted.p50} ms, p99 ${r.approveToSendStarted.p99} ms (n=${r.approveToSendStarted.n})`],
    ['duplicate sends', String(r.duplicates)],
    ['events = workflows = outcomes = outbox', `${r.reconciliation.events} = ${r.reconciliation.workflows} = ${r.reconciliation.outcomes} = ${r.reconciliation.outboxRows} ${reconciled ? '✓' : '✗'}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\nAutopilot end-to-end bench (${r.machine.cpus} cores, ${r.machine.node}, dev server durability ${r.config.durability})\n`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
  console.log('\nTargets');
  for (const v of verdicts) console.log(`  ${v.met ? '✓' : '✗'} ${v.target.padEnd(44)} ${v.value}${v.met ? '' : `  ${v.distance}`}`);
  console.log('');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
