import crypto from 'node:crypto';
import { startStack, type Stack, type TestUser } from '../helpers/stack';
import { authenticatedSender } from '../helpers/mail-auth';
import { waitFor } from '../helpers/wait';

/**
 * The owner is always obeyed, through the HTTP API alone: turning the autopilot off, leaving auto mode or switching a
 * channel off stops replies already in flight; one reply can be stopped; a lead's STOP on one channel suppresses the
 * same person's other channels; a platform account belongs to one user.
 */

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { AUTOPILOT_ASAP_DELAY_SECONDS: '0', AUTOPILOT_COOLDOWN: '1s', AUTOPILOT_SECRET_KEY: 'owner-controls-secret-key-0123456789' } });
});
afterAll(async () => stack?.close());

let counter = 0;
const phone = () => `+49 173 ${4000000 + ++counter}`;

function whatsapp(text = 'Hallo, was kostet das Pro-Paket?', contact: Record<string, unknown> = { handle: phone(), timezone: 'Europe/Berlin' }) {
  return { channel: 'whatsapp', externalId: `wamid.owner-${crypto.randomUUID()}`, contact, text };
}

function email(handle: string, extra: Record<string, unknown> = {}, text = 'Hallo, was kostet das Pro-Paket?') {
  return {
    channel: 'email',
    externalId: `<${crypto.randomUUID()}@kunde.example.org>`,
    contact: { handle, timezone: 'Europe/Berlin', ...extra },
    text,
    metadata: authenticatedSender(handle),
  };
}

// best_time: a scheduled reply waits for the channel's hour, so there is time to stop it
const SCHEDULED = { mode: 'auto', sendTiming: 'best_time', sendingHours: { start: 0, end: 24 } };
const outbox = async (user: TestUser) => (await stack.request('GET', '/v1/outbox', { key: user.key })).body.messages as any[];

describe('settings in flight', () => {
  it('stops a reply already scheduled when the autopilot is turned off, and turning it on again does not revive it', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', SCHEDULED);
    const { eventId } = await stack.postEvent(user, whatsapp());
    await stack.waitForStage(eventId, 'scheduled', user.key);
    await stack.put(user, '/v1/settings', { isActive: false });
    const stopped = await stack.waitForStage(eventId, 'cancelled', user.key);
    expect(stopped.stageReason).toBe('autopilot_paused');
    expect(stopped.reply.status).toBe('cancelled');
    await stack.put(user, '/v1/settings', { isActive: true });
    expect((await stack.request('GET', `/v1/events/${eventId}`, { key: user.key })).body.stage).toBe('cancelled');
    expect(await outbox(user)).toEqual([]);
  });

  it('stops a reply waiting for review when the autopilot is turned off', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'assist' });
    const { eventId } = await stack.postEvent(user, whatsapp());
    const waiting = await stack.waitForStage(eventId, 'awaiting_review', user.key);
    await stack.put(user, '/v1/settings', { isActive: false });
    expect((await stack.waitForStage(eventId, 'cancelled', user.key)).stageReason).toBe('autopilot_paused');
    expect((await stack.request('GET', `/v1/reviews/${waiting.review.id}`, { key: user.key })).body.status).toBe('cancelled');
  });

  it("leaving auto mode stops the replies the autopilot scheduled by itself, not the ones a person approved", async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { ...SCHEDULED, mode: 'one_click' });
    const approved = await stack.postEvent(user, whatsapp());
    const review = (await stack.waitForStage(approved.eventId, 'awaiting_review', user.key)).review;
    expect((await stack.request('POST', `/v1/reviews/${review.id}/approve`, { key: user.key, body: {} })).body.outcome).toBe('scheduled');
    await stack.put(user, '/v1/settings', { mode: 'auto' });
    const automatic = await stack.postEvent(user, whatsapp());
    await stack.waitForStage(automatic.eventId, 'scheduled', user.key);

    await stack.put(user, '/v1/settings', { mode: 'assist' });
    expect((await stack.waitForStage(automatic.eventId, 'cancelled', user.key)).stageReason).toBe('mode_changed');
    // the approved one keeps its time
    expect((await stack.request('GET', `/v1/events/${approved.eventId}`, { key: user.key })).body.stage).toBe('scheduled');
    await stack.request('POST', `/v1/events/${approved.eventId}/cancel`, { key: user.key, body: { reason: 'test done' } });
  });

  it('switching a channel off stops its automatic replies (channel_disabled), and a contact override is re-read the same way', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', SCHEDULED);
    const onEmail = await stack.postEvent(user, email(`lead${++counter}@kunde.example.org`));
    const onWhatsapp = await stack.postEvent(user, whatsapp());
    await stack.waitForStage(onEmail.eventId, 'scheduled', user.key);
    const scheduled = await stack.waitForStage(onWhatsapp.eventId, 'scheduled', user.key);

    await stack.put(user, '/v1/settings', { channels: ['whatsapp', 'linkedin', 'instagram'] });
    expect((await stack.waitForStage(onEmail.eventId, 'cancelled', user.key)).stageReason).toBe('channel_disabled');

    // one contact turned off on its own
    await stack.put(user, `/v1/contacts/${scheduled.contact.id}/settings`, { isActive: false });
    expect((await stack.waitForStage(onWhatsapp.eventId, 'cancelled', user.key)).stageReason).toBe('autopilot_paused');
  });
});

describe('POST /v1/events/:id/cancel', () => {
  it('stops one reply before it is sent, 202 with the stage, and the audit log says who and why', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', SCHEDULED);
    const { eventId } = await stack.postEvent(user, whatsapp());
    await stack.waitForStage(eventId, 'scheduled', user.key);
    const cancelled = await stack.request('POST', `/v1/events/${eventId}/cancel`, { key: user.key, body: { reason: 'the lead called us' } });
    expect(cancelled.status).toBe(202);
    expect(cancelled.body).toEqual({ eventId, stage: 'scheduled', reason: 'the lead called us' });
    const read = await stack.waitForStage(eventId, 'cancelled', user.key);
    expect(read.stageReason).toBe('the lead called us');
    const { rows } = await stack.db.query(`SELECT actor, details FROM audit_log WHERE user_id = $1 AND subject_id = $2 AND action = 'event.cancelled'`, [
      user.id,
      eventId,
    ]);
    expect(rows).toEqual([{ actor: expect.stringMatching(/^apikey:[0-9a-f-]{36}$/), details: expect.objectContaining({ reason: 'the lead called us' }) }]);
    // a retried request is the same cancellation (the Update's id): the same answer, one audit entry
    const retried = await stack.request('POST', `/v1/events/${eventId}/cancel`, { key: user.key, body: { reason: 'the lead called us' } });
    expect(retried).toEqual({ status: 202, body: cancelled.body });
    const { rows: again } = await stack.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE subject_id = $1 AND action = 'event.cancelled'`, [eventId]);
    expect(again[0].n).toBe(1);
    expect(await outbox(user)).toEqual([]);
  });

  it('stops a reply waiting for review', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'assist' });
    const { eventId } = await stack.postEvent(user, whatsapp());
    await stack.waitForStage(eventId, 'awaiting_review', user.key);
    const cancelled = await stack.request('POST', `/v1/events/${eventId}/cancel`, { key: user.key });
    expect(cancelled).toMatchObject({ status: 202, body: { stage: 'awaiting_review', reason: 'cancelled_by_user' } });
    await stack.waitForStage(eventId, 'cancelled', user.key);
  });

  it('answers 409 once the reply is sent, and 404 for another user\'s event or no event', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'auto', sendTiming: 'asap', sendingHours: { start: 0, end: 24 } });
    const { eventId } = await stack.postEvent(user, whatsapp());
    await stack.waitForStage(eventId, 'sent', user.key);
    const late = await stack.request('POST', `/v1/events/${eventId}/cancel`, { key: user.key });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('already_sent');
    const other = await stack.createUser();
    expect((await stack.request('POST', `/v1/events/${eventId}/cancel`, { key: other.key })).status).toBe(404);
    expect((await stack.request('POST', `/v1/events/${crypto.randomUUID()}/cancel`, { key: user.key })).status).toBe(404);
    const bad = await stack.request('POST', `/v1/events/${eventId}/cancel`, { key: user.key, body: { reason: '' } });
    expect(bad).toMatchObject({ status: 400, body: { error: { field: 'reason' } } });
  });
});

describe('one opt-out, every channel', () => {
  it('a STOP on WhatsApp from +49… suppresses an email reply to the same person once the contacts are linked', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', SCHEDULED);
    const number = phone();
    const address = `erika${++counter}@kunde.example.org`;
    const mail = await stack.postEvent(user, email(address));
    const scheduled = await stack.waitForStage(mail.eventId, 'scheduled', user.key);

    const stop = await stack.postEvent(user, whatsapp('STOP', { handle: number }));
    const optedOut = await stack.waitForStage(stop.eventId, 'opted_out', user.key);
    // not linked yet: the email reply is another person's
    expect((await stack.request('GET', `/v1/events/${mail.eventId}`, { key: user.key })).body.stage).toBe('scheduled');

    const linked = await stack.put(user, `/v1/contacts/${scheduled.contact.id}/links`, { contactIds: [optedOut.contact.id] });
    expect(linked.person.contactIds.sort()).toEqual([scheduled.contact.id, optedOut.contact.id].sort());
    expect(linked).toMatchObject({ optedOut: true, optOuts: [{ contactId: optedOut.contact.id, channel: 'whatsapp', source: 'inbound_message', inherited: true }] });
    expect((await stack.waitForStage(mail.eventId, 'cancelled', user.key)).stageReason).toBe('contact_opted_out');

    // a new email from that person is not answered either
    const again = await stack.postEvent(user, email(address, {}, 'Und gibt es Rabatt?'));
    expect((await stack.waitForStage(again.eventId, 'skipped', user.key)).stageReason).toBe('contact_opted_out');
    expect(await outbox(user)).toEqual([]);
  });

  it('joins contacts of one person by the phone number an event carries, and withdraws that person\'s pending replies at a STOP', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', SCHEDULED);
    const number = phone();
    const mail = await stack.postEvent(user, email(`joined${++counter}@kunde.example.org`, { phone: number }));
    await stack.waitForStage(mail.eventId, 'scheduled', user.key);
    await stack.postEvent(user, whatsapp('Bitte keine Nachrichten mehr.', { handle: number }));
    expect((await stack.waitForStage(mail.eventId, 'cancelled', user.key)).stageReason).toBe('contact_opted_out');
  });

  it('keeps an opt-out on its channel when the user chose optOutScope channel', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { ...SCHEDULED, optOutScope: 'channel' });
    const number = phone();
    await stack.waitForStage((await stack.postEvent(user, whatsapp('STOP', { handle: number }))).eventId, 'opted_out', user.key);
    const mail = await stack.postEvent(user, email(`scoped${++counter}@kunde.example.org`, { phone: number }));
    const read = await stack.waitForStage(mail.eventId, 'scheduled', user.key);
    const contact = (await stack.request('GET', `/v1/contacts/${read.contact.id}`, { key: user.key })).body;
    expect(contact).toMatchObject({ optOutScope: 'channel', optedOut: false, optOuts: [{ channel: 'whatsapp', inherited: true }] });
    await stack.request('POST', `/v1/events/${mail.eventId}/cancel`, { key: user.key });
  });

  it('names the field of a link to a contact that is not the user\'s', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { mode: 'assist' });
    const { eventId } = await stack.postEvent(user, whatsapp());
    const read = await stack.waitForStage(eventId, 'awaiting_review', user.key);
    const foreign = await stack.request('PUT', `/v1/contacts/${read.contact.id}/links`, { key: user.key, body: { contactIds: [crypto.randomUUID()] } });
    expect(foreign).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', field: 'contactIds' } } });
  });
});

describe('tenants', () => {
  it("answers 409 channel_account_taken when a second user claims a platform account, and keeps the first user's connection", async () => {
    const first = await stack.createUser();
    const second = await stack.createUser();
    const body = { phoneNumberId: String(200000000000000 + Math.floor(Math.random() * 1e9)), accessToken: 'EAAG-owner-controls-token' };
    expect((await stack.request('PUT', '/v1/channels/whatsapp', { key: first.key, body })).status).toBe(200);
    const taken = await stack.request('PUT', '/v1/channels/whatsapp', { key: second.key, body: { ...body, accessToken: 'EAAG-someone-else-token' } });
    expect(taken).toMatchObject({ status: 409, body: { error: { code: 'channel_account_taken' } } });
    expect((await stack.request('GET', '/v1/channels/whatsapp', { key: first.key })).body).toMatchObject({ connected: true, accountId: body.phoneNumberId });
    expect((await stack.request('GET', '/v1/channels/whatsapp', { key: second.key })).body).toEqual({ channel: 'whatsapp', connected: false });
  });
});

it('answers contacts and links only for the user who owns them', async () => {
  const user = await stack.createUser();
  await stack.put(user, '/v1/settings', { mode: 'assist' });
  const { eventId } = await stack.postEvent(user, whatsapp());
  const read = await waitFor(async () => {
    const r = (await stack.request('GET', `/v1/events/${eventId}`, { key: user.key })).body;
    return r.contact.id ? r : undefined;
  }, 'the contact');
  const other = await stack.createUser();
  expect((await stack.request('PUT', `/v1/contacts/${read.contact.id}/links`, { key: other.key, body: { contactIds: [] } })).status).toBe(404);
  await stack.request('POST', `/v1/events/${eventId}/cancel`, { key: user.key });
});
