import crypto from 'node:crypto';
import { DateTime } from 'luxon';
import { NonRetryableSendError, type ChannelAdapter } from '../../src/channels/types';
import { createSandboxAdapter } from '../../src/channels/sandbox';
import { insertInboundEvent } from '../../src/db/events';
import { workflowIdFor } from '../../src/domain/workflow-id';
import { AutopilotStage } from '../../src/workflows/search-attributes';
import { startStack, type Stack, type TestUser } from '../helpers/stack';
import { authenticatedSender } from '../helpers/mail-auth';
import { waitFor } from '../helpers/wait';

/**
 * The owner's controls hold for replies already in flight: the daily cap on automatic replies is taken when a reply
 * is routed, in the user's day; an automatic reply that does not go out gives its place back; every path that ends
 * in an error records an outcome; a stored event whose workflow never started is started by the sweep.
 */

let counter = 0;
function inbound(overrides: Record<string, unknown> = {}) {
  counter += 1;
  return {
    channel: 'whatsapp',
    externalId: `wamid.controls-${crypto.randomUUID()}`,
    contact: { handle: `+49 172 ${3000000 + counter}`, name: 'Erika Mustermann', timezone: 'Europe/Berlin' },
    text: 'Hallo, was kostet das Pro-Paket?',
    ...overrides,
  };
}

const FAST = { sendTiming: 'asap', sendingHours: { start: 0, end: 24 } };

/** Waits until every event has left the pipeline's moving stages, and returns the stages and reasons. */
async function settled(stack: Stack, user: TestUser, eventIds: string[], resting = ['sent', 'awaiting_review', 'skipped', 'failed', 'cancelled']) {
  return waitFor(
    async () => {
      const reads = await Promise.all(eventIds.map(async (id) => (await stack.request('GET', `/v1/events/${id}`, { key: user.key })).body));
      return reads.every((r) => resting.includes(r.stage)) ? reads : undefined;
    },
    `${eventIds.length} events to settle`,
    60_000,
  );
}

describe('the daily cap on automatic replies', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { AUTOPILOT_ASAP_DELAY_SECONDS: '0', AUTOPILOT_COOLDOWN: '1s' } });
  });
  afterAll(async () => stack?.close());

  it('lets exactly 2 of 5 auto-eligible replies go out with a cap of 2; the other 3 wait for a person', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'auto', maxAutoRepliesPerDay: 2, ...FAST });
    const posted = [];
    for (let i = 0; i < 5; i++) posted.push(await stack.postEvent(user, inbound()));
    const reads = await settled(stack, user, posted.map((p) => p.eventId));
    expect(reads.filter((r) => r.stage === 'sent')).toHaveLength(2);
    const waiting = reads.filter((r) => r.stage === 'awaiting_review');
    expect(waiting).toHaveLength(3);
    expect(waiting.map((r) => r.stageReason)).toEqual(['daily_auto_limit', 'daily_auto_limit', 'daily_auto_limit']);
    // They wait prepared: one click sends each (a person's approval is not an automatic reply).
    const review = (await stack.request('GET', `/v1/reviews/${waiting[0].review.id}`, { key: user.key })).body;
    expect(review).toMatchObject({ reason: 'daily_auto_limit', oneClick: true });
    expect((await stack.request('GET', '/v1/outbox', { key: user.key })).body.messages).toHaveLength(2);
  });

  it('schedules exactly 10 of 50 concurrent auto-eligible replies against a cap of 10', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'auto', maxAutoRepliesPerDay: 10, ...FAST });
    const posted = await Promise.all(Array.from({ length: 50 }, () => stack.postEvent(user, inbound())));
    const reads = await settled(stack, user, posted.map((p) => p.eventId));
    expect(reads.filter((r) => r.stage === 'sent')).toHaveLength(10);
    expect(reads.filter((r) => r.stage === 'awaiting_review' && r.stageReason === 'daily_auto_limit')).toHaveLength(40);
    const { rows } = await stack.db.query(
      `SELECT count(*)::int AS n FROM auto_reply_reservations WHERE user_id = $1 AND released_at IS NULL`,
      [user.id],
    );
    expect(rows[0].n).toBe(10);
  });

  it('gives the place back when an automatic reply is cancelled before it goes out', async () => {
    const user = await stack.createUser();
    // best_time: the reply waits for the channel's hour, so it can be cancelled while scheduled
    await stack.put(user, '/v1/settings', { mode: 'auto', maxAutoRepliesPerDay: 1, sendTiming: 'best_time', sendingHours: { start: 0, end: 24 } });
    const first = await stack.postEvent(user, inbound());
    await stack.waitForStage(first.eventId, 'scheduled', user.key);
    await stack.temporal.workflow.getHandle(first.workflowId).signal('cancel', { reason: 'changed my mind' });
    expect((await stack.waitForStage(first.eventId, 'cancelled', user.key)).stageReason).toBe('changed my mind');
    const second = await stack.postEvent(user, inbound());
    await stack.waitForStage(second.eventId, 'scheduled', user.key);
    await stack.temporal.workflow.getHandle(second.workflowId).signal('cancel', { reason: 'test done' });
  });
});

describe('failures end with an outcome', () => {
  let stack: Stack;
  const moderation = { down: false };
  beforeAll(async () => {
    stack = await startStack({
      env: { AUTOPILOT_ASAP_DELAY_SECONDS: '0', AUTOPILOT_COOLDOWN: '1s', AUTOPILOT_LIMIT_LINKEDIN_PER_DAY: '0', AUTOPILOT_SWEEP_AFTER: '1s', AUTOPILOT_SWEEP_EVERY: '1s' },
      deps: (deps) => {
        const sandbox = createSandboxAdapter('email', deps);
        // The platform refuses every mail for good ("blocked").
        const refusing: ChannelAdapter = {
          ...sandbox,
          async send() {
            throw new NonRetryableSendError('the platform blocked this sender', 'blocked');
          },
        };
        return {
          channels: new Map([...deps.channels, ['email', refusing]]),
          moderator: {
            check: async (text: string) => {
              if (moderation.down) throw new Error('moderation endpoint answered 503');
              return deps.moderator.check(text);
            },
          },
        };
      },
    });
  });
  afterAll(async () => stack?.close());

  it('records a send refused for good as failed with the error type, gives the slots back, and is found by the stage filter', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'auto', ...FAST });
    const address = `refused${counter}@example.org`;
    const { eventId, workflowId } = await stack.postEvent(user, inbound({ channel: 'email', contact: { handle: address }, metadata: authenticatedSender(address) }));
    const failed = await stack.waitForStage(eventId, 'failed', user.key);
    expect(failed.stageReason).toBe('send_failed:NonRetryableSendError');
    const { rows } = await stack.db.query(
      `SELECT (SELECT status FROM autopilot_jobs WHERE message_event_id = $1) AS job,
              (SELECT released_at IS NOT NULL FROM send_reservations WHERE message_event_id = $1) AS slot_released,
              (SELECT released_at IS NOT NULL FROM auto_reply_reservations WHERE message_event_id = $1) AS allowance_released`,
      [eventId],
    );
    expect(rows[0]).toEqual({ job: 'failed', slot_released: true, allowance_released: true });
    await waitFor(async () => {
      const found: string[] = [];
      for await (const wf of stack.temporal.workflow.list({ query: `AutopilotStage = "failed" AND AutopilotUser = "${user.id}"` })) found.push(wf.workflowId);
      return found.includes(workflowId) ? true : undefined;
    }, 'the failed workflow in the stage filter');
    expect((await stack.temporal.workflow.getHandle(workflowId).describe()).typedSearchAttributes.get(AutopilotStage)).toBe('failed');
  });

  it('records a reply that finds no send slot in 14 days as failed, naming the step and the error', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'auto', ...FAST });
    // LinkedIn allows no reply a day here (AUTOPILOT_LIMIT_LINKEDIN_PER_DAY=0) and has no 24-hour window to end the search first
    const { eventId } = await stack.postEvent(user, inbound({ channel: 'linkedin', contact: { handle: `urn:li:person:lead${counter}` } }));
    const failed = await stack.waitForStage(eventId, 'failed', user.key);
    expect(failed.stageReason).toBe('decide_failed:NoSendSlot');
    const { rows } = await stack.db.query(`SELECT count(*)::int AS n FROM auto_reply_reservations WHERE message_event_id = $1 AND released_at IS NULL`, [
      eventId,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it('sends the reply to a person when moderation is down, instead of failing', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'auto', ...FAST });
    moderation.down = true;
    try {
      const { eventId } = await stack.postEvent(user, inbound());
      const waiting = await stack.waitForStage(eventId, 'awaiting_review', user.key);
      expect(waiting.stageReason).toBe('gate_failed:moderation_unavailable');
      expect((await stack.request('GET', '/v1/outbox', { key: user.key })).body.messages).toEqual([]);
    } finally {
      moderation.down = false;
    }
  });

  it('starts the workflow of an event stored but never started (a crash between the insert and the start)', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'auto', ...FAST });
    const externalId = `wamid.forgotten-${crypto.randomUUID()}`;
    const stored = await insertInboundEvent(stack.db, {
      userId: user.id,
      channel: 'whatsapp',
      externalId,
      text: 'Was kostet das?',
      contact: { handle: '491729999999', timezone: 'Europe/Berlin' },
      occurredAt: new Date(),
      metadata: {},
      workflowId: workflowIdFor('whatsapp', user.id, externalId),
    });
    expect((await stack.waitForStage(stored.id, 'sent', user.key)).workflowId).toBe(stored.workflowId);
  });
});

describe('a late one-click approval', () => {
  let stack: Stack;
  let anchor = { real: Date.now(), fake: Date.now() };
  const clock = { now: () => new Date(anchor.fake + (Date.now() - anchor.real)) };
  const setClockTo = (iso: string, zone = 'Europe/Berlin') => {
    anchor = { real: Date.now(), fake: DateTime.fromISO(iso, { zone }).toMillis() };
  };
  beforeAll(async () => {
    stack = await startStack({ env: { AUTOPILOT_ASAP_DELAY_SECONDS: '1', AUTOPILOT_COOLDOWN: '1s' }, deps: () => ({ clock }) });
  });
  afterAll(async () => stack?.close());

  it('re-plans inside the sending hours and counts the reply on its new day', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'one_click', sendTiming: 'asap', sendingHours: { start: 8, end: 20 } });
    setClockTo('2026-12-01T19:58:00');
    const address = `late${counter}@example.de`;
    const { eventId } = await stack.postEvent(user, inbound({ channel: 'email', contact: { handle: address, timezone: 'Europe/Berlin' }, metadata: authenticatedSender(address) }));
    const waiting = await stack.waitForStage(eventId, 'awaiting_review', user.key);
    const review = (await stack.request('GET', `/v1/reviews/${waiting.review.id}`, { key: user.key })).body;
    expect(DateTime.fromISO(review.plannedSendAt).setZone('Europe/Berlin').toISODate()).toBe('2026-12-01');

    setClockTo('2026-12-01T21:30:00'); // approved after the planned time, outside the sending hours
    const approved = await stack.request('POST', `/v1/reviews/${review.id}/approve`, { body: {}, key: user.key });
    expect(approved.body.outcome).toBe('scheduled');
    const planned = DateTime.fromISO(approved.body.sendAt).setZone('Europe/Berlin');
    expect(planned.toFormat("yyyy-MM-dd'T'HH:mm")).toBe('2026-12-02T08:00');
    const { rows } = await stack.db.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, released_at IS NULL AS held FROM send_reservations WHERE message_event_id = $1`,
      [eventId],
    );
    expect(rows).toEqual([{ day: '2026-12-02', held: true }]);
    const { rows: counters } = await stack.db.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, count FROM rate_limit_counters WHERE user_id = $1 AND contact_id IS NOT NULL ORDER BY day`,
      [user.id],
    );
    expect(counters).toEqual([
      { day: '2026-12-01', count: 0 },
      { day: '2026-12-02', count: 1 },
    ]);
    await stack.temporal.workflow.getHandle(waiting.workflowId).signal('cancel', { reason: 'test done' });
  });
});
