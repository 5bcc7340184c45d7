import crypto from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DateTime } from 'luxon';
import { loadConfig } from '../../src/config';
import { recordOptOut } from '../../src/db/contacts';
import { insertInboundEvent } from '../../src/db/events';
import { saveSettings } from '../../src/db/settings';
import { upsertUser } from '../../src/db/users';
import type { Channel } from '../../src/domain/channels';
import { localDay, planSendTime } from '../../src/domain/send-time';
import { DEFAULT_SETTINGS, type AutopilotSettings } from '../../src/domain/settings';
import { workflowIdFor } from '../../src/domain/workflow-id';
import { createLogger } from '../../src/logger';
import { localToolPath, TEMPORAL_TEST_SERVER } from '../../src/temporal/cli';
import { searchAttributeSchema } from '../../src/temporal/search-attributes';
import { activityDepsFromConfig, createWorkers, installTemporalRuntime, type AutopilotWorkers } from '../../src/worker';
import type { autopilotWorkflow } from '../../src/workflows';
import type { AutopilotState } from '../../src/workflows/types';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { testServers } from '../helpers/servers';
import { waitFor } from '../helpers/wait';

/**
 * Workflows whose timers span hours and days, on Temporal's time-skipping test server: the real workflow code
 * and activities against the real PostgreSQL, with the server skipping ahead whenever the workflow only waits.
 */

let env: TestWorkflowEnvironment;
let database: TestDatabase;
let worker: AutopilotWorkers;
let running: Promise<void>;
let userId: string;

beforeAll(async () => {
  installTemporalRuntime();
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: localToolPath(TEMPORAL_TEST_SERVER) } },
  });
  // The test server has no ListSearchAttributes; registering directly is enough.
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: searchAttributeSchema(),
  });
  database = await createTestDatabase();
  userId = await upsertUser(database.pool, { slug: 'time-skipping', name: 'Time skipping' });
  worker = await createWorkers({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue: 'time-skipping',
    workflowBundle: { codePath: testServers().workflowBundlePath },
    deps: activityDepsFromConfig(loadConfig({ TEMPORAL_TASK_QUEUE: 'time-skipping' }), {
      db: database.pool,
      logger: createLogger('silent'),
      temporal: env.client,
      sandboxFallback: true,
    }),
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await database?.drop();
});

async function useSettings(settings: Partial<AutopilotSettings>) {
  await saveSettings(database.pool, userId, null, { ...DEFAULT_SETTINGS, ...settings });
}

async function start(channel: Channel, handle: string, text: string, timezone = 'Europe/Berlin') {
  const externalId = crypto.randomUUID();
  const stored = await insertInboundEvent(database.pool, {
    userId,
    channel,
    externalId,
    text,
    contact: { handle, name: 'Erika Muster', timezone },
    occurredAt: new Date(),
    // an email's sender as the inbound provider verified it (the API computes this verdict for each inbound mail)
    metadata: channel === 'email' ? { email: { senderAuthentication: { verified: true, method: 'dmarc', detail: 'dmarc=pass' } } } : {},
    workflowId: workflowIdFor(channel, userId, externalId),
  });
  const handleOf = await env.client.workflow.start<typeof autopilotWorkflow>('autopilotWorkflow', {
    taskQueue: 'time-skipping',
    workflowId: stored.workflowId,
    args: [{ eventId: stored.id, userId, channel }],
  });
  return { eventId: stored.id, handle: handleOf };
}

async function outboxCount(eventId: string): Promise<number> {
  const { rows } = await database.pool.query(
    `SELECT count(*)::int AS n FROM outbox o JOIN autopilot_jobs j ON j.id = o.job_id WHERE j.message_event_id = $1`,
    [eventId],
  );
  return rows[0].n;
}

it('expires an unanswered review after the default 48 hours', async () => {
  await useSettings({ mode: 'assist' });
  const { eventId, handle } = await start('email', 'review@example.de', 'Hmm.');
  const result: AutopilotState = await handle.result();
  expect(result).toMatchObject({ stage: 'skipped', reason: 'review_expired' });
  const { rows } = await database.pool.query(`SELECT status, round(extract(epoch FROM deadline - created_at) / 3600)::int AS hours FROM review_tasks WHERE message_event_id = $1`, [eventId]);
  expect(rows[0].status).toBe('expired');
  expect(rows[0].hours).toBe(48);
});

it("sleeps until the channel's hour in the contact's zone, then sends once", async () => {
  await useSettings({ mode: 'auto' });
  const { eventId, handle } = await start('email', 'pricing@example.de', 'Was kostet das Pro-Paket?');
  const result: AutopilotState = await handle.result();
  expect(result.stage).toBe('sent');
  const planned = DateTime.fromISO(result.sendAt!).setZone('Europe/Berlin');
  expect(planned.toFormat('HH:mm')).toBe('10:00');
  expect(await outboxCount(eventId)).toBe(1);
});

it("defers the send to the next day when the contact's day is full, and sends then", async () => {
  await useSettings({ mode: 'auto' });
  const handle = 'full-day@example.de';
  // The day the plan would pick first, filled to the email cap of 10 for this contact.
  const firstChoice = planSendTime({
    now: new Date(),
    channel: 'email',
    timezone: 'Europe/Berlin',
    timing: 'best_time',
    sendingHours: { start: 8, end: 20 },
    lastInboundAt: new Date(),
    asapDelaySeconds: 60,
  });
  if (!firstChoice.ok) throw new Error('expected a plan');
  const fullDay = localDay(firstChoice.sendAt, 'Europe/Berlin');
  const { rows } = await database.pool.query(`INSERT INTO contacts (user_id, channel, handle) VALUES ($1, 'email', $2) RETURNING id`, [userId, handle]);
  await database.pool.query(`INSERT INTO rate_limit_counters (user_id, contact_id, channel, day, count) VALUES ($1, $2, 'email', $3, 10)`, [
    userId,
    rows[0].id,
    fullDay,
  ]);

  const { eventId, handle: workflow } = await start('email', handle, 'Was kostet das Pro-Paket?');
  const result: AutopilotState = await workflow.result();
  expect(result.stage).toBe('sent');
  const planned = DateTime.fromISO(result.sendAt!).setZone('Europe/Berlin');
  expect(planned.toISODate()).toBe(DateTime.fromISO(fullDay, { zone: 'Europe/Berlin' }).plus({ days: 1 }).toISODate());
  expect(planned.toFormat('HH:mm')).toBe('10:00');
  expect(await outboxCount(eventId)).toBe(1);
});

it('checks the opt-out again after the sleep and sends nothing to a contact who opted out meanwhile', async () => {
  await useSettings({ mode: 'auto' });
  const { eventId, handle } = await start('email', 'changed-mind@example.de', 'Was kostet das Pro-Paket?');
  const scheduled = await waitFor(async () => {
    const state = await handle.query<AutopilotState>('state');
    return state.stage === 'scheduled' ? state : undefined;
  }, 'the reply to be scheduled');
  // The opt-out arrives by another way (an unsubscribe link) while the workflow sleeps.
  await recordOptOut(database.pool, { userId, contactId: scheduled.contactId!, channel: 'email', source: 'unsubscribe_link' });
  const result: AutopilotState = await handle.result();
  expect(result).toMatchObject({ stage: 'cancelled', reason: 'contact_opted_out' });
  expect(await outboxCount(eventId)).toBe(0);
});

it('plans in UTC, with a warning in the audit log, for a contact whose time zone is invalid', async () => {
  await useSettings({ mode: 'auto' });
  // The zone as a vendor payload might carry it, past the API's own validation.
  const { eventId, handle } = await start('email', 'nowhere@example.de', 'Was kostet das Pro-Paket?', 'Mars/Olympus');
  const result: AutopilotState = await handle.result();
  expect(result.stage).toBe('sent');
  expect(DateTime.fromISO(result.sendAt!, { zone: 'UTC' }).toFormat('HH:mm')).toBe('10:00');
  const { rows } = await database.pool.query(`SELECT details FROM audit_log WHERE subject_id = $1 AND action = 'reply.scheduled'`, [eventId]);
  expect(rows[0].details).toMatchObject({ zone: 'UTC', warnings: ['invalid time zone "Mars/Olympus", using UTC'] });
});

it("sends a WhatsApp reply to review with reason outside_window when the lead's 24 hours are nearly over", async () => {
  await useSettings({ mode: 'auto' });
  const externalId = crypto.randomUUID();
  const stored = await insertInboundEvent(database.pool, {
    userId,
    channel: 'whatsapp',
    externalId,
    text: 'Was kostet das Pro-Paket?',
    contact: { handle: '491709999999', timezone: 'Europe/Berlin' },
    occurredAt: new Date(Date.now() - (23 * 60 + 55) * 60_000), // the message came in 23 h 55 min ago
    metadata: {},
    workflowId: workflowIdFor('whatsapp', userId, externalId),
  });
  const handle = await env.client.workflow.start<typeof autopilotWorkflow>('autopilotWorkflow', {
    taskQueue: 'time-skipping',
    workflowId: stored.workflowId,
    args: [{ eventId: stored.id, userId, channel: 'whatsapp' }],
  });
  const state = await waitFor(async () => {
    const s = await handle.query<AutopilotState>('state');
    return s.stage === 'awaiting_review' ? s : undefined;
  }, 'the review');
  expect(state.reason).toBe('outside_window');
  await handle.signal('cancel', { reason: 'test done' });
  expect((await handle.result()).stage).toBe('cancelled');
});
