/**
 * Records one workflow history per path of the reply pipeline, from real runs, for the replay test
 * (test/integration/replay.test.ts). Self-contained: it starts embedded PostgreSQL and the Temporal dev server in
 * a temporary folder, then for each scenario the production workers and API (createWorkers, startApiServer) with
 * the configuration that scenario needs, and local servers for the third parties (a chat-completions server, a
 * WhatsApp Cloud API). Each scenario is driven through the HTTP API only, as a client would; once its workflow has
 * closed, its history is written as JSON (the format Worker.runReplayHistory reads) and everything is stopped.
 *
 *   npm run record:histories                          # every scenario, into test/fixtures/histories/v2
 *   npm run record:histories -- paused cancelled      # only these
 *   HISTORIES_DIR=/tmp/histories npm run record:histories
 *
 * A recorded file is never overwritten: when <scenario>.json exists, the recording goes to
 * <scenario>-<YYYY-MM-DD>.json; when that exists too, the scenario is skipped. Histories are kept forever: a
 * workflow started by today's code may still be running after the next change, and must replay on it.
 *
 * A scenario whose workflow ends anywhere but where the scenario expects is not written: the run reports it with the
 * workflow's history, step by step, and exits 1.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, DefaultLogger, Runtime, type NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../src/config';
import { createPool, type Pool } from '../src/db/pool';
import { addApiKey, generateApiKey, upsertUser } from '../src/db/users';
import { startLocalServers } from '../src/local-servers';
import { createLogger, type Logger } from '../src/logger';
import { apiDepsFromConfig, startApiServer } from '../src/server';
import { connectTemporalClient, connectTemporalWorker, temporalConnectionOptions } from '../src/temporal/connection';
import { PIPELINE_V2 } from '../src/workflows/autopilot';
import type { AutopilotState } from '../src/workflows/types';
import { activityDepsFromConfig, createWorkers, installTemporalRuntime } from '../src/worker';
import { startFakeGraph, type FakeGraph } from '../test/helpers/fake-graph';
import { startFakeOpenAi, type FakeOpenAi } from '../test/helpers/fake-openai';
import { patchesIn, summarizeHistory, type HistoryJson } from '../test/helpers/history';
import { matches, SCENARIOS, ScenarioMismatch, ScenarioRun, STEP_DEADLINE_MS, until, type Scenario } from './history-scenarios';

const OUT = path.resolve(process.env.HISTORIES_DIR ?? path.join(__dirname, '..', 'test', 'fixtures', 'histories', 'v2'));
const LOG_LEVEL = process.env.LOG_LEVEL ?? 'error';

/** The workflow's result once it has closed (it may not have started yet when the scenario hands it over). */
async function closed(handle: WorkflowHandle): Promise<AutopilotState> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ScenarioMismatch(`the workflow did not close within ${STEP_DEADLINE_MS / 1000} s`)), STEP_DEADLINE_MS);
  });
  const result = (async () => {
    for (;;) {
      try {
        return (await handle.result()) as AutopilotState;
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        await new Promise((r) => setTimeout(r, 100)); // its start is on its way (the API starts it off the request path)
      }
    }
  })();
  try {
    return await Promise.race([result, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Until the controlsChangedWorkflow a settings change started (on this task queue) has been listed and has closed:
 * the replies running at the change have been told. Read from Temporal's visibility store, as an operator would.
 */
async function controlsSettled(client: Client, taskQueue: string): Promise<void> {
  const query = `WorkflowType = 'controlsChangedWorkflow' AND TaskQueue = '${taskQueue}'`;
  await until(async () => {
    const statuses: string[] = [];
    for await (const execution of client.workflow.list({ query })) statuses.push(execution.status.name);
    return statuses.length > 0 && statuses.every((status) => status !== 'RUNNING') ? true : undefined;
  }, 'the change of controls to reach the running replies');
}

interface Shared {
  pool: Pool;
  client: Client;
  workerConnection: NativeConnection;
  workflowCode: string;
  secretKey: string;
  appSecret: string;
  logger: Logger;
}

interface Outcome {
  scenario: string;
  result: 'recorded' | 'mismatch' | 'skipped';
  detail: string;
  seconds: number;
  steps?: string[];
}

/**
 * The history names the client and workers that wrote each event by `<pid>@<host name>`; the files are kept in the
 * repository, so the host name of the machine that recorded them is left out (replay never reads it).
 */
function withoutHostName(json: string): string {
  return json.split(`@${os.hostname()}"`).join('@record-histories"');
}

/** Today's date, for the name of a recording next to an older one. */
const today = () => new Date().toISOString().slice(0, 10);

function candidateFiles(name: string): string[] {
  return [`${name}.json`, `${name}-${today()}.json`];
}

/** Writes the history under the first free name; never replaces a file. */
function writeNew(name: string, json: string): string | undefined {
  for (const file of candidateFiles(name)) {
    try {
      fs.writeFileSync(path.join(OUT, file), json, { flag: 'wx' });
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return undefined;
}

async function recordScenario(scenario: Scenario, shared: Shared): Promise<Outcome> {
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 100) / 10;
  const stoppers: (() => Promise<unknown>)[] = [];
  let run: ScenarioRun | undefined;
  try {
    const fakes: { graph?: FakeGraph; model?: FakeOpenAi } = {};
    const env: Record<string, string> = {
      LOG_LEVEL,
      // Each scenario on its own task queue: nothing of one scenario runs on another's workers.
      TEMPORAL_TASK_QUEUE: `record-${scenario.name}`,
      // As under npm start: a channel without a connection records its replies in the sandbox outbox.
      AUTOPILOT_SANDBOX_FALLBACK: 'true',
      AUTOPILOT_SECRET_KEY: shared.secretKey,
      WHATSAPP_APP_SECRET: shared.appSecret,
      AUTOPILOT_ASAP_DELAY_SECONDS: '0',
    };
    if (scenario.needs?.whatsapp) {
      fakes.graph = await startFakeGraph('whatsapp');
      stoppers.push(() => fakes.graph!.close());
      env.WHATSAPP_API_BASE_URL = fakes.graph.baseUrl;
    }
    if (scenario.needs?.model) {
      fakes.model = await startFakeOpenAi();
      stoppers.push(() => fakes.model!.close());
      Object.assign(env, { OPENAI_BASE_URL: fakes.model.baseURL, OPENAI_API_KEY: 'sk-recorder', OPENAI_MODEL: 'recorder-model', OPENAI_TIMEOUT: '5s' });
    }
    // Only what the scenario names: the recorder's own environment (an OPENAI_API_KEY, say) never leaks in.
    const config = loadConfig({ ...env, ...scenario.env });
    const { pool: db, client: temporal, logger } = shared;
    const workers = await createWorkers({
      connection: shared.workerConnection,
      namespace: 'default',
      taskQueue: config.temporal.taskQueue,
      deps: activityDepsFromConfig(config, { db, logger, temporal }),
      workflowBundle: { code: shared.workflowCode },
      sendRatePerSecond: config.sendRatePerSecond,
      // No sweep: every message here gets its workflow from the API, and a sweep would reach into other scenarios.
    });
    const running = workers.run();
    stoppers.push(async () => {
      workers.shutdown();
      await running;
    });
    const api = await startApiServer(apiDepsFromConfig(config, { db, temporal, logger }), '127.0.0.1', 0);
    stoppers.push(() => api.close());

    const userId = await upsertUser(db, { slug: `recorder-${scenario.name}-${crypto.randomUUID().slice(0, 8)}`, name: 'History recorder' });
    const key = generateApiKey();
    await addApiKey(db, userId, key, 'record-histories', 'admin');
    run = new ScenarioRun(scenario.name, {
      url: api.url,
      key,
      appSecret: shared.appSecret,
      fakes,
      controlsSettled: () => controlsSettled(temporal, config.temporal.taskQueue),
    });
    if (scenario.needs?.whatsapp) await run.connectWhatsApp();

    const subject = await scenario.run(run);
    run.current = subject;
    const handle = temporal.workflow.getHandle(subject.workflowId);
    const state = await closed(handle);
    const json = withoutHostName(historyToJSON(await handle.fetchHistory()));
    const history = JSON.parse(json) as HistoryJson;
    const steps = summarizeHistory(history);

    const complaints: string[] = [];
    if (state.stage !== scenario.ends.stage) complaints.push(`ended ${state.stage} (${state.reason ?? 'no reason'}), expected ${scenario.ends.stage}`);
    else if (scenario.ends.reason !== undefined && !matches(state.reason, scenario.ends.reason)) {
      complaints.push(`ended ${state.stage} with reason ${state.reason ?? 'none'}, expected ${String(scenario.ends.reason)}`);
    }
    if (!patchesIn(history).includes(PIPELINE_V2)) complaints.push(`the history has no ${PIPELINE_V2} patch marker`);
    const shown = scenario.shows?.(steps);
    if (shown) complaints.push(shown);
    if (complaints.length) return { scenario: scenario.name, result: 'mismatch', detail: `${subject.workflowId}: ${complaints.join('; ')}`, seconds: seconds(), steps };

    const file = writeNew(scenario.name, `${json}\n`);
    const ending = `${state.stage}${state.reason ? ` (${state.reason})` : ''}`;
    if (!file) return { scenario: scenario.name, result: 'skipped', detail: `${ending}; not written: ${candidateFiles(scenario.name).join(' and ')} exist`, seconds: seconds() };
    return { scenario: scenario.name, result: 'recorded', detail: `${ending} → ${file}`, seconds: seconds() };
  } catch (err) {
    if (!(err instanceof ScenarioMismatch)) throw err;
    let steps: string[] | undefined;
    if (run?.current) {
      try {
        steps = summarizeHistory(JSON.parse(historyToJSON(await shared.client.workflow.getHandle(run.current.workflowId).fetchHistory())) as HistoryJson);
      } catch {
        steps = undefined; // the workflow never started
      }
    }
    return { scenario: scenario.name, result: 'mismatch', detail: `${run?.current?.workflowId ?? '(no workflow)'}: ${err.message}`, seconds: seconds(), steps };
  } finally {
    for (const stop of stoppers.reverse()) await stop().catch((err) => shared.logger.error({ event: 'recorder.stop_failed', error: (err as Error).message }));
  }
}

function report(outcome: Outcome, scenario?: Scenario): void {
  process.stdout.write(`${outcome.result.padEnd(9)} ${outcome.scenario.padEnd(38)} ${String(outcome.seconds).padStart(5)} s  ${outcome.detail}\n`);
  if (outcome.result !== 'mismatch') return;
  if (scenario) process.stdout.write(`          expected: ${scenario.path}\n`);
  for (const step of outcome.steps ?? ['(no history)']) process.stdout.write(`            ${step}\n`);
}

// ——— The servers ——————————————————————————————————————————————————————————————————————————————————————————————————————

async function main(): Promise<number> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length) {
    process.stderr.write(`unknown scenario: ${unknown.join(', ')}\nscenarios: ${SCENARIOS.map((s) => s.name).join(', ')}\n`);
    return 64;
  }
  const chosen = SCENARIOS.filter((s) => wanted.length === 0 || wanted.includes(s.name));
  fs.mkdirSync(OUT, { recursive: true });
  const todo = chosen.filter((s) => !candidateFiles(s.name).every((file) => fs.existsSync(path.join(OUT, file))));
  const outcomes: Outcome[] = chosen
    .filter((s) => !todo.includes(s))
    .map((s) => ({ scenario: s.name, result: 'skipped', detail: `not run: ${candidateFiles(s.name).join(' and ')} exist`, seconds: 0 }));
  for (const outcome of outcomes) report(outcome);
  if (todo.length === 0) {
    process.stdout.write(`nothing to record into ${OUT}\n`);
    return 0;
  }

  const logger = createLogger(LOG_LEVEL, { component: 'record-histories' });
  const stoppers: { name: string; stop: () => Promise<unknown> }[] = [];
  const stopAll = async () => {
    for (const { name, stop } of stoppers.splice(0).reverse()) {
      await stop().catch((err) => logger.error({ event: 'recorder.stop_failed', part: name, error: (err as Error).message }));
    }
  };
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write('\nstopping…\n');
    void stopAll().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const began = Date.now();
  try {
    // Before anything touches Temporal's runtime (the dev server launcher does). Its warnings (the send workers poll
    // no workflows) are noise here unless asked for: a failed workflow task shows in the history.
    if (['trace', 'debug', 'info'].includes(LOG_LEVEL)) installTemporalRuntime();
    else Runtime.install({ logger: new DefaultLogger('ERROR') });
    process.stdout.write('starting PostgreSQL and Temporal\n');
    const { root, pg, temporal: server, stop } = await startLocalServers('autopilot-histories-', logger);
    stoppers.push({ name: 'PostgreSQL and Temporal', stop });
    process.stdout.write(`PostgreSQL and Temporal run in ${root}\n`);
    const pool = createPool(pg.url);
    stoppers.push({ name: 'database pool', stop: () => pool.end() });
    const connectionOptions = temporalConnectionOptions({}, server.address);
    const clientConnection = await connectTemporalClient(connectionOptions);
    stoppers.push({ name: 'temporal client', stop: () => clientConnection.close() });
    const workerConnection = await connectTemporalWorker(connectionOptions);
    stoppers.push({ name: 'worker connection', stop: () => workerConnection.close() });
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../src/workflows'),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error: (m) => logger.error(m), log() {} },
    });
    const shared: Shared = {
      pool,
      client: new Client({ connection: clientConnection, namespace: 'default' }),
      workerConnection,
      workflowCode: bundle.code,
      secretKey: crypto.randomBytes(32).toString('base64url'),
      appSecret: crypto.randomBytes(16).toString('hex'),
      logger,
    };
    process.stdout.write(`ready in ${Math.round((Date.now() - began) / 1000)} s; recording ${todo.length} scenario(s) into ${OUT}\n`);

    for (const scenario of todo) {
      if (interrupted) break;
      const outcome = await recordScenario(scenario, shared);
      outcomes.push(outcome);
      report(outcome, scenario);
    }
  } finally {
    await stopAll();
  }
  const mismatches = outcomes.filter((o) => o.result === 'mismatch');
  process.stdout.write(
    `\n${outcomes.filter((o) => o.result === 'recorded').length} recorded, ${outcomes.filter((o) => o.result === 'skipped').length} skipped, ` +
      `${mismatches.length} not as expected, in ${Math.round((Date.now() - began) / 1000)} s\n`,
  );
  return mismatches.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
