/**
 * Records workflow histories for the replay test (test/integration/replay.test.ts): drives a few replies
 * through a running `npm start` and saves each finished workflow's history to test/fixtures/histories/.
 * Run it when the workflow changes on purpose, and keep the old files: running workflows started by the old
 * code must still replay.
 *   npm start   # in another terminal
 *   npx tsx scripts/record-histories.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { spawnSync } from 'node:child_process';
import { loadConfigOrExit } from '../src/config';
import { findTemporalCli } from '../src/temporal/cli';
import { connectTemporalClient, temporalConnectionOptionsOrExit } from '../src/temporal/connection';

const API = process.env.API_URL ?? 'http://127.0.0.1:3000';
const KEY = process.env.API_KEY ?? fs.readFileSync(path.join(process.env.AUTOPILOT_DATA_DIR ?? '.autopilot', 'dev-api-key'), 'utf8').trim();
const OUT = path.resolve(__dirname, '..', 'test', 'fixtures', 'histories');
const config = loadConfigOrExit();
const ADDRESS = config.temporal.address ?? `127.0.0.1:${config.temporal.devServerPort}`;

async function call(method: string, route: string, body?: unknown) {
  const response = await fetch(`${API}${route}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- loosely read JSON in a dev script
  return (await response.json()) as any;
}

async function until(eventId: string, stages: string[]) {
  for (let i = 0; i < 200; i++) {
    const event = await call('GET', `/v1/events/${eventId}`);
    if (stages.includes(event.stage)) return event;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`event ${eventId} did not reach ${stages.join('/')}`);
}

async function main() {
  const connection = await connectTemporalClient(temporalConnectionOptionsOrExit(config.temporal, ADDRESS));
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const run = Date.now();
  const post = (name: string, text: string, handle: string) =>
    call('POST', '/v1/events', { channel: 'whatsapp', externalId: `wamid.record-${name}-${run}`, contact: { handle, name: 'Erika Muster' }, text });
  const save = async (name: string, workflowId: string) => {
    await client.workflow.getHandle(workflowId).result().catch(() => undefined);
    // The CLI's JSON is the format Worker.runReplayHistories reads (and the Temporal UI downloads). It reads the
    // same TEMPORAL_TLS_* / TEMPORAL_API_KEY variables from the environment.
    const cli = findTemporalCli(process.env.TEMPORAL_CLI_PATH)?.path ?? 'temporal';
    const shown = spawnSync(cli, ['workflow', 'show', '--workflow-id', workflowId, '--output', 'json', '--address', ADDRESS, '--namespace', config.temporal.namespace], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (shown.status !== 0) throw new Error(shown.stderr);
    fs.writeFileSync(path.join(OUT, `${name}.json`), shown.stdout);
    console.log(`recorded ${name}`);
  };

  await call('PUT', '/v1/settings', { mode: 'auto', sendTiming: 'asap', sendingHours: { start: 0, end: 24 }, templates: {} });
  const auto = await post('auto-sent', 'Was kostet das Pro-Paket?', '+491700000001');
  await until(auto.eventId, ['sent']);
  await save('auto-sent', auto.workflowId);

  const stop = await post('opted-out', 'STOP', '+491700000002');
  await save('opted-out', stop.workflowId);

  await call('PUT', '/v1/settings', { mode: 'assist' });
  const edited = await post('approved-with-edit', 'Können wir diese Woche telefonieren?', '+491700000003');
  const review = (await until(edited.eventId, ['awaiting_review'])).review;
  await call('POST', `/v1/reviews/${review.id}/approve`, { text: 'Gerne, passt Ihnen Donnerstag um 10 Uhr?' });
  await save('approved-with-edit', edited.workflowId);

  const skipped = await post('skipped', 'Hmm.', '+491700000004');
  const skipReview = (await until(skipped.eventId, ['awaiting_review'])).review;
  await call('POST', `/v1/reviews/${skipReview.id}/skip`, { reason: 'called instead' });
  await save('skipped', skipped.workflowId);

  const older = await post('superseded', 'Was kostet das?', '+491700000005');
  await until(older.eventId, ['awaiting_review']);
  await post('superseding', 'Und gibt es Rabatt?', '+491700000005');
  await save('superseded', older.workflowId);

  await connection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
