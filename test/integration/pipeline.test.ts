import { DateTime } from 'luxon';
import { RetryableSendError, type ChannelAdapter } from '../../src/channels/types';
import { createSandboxAdapter } from '../../src/channels/sandbox';
import { AutopilotSendAt } from '../../src/workflows/search-attributes';
import { startStack, type Stack, type TestUser } from '../helpers/stack';
import { authenticatedSender } from '../helpers/mail-auth';
import { waitFor } from '../helpers/wait';

/**
 * The reply pipeline through the HTTP API alone, with the default template engine, the real worker, the real
 * Temporal dev server and the real PostgreSQL. Replies go out "asap" with a one-second delay and sending
 * hours around the clock, so nothing waits for the wall clock's 14:00.
 */

let counter = 0;
function inbound(overrides: Record<string, unknown> = {}) {
  counter += 1;
  return {
    channel: 'whatsapp',
    externalId: `wamid.pipeline-${Date.now()}-${counter}`,
    contact: { handle: `+49 171 ${2000000 + counter}`, name: 'Erika Mustermann', timezone: 'Europe/Berlin' },
    text: 'Hallo, was kostet das Pro-Paket?',
    ...overrides,
  };
}

const FAST = { sendTiming: 'asap', sendingHours: { start: 0, end: 24 } };

async function outboxOf(stack: Stack, user: TestUser) {
  return (await stack.request('GET', '/v1/outbox', { key: user.key })).body.messages as any[];
}

describe('the reply pipeline', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { AUTOPILOT_ASAP_DELAY_SECONDS: '1', AUTOPILOT_COOLDOWN: '1s', AUTOPILOT_SEND_RATE_WHATSAPP: '7' } });
  });
  afterAll(async () => stack?.close());

  it("sends on the channel's own task queue, whose pollers carry the platform's rate for the server to enforce", async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'auto', ...FAST });
    const { eventId, workflowId } = await stack.postEvent(user, inbound());
    await stack.waitForStage(eventId, 'sent', user.key);
    const history = await stack.temporal.workflow.getHandle(workflowId).fetchHistory();
    const scheduled = history.events!.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!);
    expect(scheduled.map((a) => [a.activityType?.name, a.taskQueue?.name])).toEqual([['sendReply', `${stack.taskQueue}-send-whatsapp`]]);
    const queue = await stack.temporal.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: `${stack.taskQueue}-send-whatsapp` },
      taskQueueType: 2, // activity
    });
    expect(queue.pollers.length).toBeGreaterThan(0);
    expect(queue.pollers.map((p) => p.ratePerSecond)).toContain(7);
  });

  it('sends a pricing question in auto mode without a human, once, with the template reply', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'auto', ...FAST });
    const { eventId } = await stack.postEvent(user, inbound());
    const read = await stack.waitForStage(eventId, 'sent', user.key);
    expect(read.reply).toMatchObject({ status: 'sent', decidedBy: 'autopilot', sandbox: true, confidence: expect.any(Number) });
    expect(read.reply.text).toMatch(/^Hallo Erika, danke für Ihre Frage zu den Preisen!/);
    expect(read.reply.confidence).toBeGreaterThanOrEqual(0.85);
    const messages = await outboxOf(stack, user);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ eventId, channel: 'whatsapp', recipient: `49171${2000000 + counter}`, message: { text: read.reply.text } });
    const { rows } = await stack.db.query(`SELECT action FROM audit_log WHERE user_id = $1 AND subject_id = $2 ORDER BY id`, [user.id, eventId]);
    expect(rows.map((r) => r.action)).toEqual(['reply.scheduled', 'reply.sent', 'event.sent']);
    const { rows: outcome } = await stack.db.query(`SELECT actor, details FROM audit_log WHERE user_id = $1 AND subject_id = $2 AND action = 'event.sent'`, [
      user.id,
      eventId,
    ]);
    expect(outcome[0].actor).toBe('autopilot');
    expect(outcome[0].details).toMatchObject({ route: 'auto_send', intent: 'pricing', model: 'template-engine', confidence: read.reply.confidence });
    expect(outcome[0].details.gates.map((g: any) => [g.gate, g.passed])).toEqual([
      ['moderation', true],
      ['compliance', true],
      ['spam', true],
      ['channel_rules', true],
      ['opt_out', true],
      ['claims', true],
    ]);
  });

  it('waits for review in assist mode, lists the task, and sends the edited text after approve', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'assist', ...FAST });
    const { eventId } = await stack.postEvent(user, inbound());
    await stack.waitForStage(eventId, 'awaiting_review', user.key);

    const list = await stack.request('GET', '/v1/reviews', { key: user.key });
    expect(list.body.reviews).toHaveLength(1);
    const review = list.body.reviews[0];
    expect(review).toMatchObject({ eventId, status: 'open', reason: 'assist_mode', inboundText: 'Hallo, was kostet das Pro-Paket?' });
    expect(review.draft.text).toMatch(/^Hallo Erika/);
    expect(await outboxOf(stack, user)).toEqual([]);

    const edited = 'Hallo Erika, das Pro-Paket kostet 49 € pro Nutzer und Monat. Passt das?';
    const approved = await stack.request('POST', `/v1/reviews/${review.id}/approve`, { body: { text: edited }, key: user.key });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ reviewId: review.id, outcome: 'scheduled', sendAt: expect.any(String) });

    const read = await stack.waitForStage(eventId, 'sent', user.key);
    expect(read.reply.text).toBe(edited);
    expect(read.reply.decidedBy).toMatch(/^reviewer:apikey:/);
    expect((await outboxOf(stack, user)).map((m) => m.message.text)).toEqual([edited]);
    expect((await stack.request('GET', '/v1/reviews', { key: user.key })).body.reviews).toEqual([]);
  });

  it('rejects a second decision and a decision on a settled review with 409', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'assist', ...FAST });
    const { eventId } = await stack.postEvent(user, inbound());
    const read = await stack.waitForStage(eventId, 'awaiting_review', user.key);
    const reviewId = read.review.id;

    const skipped = await stack.request('POST', `/v1/reviews/${reviewId}/skip`, { body: { reason: 'already called them' }, key: user.key });
    expect(skipped.body).toEqual({ reviewId, outcome: 'skipped', reason: 'already called them' });
    const again = await stack.request('POST', `/v1/reviews/${reviewId}/approve`, { body: {}, key: user.key });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toMatch(/^review_(closed|already_decided)$/);
    const final = await stack.waitForStage(eventId, 'skipped', user.key);
    expect(final.stageReason).toBe('already called them');
    expect(await outboxOf(stack, user)).toEqual([]);
  });

  it('answers a racing second decision with 409 review_already_decided', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'assist', ...FAST });
    const { eventId, workflowId } = await stack.postEvent(user, inbound());
    const read = await stack.waitForStage(eventId, 'awaiting_review', user.key);
    // A signal decides first (the card's shape); the Update that follows finds the review decided.
    await stack.temporal.workflow.getHandle(workflowId).signal('skip', { reason: 'from the card' });
    const late = await stack.request('POST', `/v1/reviews/${read.review.id}/approve`, { body: {}, key: user.key });
    expect(late.status).toBe(409);
    expect((await stack.waitForStage(eventId, 'skipped', user.key)).stageReason).toBe('from the card');
  });

  it('prepares a reply in one_click mode and sends it on a single approve', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'one_click', ...FAST });
    const { eventId } = await stack.postEvent(user, inbound());
    const read = await stack.waitForStage(eventId, 'awaiting_review', user.key);
    const review = (await stack.request('GET', `/v1/reviews/${read.review.id}`, { key: user.key })).body;
    expect(review).toMatchObject({ reason: 'one_click_mode', oneClick: true, plannedSendAt: expect.any(String) });
    const approved = await stack.request('POST', `/v1/reviews/${review.id}/approve`, { body: {}, key: user.key });
    expect(approved.body).toMatchObject({ outcome: 'scheduled', sendAt: review.plannedSendAt });
    const sent = await stack.waitForStage(eventId, 'sent', user.key);
    expect(sent.reply.text).toBe(review.draft.text);
  });

  it("asks a human once the day's auto-reply allowance is used up", async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'auto', maxAutoRepliesPerDay: 0, ...FAST });
    const { eventId } = await stack.postEvent(user, inbound());
    expect((await stack.waitForStage(eventId, 'awaiting_review', user.key)).stageReason).toBe('daily_auto_limit');
  });

  it('sends a low-confidence reply in auto mode to review', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'auto', ...FAST });
    const { eventId } = await stack.postEvent(user, inbound({ text: 'Hmm, interesting.' }));
    const read = await stack.waitForStage(eventId, 'awaiting_review', user.key);
    expect(read.stageReason).toBe('low_confidence');
  });

  it('never lets a compliance phrase reach the outbox, not even in an approved edit', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', {
      mode: 'auto',
      ...FAST,
      templates: { pricing: { de: 'Hallo {{firstName}}, unser Paket bringt Ihnen garantiert 20 % mehr Umsatz.' } },
    });
    const { eventId } = await stack.postEvent(user, inbound());
    const read = await stack.waitForStage(eventId, 'awaiting_review', user.key);
    expect(read.stageReason).toBe('gate_failed:compliance_phrase');

    const round = (n: number) =>
      waitFor(async () => {
        const r = (await stack.request('GET', '/v1/reviews', { key: user.key })).body.reviews;
        return r.length === 1 && r[0].round === n ? r[0] : undefined;
      }, `review round ${n}`);
    // the draft that failed the gate, approved as it is, is not sent
    const unchanged = await stack.request('POST', `/v1/reviews/${read.review.id}/approve`, { body: {}, key: user.key });
    expect(unchanged.body).toMatchObject({ outcome: 'blocked', reason: 'gate_failed:compliance_phrase' });
    const blocked = await stack.request('POST', `/v1/reviews/${(await round(2)).id}/approve`, {
      body: { text: 'Eine risikofreie Investition mit garantierter Rendite!' },
      key: user.key,
    });
    expect(blocked.body).toMatchObject({ outcome: 'blocked', reason: 'gate_failed:compliance_phrase' });
    const reopened = await round(3);
    // approving the blocked text unchanged in the next round does not send it either
    const again = await stack.request('POST', `/v1/reviews/${reopened.id}/approve`, { body: {}, key: user.key });
    expect(again.body).toMatchObject({ outcome: 'blocked', reason: 'gate_failed:compliance_phrase' });
    const third = await round(4);

    const clean = 'Hallo Erika, gerne schicke ich Ihnen unsere Preisliste.';
    const approved = await stack.request('POST', `/v1/reviews/${third.id}/approve`, { body: { text: clean }, key: user.key });
    expect(approved.body.outcome).toBe('scheduled');
    await stack.waitForStage(eventId, 'sent', user.key);
    expect((await outboxOf(stack, user)).map((m) => m.message.text)).toEqual([clean]);
  });

  it.each([
    ['spam', 'whatsapp', 'JETZT KLICKEN UND SPAREN, NUR HEUTE!!!', 'gate_failed:spam_pattern'],
    ['HTML outside email', 'whatsapp', 'Hallo <b>{{firstName}}</b>, danke!', 'gate_failed:html_not_allowed'],
    ['a LinkedIn reply over 1300 characters', 'linkedin', `Hallo {{firstName}}, ${'danke für Ihre Frage. '.repeat(70)}`, 'gate_failed:too_long'],
    ['abuse (local word list)', 'whatsapp', 'Hallo {{firstName}}, Sie Idiot.', 'gate_failed:moderation_flagged'],
  ])('holds back a reply that fails the %s gate, even in auto mode', async (_gate, channel, template, reason) => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'auto', ...FAST, templates: { pricing: { de: template } } });
    const handle = channel === 'linkedin' ? `urn:li:person:${counter}` : undefined;
    const event = inbound({ channel });
    const { eventId } = await stack.postEvent(user, handle ? { ...event, contact: { ...event.contact, handle } } : event);
    const read = await stack.waitForStage(eventId, 'awaiting_review', user.key);
    expect(read.stageReason).toBe(reason);
    expect(await outboxOf(stack, user)).toEqual([]);
  });

  it('cancels an older scheduled reply when the same contact writes again, and gives its slot back', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'auto', sendTiming: 'best_time' }); // planned for 14:00, hours away or tomorrow
    const first = inbound();
    const older = await stack.postEvent(user, first);
    await stack.waitForStage(older.eventId, 'scheduled', user.key);
    const { rows: before } = await stack.db.query(`SELECT count FROM rate_limit_counters WHERE user_id = $1 AND contact_id IS NOT NULL`, [user.id]);
    expect(before).toEqual([{ count: 1 }]);

    const newer = await stack.postEvent(user, inbound({ contact: first.contact, text: 'Und gibt es einen Rabatt für 20 Nutzer?' }));
    const cancelled = await stack.waitForStage(older.eventId, 'cancelled', user.key);
    expect(cancelled.stageReason).toBe('superseded');
    expect(cancelled.reply.status).toBe('cancelled');
    await stack.waitForStage(newer.eventId, 'scheduled', user.key);
    const { rows: reservations } = await stack.db.query(
      `SELECT message_event_id, released_at IS NOT NULL AS released FROM send_reservations WHERE user_id = $1 ORDER BY reserved_at`,
      [user.id],
    );
    expect(reservations).toEqual([
      { message_event_id: older.eventId, released: true },
      { message_event_id: newer.eventId, released: false },
    ]);
    const { rows: after } = await stack.db.query(`SELECT count FROM rate_limit_counters WHERE user_id = $1 AND contact_id IS NOT NULL`, [user.id]);
    expect(after).toEqual([{ count: 1 }]);
  });

  it('ends a scheduled reply when the contact opts out during the wait', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'auto', sendTiming: 'best_time' });
    const first = inbound();
    const waiting = await stack.postEvent(user, first);
    await stack.waitForStage(waiting.eventId, 'scheduled', user.key);
    const stop = await stack.postEvent(user, inbound({ contact: first.contact, text: 'STOP' }));
    await stack.waitForStage(stop.eventId, 'opted_out', user.key);
    const ended = await stack.waitForStage(waiting.eventId, 'cancelled', user.key);
    expect(ended.stageReason).toBe('contact_opted_out');
    expect(await outboxOf(stack, user)).toEqual([]);
  });

  it('ends a scheduled reply on the cancel signal', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'auto', sendTiming: 'best_time' });
    const { eventId, workflowId } = await stack.postEvent(user, inbound());
    await stack.waitForStage(eventId, 'scheduled', user.key);
    const description = await stack.temporal.workflow.getHandle(workflowId).describe();
    expect(description.typedSearchAttributes.get(AutopilotSendAt)).toBeInstanceOf(Date);
    await stack.temporal.workflow.getHandle(workflowId).signal('cancel', { reason: 'lead called in' });
    expect((await stack.waitForStage(eventId, 'cancelled', user.key)).stageReason).toBe('lead called in');
  });

  it('defers the sixth WhatsApp reply to one contact in a day to the next day', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'auto', ...FAST });
    const contact = inbound().contact;
    for (let i = 1; i <= 5; i++) {
      const { eventId } = await stack.postEvent(user, inbound({ contact, text: `Was kostet Paket ${i}?` }));
      await stack.waitForStage(eventId, 'sent', user.key);
    }
    const sixth = await stack.postEvent(user, inbound({ contact, text: 'Was kostet Paket 6?' }));
    const read = await stack.waitForStage(sixth.eventId, 'scheduled', user.key);
    const today = DateTime.now().setZone('Europe/Berlin').toISODate();
    const planned = DateTime.fromISO(read.reply.scheduledFor).setZone('Europe/Berlin');
    expect(planned.toISODate()! > today!).toBe(true);
    expect(await outboxOf(stack, user)).toHaveLength(5);
    const { rows } = await stack.db.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, count FROM rate_limit_counters WHERE user_id = $1 AND contact_id IS NOT NULL ORDER BY day`,
      [user.id],
    );
    expect(rows).toEqual([
      { day: today, count: 5 },
      { day: planned.toISODate(), count: 1 },
    ]);
    await stack.temporal.workflow.getHandle(sixth.workflowId).signal('cancel', { reason: 'test done' });
  });

  it('tracks an A/B variant from send to reply to conversion', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'auto', ...FAST });
    const created = await stack.request('POST', '/v1/experiments', {
      key: user.key,
      body: {
        name: 'pricing opener',
        context: 'pricing',
        variants: [
          { id: 'short', weight: 1, templates: { de: 'Hallo {{firstName}}, gern! Für wie viele Nutzer?' } },
          { id: 'long', weight: 0, templates: { de: 'Hallo {{firstName}}, danke! Die Preise hängen von der Nutzerzahl ab.' } },
        ],
      },
    });
    expect(created.status).toBe(201);
    const experimentId = created.body.id;
    const first = inbound();
    const { eventId } = await stack.postEvent(user, first);
    const sent = await stack.waitForStage(eventId, 'sent', user.key);
    expect(sent.reply).toMatchObject({ text: 'Hallo Erika, gern! Für wie viele Nutzer?', variantId: 'short' });

    const answer = await stack.postEvent(user, inbound({ contact: first.contact, text: 'Für 12 Nutzer. Danke!' }));
    await waitFor(async () => {
      const e = (await stack.request('GET', `/v1/experiments/${experimentId}`, { key: user.key })).body;
      return e.results.find((r: any) => r.variantId === 'short')?.replied === 1 ? e : undefined;
    }, 'the reply to be counted');
    const converted = await stack.request('POST', `/v1/experiments/${experimentId}/conversions`, { body: { eventId }, key: user.key });
    expect(converted.status).toBe(201);
    const twice = await stack.request('POST', `/v1/experiments/${experimentId}/conversions`, { body: { eventId }, key: user.key });
    expect(twice.body.duplicate).toBe(true);
    const experiment = (await stack.request('GET', `/v1/experiments/${experimentId}`, { key: user.key })).body;
    expect(experiment.results).toMatchObject([
      { variantId: 'short', sent: 1, opened: 0, replied: 1, converted: 1, optedOut: 0 },
      { variantId: 'long', sent: 0, opened: 0, replied: 0, converted: 0, optedOut: 0 },
    ]);
    await stack.temporal.workflow.getHandle(answer.workflowId).signal('cancel', { reason: 'test done' });
  });
});

describe('a send that crashes after the provider accepted it', () => {
  let stack: Stack;
  let calls = 0;
  beforeAll(async () => {
    stack = await startStack({
      env: { AUTOPILOT_ASAP_DELAY_SECONDS: '1' },
      deps: (deps) => {
        const sandbox = createSandboxAdapter('whatsapp', deps);
        // The first attempt delivers, then dies before the job row says so: the retry must not send again.
        const crashing: ChannelAdapter = {
          ...sandbox,
          async send(reply, prepared) {
            calls += 1;
            const result = await sandbox.send(reply, prepared);
            if (calls === 1) throw new RetryableSendError('connection reset after the provider accepted the message');
            return result;
          },
        };
        return { channels: new Map([...deps.channels, ['whatsapp', crashing]]) };
      },
    });
  });
  afterAll(async () => stack?.close());

  it('is retried and records one send', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'auto', ...FAST });
    const { eventId } = await stack.postEvent(user, inbound());
    const read = await stack.waitForStage(eventId, 'sent', user.key);
    expect(calls).toBe(2);
    expect(await outboxOf(stack, user)).toHaveLength(1);
    const { rows } = await stack.db.query(`SELECT status, attempts FROM autopilot_jobs WHERE user_id = $1`, [user.id]);
    expect(rows).toEqual([{ status: 'sent', attempts: 2 }]);
    const { rows: outbound } = await stack.db.query(`SELECT count(*)::int AS n FROM message_events WHERE user_id = $1 AND direction = 'outbound'`, [
      user.id,
    ]);
    expect(outbound[0].n).toBe(1);
    expect(read.reply.providerMessageId).toMatch(/^sandbox-/);
  });
});

describe('the planned hour and review expiry', () => {
  let stack: Stack;
  // The worker's clock runs at real speed from a moment the test sets.
  let anchor = { real: Date.now(), fake: Date.now() };
  const clock = { now: () => new Date(anchor.fake + (Date.now() - anchor.real)) };
  const setClockTo = (berlin: { hour: number; minute: number; second: number } | string) => {
    const fake =
      typeof berlin === 'string'
        ? DateTime.fromISO(berlin, { zone: 'Europe/Berlin' })
        : DateTime.now().setZone('Europe/Berlin').set({ ...berlin, millisecond: 0 });
    anchor = { real: Date.now(), fake: fake.toMillis() };
  };

  beforeAll(async () => {
    stack = await startStack({ env: { AUTOPILOT_REVIEW_TTL: '2s' }, deps: () => ({ clock }) });
  });
  afterAll(async () => stack?.close());

  it("sends a pricing question in auto mode at the channel's planned hour", async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'auto' });
    setClockTo({ hour: 13, minute: 59, second: 57 }); // WhatsApp's default hour, 14:00, is three seconds away
    const { eventId, workflowId } = await stack.postEvent(user, inbound({ timestamp: clock.now().toISOString() }));
    const scheduled = await stack.waitForStage(eventId, 'scheduled', user.key);
    const planned = DateTime.fromISO(scheduled.reply.scheduledFor).setZone('Europe/Berlin');
    expect(planned.toFormat('HH:mm:ss')).toBe('14:00:00');
    const sendAt = (await stack.temporal.workflow.getHandle(workflowId).describe()).typedSearchAttributes.get(AutopilotSendAt);
    expect(sendAt?.toISOString()).toBe(planned.toUTC().toISO());
    const sent = await stack.waitForStage(eventId, 'sent', user.key);
    expect(DateTime.fromISO(sent.reply.sentAt).setZone('Europe/Berlin') >= planned).toBe(true);
  });

  it('keeps the wall-clock hour across the day the clocks go back', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'auto' });
    // Berlin leaves summer time in the night to 2026-10-25: 10:00 is 08:00Z on the 24th, 09:00Z on the 25th.
    setClockTo('2026-10-24T11:00:00');
    const { eventId, workflowId } = await stack.postEvent(user, {
      ...inbound({ channel: 'email', contact: { handle: `dst${counter}@example.de`, timezone: 'Europe/Berlin' }, metadata: authenticatedSender('dst@example.de') }),
      timestamp: clock.now().toISOString(),
    });
    const scheduled = await stack.waitForStage(eventId, 'scheduled', user.key);
    expect(scheduled.reply.scheduledFor).toBe('2026-10-25T09:00:00.000Z');
    await stack.temporal.workflow.getHandle(workflowId).signal('cancel', { reason: 'test done' });
  });

  it('expires an unanswered review and refuses a late decision', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'assist' });
    const { eventId } = await stack.postEvent(user, inbound());
    const read = await stack.waitForStage(eventId, 'awaiting_review', user.key);
    const expired = await stack.waitForStage(eventId, 'skipped', user.key);
    expect(expired.stageReason).toBe('review_expired');
    const late = await stack.request('POST', `/v1/reviews/${read.review.id}/approve`, { body: {}, key: user.key });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('review_closed');
    expect((await stack.request('GET', `/v1/reviews/${read.review.id}`, { key: user.key })).body.status).toBe('expired');
  });
});
