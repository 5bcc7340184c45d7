import { NonRetryableSendError, RateLimitedSendError, RetryableSendError, type OutgoingReply } from '../../src/channels/types';
import { createWhatsAppAdapter } from '../../src/channels/whatsapp';
import { parseWhatsAppWebhook } from '../../src/channels/whatsapp-webhook';
import { findConnection, saveConnection } from '../../src/db/connections';
import { upsertUser } from '../../src/db/users';
import { createSecretBox } from '../../src/domain/secrets';
import { signMetaPayload } from '../../src/domain/webhook-signature';
import { createActivities } from '../../src/activities';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { activityDepsFromConfig } from '../../src/worker';
import { freePort } from '../../src/temporal/dev-server';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { startFakeGraph, type FakeGraph, type GraphAnswer } from '../helpers/fake-graph';
import { outcomeOf } from '../helpers/send-outcome';
import { startStack, type Stack, type TestUser } from '../helpers/stack';
import { waitFor } from '../helpers/wait';
import { whatsAppWebhook } from '../helpers/whatsapp-webhook';

/**
 * WhatsApp Cloud API: the exact request the platform receives, each documented error, the webhook's
 * verification and signatures, and a message's whole way from a signed webhook to the Cloud API call and its
 * read receipt.
 */

const SECRET_KEY = 'test-secret-key-that-is-long-enough-1234';
const APP_SECRET = 'meta-app-secret';
const VERIFY_TOKEN = 'verify-me';
const box = createSecretBox(SECRET_KEY);

let graph: FakeGraph;
beforeAll(async () => {
  graph = await startFakeGraph();
});
afterAll(async () => graph?.close());

describe('the WhatsApp adapter', () => {
  let database: TestDatabase;
  let userId: string;
  const adapter = () =>
    createWhatsAppAdapter({ db: database.pool, logger: createLogger('silent'), secrets: box, baseUrl: graph.baseUrl, graphVersion: 'v21.0' });
  const reply: () => OutgoingReply = () => ({
    jobId: 'job-1',
    userId,
    contactId: '00000000-0000-4000-8000-000000000000',
    channel: 'whatsapp',
    recipient: '491701234567',
    text: 'Hallo Erika, gerne! Für wie viele Nutzer?',
    inReplyTo: { externalId: 'wamid.INBOUND123', metadata: {} },
    humanApproved: false,
  });
  const send = () => {
    const a = adapter();
    return a.send(reply(), a.prepare(reply()));
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    userId = await upsertUser(database.pool, { slug: 'wa', name: 'WA' });
  });
  afterAll(async () => database?.drop());
  beforeEach(async () => {
    await saveConnection(database.pool, box, {
      userId,
      channel: 'whatsapp',
      accountId: '106540352242922',
      credentials: { accessToken: 'EAAG-test-access-token' },
      settings: {},
    });
  });

  it('posts the documented text message with the token and returns the wamid', async () => {
    graph.script([{ kind: 'ok', wamid: 'wamid.OUT1' }]);
    expect(await send()).toEqual({ providerMessageId: 'wamid.OUT1', sandbox: false });
    expect(graph.requests).toHaveLength(1);
    const [request] = graph.requests;
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe('/v21.0/106540352242922/messages');
    expect(request!.headers.authorization).toBe('Bearer EAAG-test-access-token');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '491701234567',
      type: 'text',
      text: { preview_url: false, body: 'Hallo Erika, gerne! Für wie viele Nutzer?' },
      context: { message_id: 'wamid.INBOUND123' },
      biz_opaque_callback_data: 'job-1',
    });
  });

  it('honours the Retry-After of a 429 and falls back to 30 s without one', async () => {
    graph.script([{ kind: 'error', status: 429, code: 4, retryAfter: '7' }]);
    const error = await send().catch((e) => e);
    expect(error).toBeInstanceOf(RateLimitedSendError);
    expect((error as RateLimitedSendError).retryAfterMs).toBe(7000);
    graph.script([{ kind: 'error', status: 400, code: 130429 }]);
    expect(((await send().catch((e) => e)) as RateLimitedSendError).retryAfterMs).toBe(30_000);
  });

  it.each([
    // throttling
    [400, 4, 'rate_limited'],
    [400, 80007, 'rate_limited'],
    [400, 130429, 'rate_limited'],
    [400, 131056, 'rate_limited'],
    [400, 131048, 'rate_limited'],
    [429, 4, 'rate_limited'],
    // token expired or invalidated
    [401, 0, 'connection_broken'],
    [401, 190, 'connection_broken'],
    [400, 190, 'connection_broken'],
    // the 24-hour window (no template on this connection)
    [400, 131047, 'outside_window'],
    // the recipient cannot receive
    [400, 131026, 'invalid_recipient'],
    [400, 131030, 'invalid_recipient'],
    [400, 131021, 'invalid_recipient'],
    // the business is blocked or restricted
    [403, 368, 'blocked'],
    [403, 130497, 'blocked'],
    [400, 131031, 'blocked'],
    // temporary trouble the platform answers with a 4xx: it did not take the message
    [400, 1, 'retry_not_sent'],
    [400, 2, 'retry_not_sent'],
    [400, 131000, 'retry_not_sent'],
    [400, 131016, 'retry_not_sent'],
    [400, 133004, 'retry_not_sent'],
    // a 4xx code the table does not list: refused
    [400, 100, 'rejected'],
    [400, 131009, 'rejected'],
    [404, 33, 'rejected'],
    // any 5xx, whatever its code: the platform may have taken it
    [500, 1, 'unknown'],
    [500, 131000, 'unknown'],
    [503, 131016, 'unknown'],
    [503, 133004, 'unknown'],
    [502, 131026, 'unknown'],
  ])('reads an answer %i with error code %i as %s', async (status, code, expected) => {
    graph.script([{ kind: 'error', status, code }]);
    expect(await outcomeOf(send())).toBe(expected);
    expect(graph.requests).toHaveLength(1);
  });

  it.each([
    ['the connection closes after the request was read', { kind: 'drop' }],
    ['a 200 without the message id', { kind: 'no_id' }],
    ['a 200 whose body breaks off', { kind: 'cut' }],
  ] as [string, GraphAnswer][])('reads %s as unknown: the Cloud API may have the message', async (_name, answer) => {
    graph.script([answer]);
    const error = await send().catch((e) => e);
    expect(await outcomeOf(Promise.reject(error))).toBe('unknown');
    expect(error.message).toMatch(/may have the message|could not be read/);
    expect(graph.requests).toHaveLength(1);
  });

  it('maps an expired token (190) to a broken connection', async () => {
    graph.script([{ kind: 'error', status: 401, code: 190, message: 'Error validating access token: Session has expired' }]);
    const error = await send().catch((e) => e);
    expect((error as NonRetryableSendError).reason).toBe('connection_broken');
    expect(await findConnection(database.pool, box, userId, 'whatsapp')).toMatchObject({ status: 'broken' });
    expect(await adapter().isConnected(userId)).toBe(false);
  });

  it('maps 131047 (outside the 24-hour window) to outside_window without a template', async () => {
    graph.script([{ kind: 'error', status: 400, code: 131047 }]);
    expect(((await send().catch((e) => e)) as NonRetryableSendError).reason).toBe('outside_window');
  });

  it("sends the connection's approved template when the window has closed", async () => {
    await saveConnection(database.pool, box, {
      userId,
      channel: 'whatsapp',
      accountId: '106540352242922',
      credentials: { accessToken: 'EAAG-test-access-token' },
      settings: { template: { name: 'follow_up', language: 'de' } },
    });
    graph.script([{ kind: 'error', status: 400, code: 131047 }, { kind: 'ok', wamid: 'wamid.TEMPLATE' }]);
    expect(await send()).toEqual({ providerMessageId: 'wamid.TEMPLATE', sandbox: false });
    expect(graph.requests[1]!.body).toEqual({
      messaging_product: 'whatsapp',
      to: '491701234567',
      type: 'template',
      template: { name: 'follow_up', language: { code: 'de' } },
      biz_opaque_callback_data: 'job-1',
    });
  });

  it('catches a missing phone number before any call, and says when no connection exists', async () => {
    graph.script([{ kind: 'ok' }]);
    expect(() => adapter().validateRecipient('')).toThrow(NonRetryableSendError);
    expect(() => adapter().validateRecipient('not a number')).toThrow(/phone number/);
    await database.pool.query(`DELETE FROM channel_connections WHERE user_id = $1`, [userId]);
    expect(((await send().catch((e) => e)) as NonRetryableSendError).reason).toBe('channel_not_connected');
    expect(graph.requests).toHaveLength(0);
  });

  it('treats a refused connection as not sent, to be retried', async () => {
    const dead = createWhatsAppAdapter({
      db: database.pool,
      logger: createLogger('silent'),
      secrets: box,
      baseUrl: `http://127.0.0.1:${await freePort()}`,
      graphVersion: 'v21.0',
    });
    const error = await dead.send(reply(), dead.prepare(reply())).catch((e) => e);
    expect(error).toBeInstanceOf(RetryableSendError);
    expect(error.message).toMatch(/ECONNREFUSED/);
  });
});

describe('the status webhook names the job', () => {
  const status = (extra: Record<string, unknown>) =>
    whatsAppWebhook('106540352242922', { statuses: [{ id: 'wamid.OUT1', status: 'delivered', timestamp: '1767225600', recipient_id: '491701234567', ...extra }] });

  it("gives back the job id the send put into biz_opaque_callback_data", () => {
    const parsed = parseWhatsAppWebhook(status({ biz_opaque_callback_data: '3f1c2a9e-8b7d-4c6e-9a5f-0d1e2f3a4b5c' }));
    expect(parsed).toMatchObject({ ok: true, statuses: [{ providerMessageId: 'wamid.OUT1', status: 'delivered', jobId: '3f1c2a9e-8b7d-4c6e-9a5f-0d1e2f3a4b5c' }] });
  });

  it("names no job for another app's callback data on the same number, or none", () => {
    for (const extra of [{ biz_opaque_callback_data: '{"source":"crm","uuid":"x"}' }, {}]) {
      const parsed = parseWhatsAppWebhook(status(extra));
      if (!parsed.ok) throw new Error(parsed.message);
      expect(parsed.statuses).toHaveLength(1);
      expect(parsed.statuses[0]).not.toHaveProperty('jobId');
    }
  });
});

function inboundPayload(phoneNumberId: string, message: Record<string, unknown>, name = 'Erika Mustermann') {
  return whatsAppWebhook(phoneNumberId, { contacts: [{ profile: { name }, wa_id: message.from }], messages: [message] });
}

function statusPayload(phoneNumberId: string, wamid: string, status: string) {
  return whatsAppWebhook(phoneNumberId, {
    statuses: [{ id: wamid, status, timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: '491701234567' }],
  });
}

describe('the WhatsApp webhook and the whole way through', () => {
  let stack: Stack;
  let user: TestUser;
  let phoneNumberId: string;
  let counter = 0;

  async function deliver(body: unknown, signature?: string) {
    const raw = Buffer.from(JSON.stringify(body), 'utf8');
    const response = await fetch(`${stack.url}/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature ?? signMetaPayload(raw, APP_SECRET) },
      body: raw,
    });
    return { status: response.status, body: (await response.json()) as any };
  }

  const message = (text: string) => {
    counter += 1;
    return { from: `49170555${String(counter).padStart(4, '0')}`, id: `wamid.IN-${Date.now()}-${counter}`, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } };
  };

  const eventsOf = async () => (await stack.db.query(`SELECT id, content, external_id FROM message_events WHERE user_id = $1 AND direction = 'inbound' ORDER BY created_at`, [user.id])).rows;

  beforeAll(async () => {
    stack = await startStack({
      env: {
        AUTOPILOT_SECRET_KEY: SECRET_KEY,
        AUTOPILOT_SANDBOX_FALLBACK: 'false',
        WHATSAPP_API_BASE_URL: graph.baseUrl,
        WHATSAPP_APP_SECRET: APP_SECRET,
        WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN,
        AUTOPILOT_ASAP_DELAY_SECONDS: '1',
      },
    });
    user = await stack.createUser();
    phoneNumberId = String(100000000000000 + Math.floor(Math.random() * 1e9));
    const connected = await stack.request('PUT', '/v1/channels/whatsapp', {
      key: user.key,
      body: { phoneNumberId, accessToken: 'EAAG-e2e-access-token' },
    });
    expect(connected.status).toBe(200);
  });
  afterAll(async () => stack?.close());

  it("answers Meta's verification handshake only with the right token", async () => {
    const ok = await fetch(`${stack.url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');
    const wrong = await fetch(`${stack.url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1`);
    expect(wrong.status).toBe(403);
  });

  it('refuses a wrong, missing or tampered signature with 401 and stores nothing', async () => {
    const body = inboundPayload(phoneNumberId, message('Was kostet das?'));
    expect((await deliver(body, 'sha256=' + '0'.repeat(64))).status).toBe(401);
    expect((await deliver(body, 'sha1=abc')).status).toBe(401);
    expect((await deliver(body, 'sha256=abc')).status).toBe(401);
    // one byte of the body changed after signing
    const raw = Buffer.from(JSON.stringify(body), 'utf8');
    const signature = signMetaPayload(raw, APP_SECRET);
    const tampered = Buffer.from(raw);
    tampered[tampered.indexOf('k'.charCodeAt(0))] = 'K'.charCodeAt(0);
    const response = await fetch(`${stack.url}/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
      body: tampered,
    });
    expect(response.status).toBe(401);
    expect(await eventsOf()).toEqual([]);
  });

  it('verifies the signature over the raw bytes of a non-ASCII body, and stores the text exactly', async () => {
    const text = 'Grüß Gott! Können Sie mir die Preise schicken? 🙂 — ÄÖÜ ß';
    const m = message(text);
    const delivered = await deliver(inboundPayload(phoneNumberId, m, 'Jürgen Größ'));
    expect(delivered).toEqual({ status: 200, body: { accepted: 1, duplicates: 0, statuses: 0, skipped: 0 } });
    const events = await eventsOf();
    expect(events.find((e) => e.external_id === m.id)?.content).toBe(text);
    // the same delivery again: no second event
    expect((await deliver(inboundPayload(phoneNumberId, m, 'Jürgen Größ'))).body).toMatchObject({ accepted: 0, duplicates: 1 });
    const stored = (await eventsOf()).filter((e) => e.external_id === m.id);
    expect(stored).toHaveLength(1);
    await stack.waitForStage(stored[0].id, 'awaiting_review', user.key); // the user is still in assist mode
  });

  it('ignores messages for an account no user connected, answers a malformed body 400 and an unknown channel 404', async () => {
    expect((await deliver(inboundPayload('999999', message('Hallo')))).body).toMatchObject({ accepted: 0, skipped: 1 });
    const raw = Buffer.from('{"object": "whatsapp_business_account", ', 'utf8');
    const malformed = await fetch(`${stack.url}/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'x-hub-signature-256': signMetaPayload(raw, APP_SECRET) },
      body: raw,
    });
    expect(malformed.status).toBe(400);
    expect((await fetch(`${stack.url}/webhooks/telegram`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('never returns the access token', async () => {
    const read = await stack.request('GET', '/v1/channels/whatsapp', { key: user.key });
    expect(read.body).toMatchObject({ channel: 'whatsapp', connected: true, accountId: phoneNumberId, credentials: ['accessToken'] });
    expect(JSON.stringify(read.body)).not.toContain('EAAG');
    const bad = await stack.request('PUT', '/v1/channels/whatsapp', { key: user.key, body: { phoneNumberId: 'abc', accessToken: 'x' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('phoneNumberId');
  });

  it('takes a signed pricing question in auto mode to exactly one Cloud API call, and its read receipt into the experiment', async () => {
    await stack.request('PUT', '/v1/settings', { key: user.key, body: { mode: 'auto', sendTiming: 'asap', sendingHours: { start: 0, end: 24 } } });
    const experiment = await stack.request('POST', '/v1/experiments', {
      key: user.key,
      body: { name: 'wa opener', context: 'pricing', variants: [{ id: 'only', weight: 1, templates: { de: 'Hallo {{firstName}}, gerne! Für wie viele Nutzer?' } }, { id: 'never', weight: 0, templates: { de: 'x' } }] },
    });
    graph.script([{ kind: 'ok', wamid: 'wamid.REPLY-E2E' }]);
    const m = message('Hallo, was kostet das Pro-Paket?');
    expect((await deliver(inboundPayload(phoneNumberId, m))).body.accepted).toBe(1);

    const event = (await eventsOf()).find((e) => e.external_id === m.id)!;
    const sent = await stack.waitForStage(event.id, 'sent', user.key);
    expect(sent.reply).toMatchObject({ providerMessageId: 'wamid.REPLY-E2E', sandbox: false, variantId: 'only' });
    expect(graph.requests).toHaveLength(1);
    expect(graph.requests[0]!.path).toBe(`/v21.0/${phoneNumberId}/messages`);
    expect(graph.requests[0]!.headers.authorization).toBe('Bearer EAAG-e2e-access-token');
    expect(graph.requests[0]!.body).toMatchObject({ to: m.from, type: 'text', text: { body: 'Hallo Erika, gerne! Für wie viele Nutzer?' }, context: { message_id: m.id } });

    // delivered, then read; a late "delivered" does not undo "read"
    expect((await deliver(statusPayload(phoneNumberId, 'wamid.REPLY-E2E', 'delivered'))).body.statuses).toBe(1);
    expect((await deliver(statusPayload(phoneNumberId, 'wamid.REPLY-E2E', 'read'))).body.statuses).toBe(1);
    await deliver(statusPayload(phoneNumberId, 'wamid.REPLY-E2E', 'delivered'));
    const { rows } = await stack.db.query(`SELECT delivery_status FROM autopilot_jobs WHERE provider_message_id = 'wamid.REPLY-E2E'`);
    expect(rows).toEqual([{ delivery_status: 'read' }]);
    const results = await waitFor(async () => {
      const e = (await stack.request('GET', `/v1/experiments/${experiment.body.id}`, { key: user.key })).body;
      return e.results[0].opened === 1 ? e.results : undefined;
    }, 'the read receipt to count as opened');
    expect(results[0]).toMatchObject({ variantId: 'only', sent: 1, opened: 1 });
  });

  const autoAsap = () => stack.request('PUT', '/v1/settings', { key: user.key, body: { mode: 'auto', sendTiming: 'asap', sendingHours: { start: 0, end: 24 } } });
  async function pricingQuestion() {
    const m = message('Hallo, was kostet das Pro-Paket?');
    expect((await deliver(inboundPayload(phoneNumberId, m))).body.accepted).toBe(1);
    return (await eventsOf()).find((e) => e.external_id === m.id)!;
  }

  it.each([
    ['closes the connection after reading the request', { kind: 'drop' }],
    ['answers 500', { kind: 'error', status: 500, code: 131000 }],
    ['answers 200 without a message id', { kind: 'no_id' }],
  ] as [string, GraphAnswer][])('sends the reply to review as send_uncertain after exactly one request when the Cloud API %s', async (_name, answer) => {
    await autoAsap();
    graph.script([answer]);
    const event = await pricingQuestion();
    const read = await stack.waitForStage(event.id, 'awaiting_review', user.key);
    expect(read.stageReason).toBe('send_uncertain');
    expect(graph.requests).toHaveLength(1);
    const job = (await stack.sendJob(event.id))!;
    expect(job.attempts).toBe(1);
    expect(job.last_error).toMatch(/may have the message/);
    // the status webhooks of that message will name this job
    expect(graph.requests[0]!.body.biz_opaque_callback_data).toBe(job.id);
  });

  it('settles a send whose answer was lost as sent when a status names its job (biz_opaque_callback_data), without a person', async () => {
    await autoAsap();
    graph.script([{ kind: 'drop' }]);
    const event = await pricingQuestion();
    const waiting = await stack.waitForStage(event.id, 'awaiting_review', user.key);
    expect(waiting.stageReason).toBe('send_uncertain');
    const job = (await stack.sendJob(event.id))!;
    const status = whatsAppWebhook(phoneNumberId, {
      statuses: [
        { id: 'wamid.LOST-ANSWER', status: 'sent', timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: '491701234567', biz_opaque_callback_data: job.id },
      ],
    });
    expect((await deliver(status)).status).toBe(200);
    const sent = await stack.waitForStage(event.id, 'sent', user.key);
    expect(sent.reply).toMatchObject({ status: 'sent', providerMessageId: 'wamid.LOST-ANSWER', sandbox: false });
    expect(graph.requests).toHaveLength(1);
    const review = (await stack.request('GET', `/v1/reviews/${waiting.review.id}`, { key: user.key })).body;
    expect(review).toMatchObject({ kind: 'send_uncertain', status: 'sent', decision: { by: 'platform:whatsapp' } });
    const { rows } = await stack.db.query(`SELECT count(*)::int AS n FROM message_events WHERE user_id = $1 AND direction = 'outbound' AND metadata->>'replyTo' = $2`, [
      user.id,
      event.id,
    ]);
    expect(rows[0].n).toBe(1);
  });

  it('lets a reviewer confirm an uncertain send arrived, send it again, or leave it', async () => {
    await autoAsap();
    const uncertain = async () => {
      graph.script([{ kind: 'drop' }]);
      const event = await pricingQuestion();
      const read = await stack.waitForStage(event.id, 'awaiting_review', user.key);
      expect(read.review).toMatchObject({ reason: 'send_uncertain' });
      return { event, reviewId: read.review.id as string };
    };
    const decide = (reviewId: string, action: string, body: unknown = {}) =>
      stack.request('POST', `/v1/reviews/${reviewId}/${action}`, { key: user.key, body });

    const confirmed = await uncertain();
    expect((await decide(confirmed.reviewId, 'sent')).body).toMatchObject({ outcome: 'sent' });
    const confirmedRead = await stack.waitForStage(confirmed.event.id, 'sent', user.key);
    expect(confirmedRead.reply.providerMessageId).toMatch(/^confirmed-/);
    expect(graph.requests).toHaveLength(1);

    const resent = await uncertain();
    graph.script([{ kind: 'ok', wamid: 'wamid.RESENT' }]);
    expect((await decide(resent.reviewId, 'approve')).body).toMatchObject({ outcome: 'resending' });
    expect((await stack.waitForStage(resent.event.id, 'sent', user.key)).reply.providerMessageId).toBe('wamid.RESENT');
    expect(graph.requests).toHaveLength(1); // since the script above: the one send again, nothing more
    const another = await uncertain();
    const edited = await decide(another.reviewId, 'approve', { text: 'Something else' });
    expect(edited.status).toBe(400); // an uncertain send goes again as it was, or not at all
    await decide(another.reviewId, 'skip');

    const left = await uncertain();
    expect((await decide(left.reviewId, 'skip', { reason: 'will call instead' })).body).toMatchObject({ outcome: 'skipped' });
    await stack.waitForStage(left.event.id, 'skipped', user.key);
    expect((await stack.sendJob(left.event.id))!.status).toBe('cancelled');
  });

  it('retries a rate-limited send after its Retry-After and then sends it once', async () => {
    await autoAsap();
    graph.script([{ kind: 'error', status: 429, code: 130429, retryAfter: '1' }, { kind: 'ok', wamid: 'wamid.AFTER-LIMIT' }]);
    const event = await pricingQuestion();
    const sent = await stack.waitForStage(event.id, 'sent', user.key);
    expect(sent.reply).toMatchObject({ providerMessageId: 'wamid.AFTER-LIMIT', sandbox: false });
    expect(graph.requests).toHaveLength(2);
    expect(graph.requests[1]!.body).toEqual(graph.requests[0]!.body);
    expect((await stack.sendJob(event.id))!.attempts).toBe(2);
  });

  it('retries a send whose connection was refused, and sends it once the Cloud API listens again', async () => {
    await autoAsap();
    graph.script([{ kind: 'ok', wamid: 'wamid.AFTER-REFUSAL' }]);
    await graph.refuse();
    let event: { id: string };
    try {
      event = await pricingQuestion();
      const refused = await stack.waitForSendError(event.id);
      expect(refused.last_error).toMatch(/ECONNREFUSED/);
    } finally {
      await graph.accept();
    }
    const sent = await stack.waitForStage(event.id, 'sent', user.key);
    expect(sent.reply).toMatchObject({ providerMessageId: 'wamid.AFTER-REFUSAL' });
    expect(graph.requests).toHaveLength(1);
  });

  it('does not resend on its own after a send was cut off mid-way: a person checks first', async () => {
    const { rows: [contact] } = await stack.db.query(`INSERT INTO contacts (user_id, channel, handle) VALUES ($1, 'whatsapp', '491700000777') RETURNING id`, [user.id]);
    const { rows: [event] } = await stack.db.query(
      `INSERT INTO message_events (user_id, contact_id, channel, direction, external_id, content, occurred_at) VALUES ($1, $2, 'whatsapp', 'inbound', $3, 'Preis?', now()) RETURNING id`,
      [user.id, contact.id, `wamid.cut-${Date.now()}`],
    );
    // the state a worker crash leaves: claimed for sending, attempt 1, no outcome recorded
    await stack.db.query(
      `INSERT INTO autopilot_jobs (user_id, message_event_id, contact_id, channel, status, attempts, reply_text) VALUES ($1, $2, $3, 'whatsapp', 'sending', 1, 'Hallo!')`,
      [user.id, event.id, contact.id],
    );
    const config = loadConfig({ AUTOPILOT_SECRET_KEY: SECRET_KEY, WHATSAPP_API_BASE_URL: graph.baseUrl });
    const activities = createActivities(activityDepsFromConfig(config, { db: stack.db, logger: createLogger('silent'), temporal: stack.temporal }));
    graph.script([{ kind: 'ok' }]);
    const first = await activities.sendReply({ userId: user.id, eventId: event.id, text: 'Hallo!', humanApproved: false }).catch((e) => e);
    expect(first).toMatchObject({ type: 'SendUncertain', nonRetryable: true });
    expect(graph.requests).toHaveLength(0);
    // once a person approves it again, the send goes out (the uncertainty is on record)
    const second = await activities.sendReply({ userId: user.id, eventId: event.id, text: 'Hallo!', humanApproved: true });
    expect(second).toMatchObject({ sandbox: false, alreadySent: false });
    expect(graph.requests).toHaveLength(1);
  });

  it('shows broken connections in /readyz detail without failing readiness', async () => {
    await stack.db.query(`UPDATE channel_connections SET status = 'broken', broken_reason = 'token expired' WHERE user_id = $1`, [user.id]);
    const ready = await stack.request('GET', '/readyz'); // the details need an admin key
    expect(ready.status).toBe(200);
    expect(ready.body.channels).toEqual({ brokenConnections: { whatsapp: 1 }, secretKey: true });
    await stack.db.query(`UPDATE channel_connections SET status = 'active', broken_reason = NULL WHERE user_id = $1`, [user.id]);
  });

  it('sends a reply to review with reason channel_not_connected when the user has no connection', async () => {
    const other = await stack.createUser();
    await stack.request('PUT', '/v1/settings', { key: other.key, body: { mode: 'auto', sendTiming: 'asap', sendingHours: { start: 0, end: 24 } } });
    const posted = await stack.request('POST', '/v1/events', {
      key: other.key,
      body: { channel: 'whatsapp', externalId: `wamid.nc-${Date.now()}`, contact: { handle: '+491709876543' }, text: 'Was kostet das?' },
    });
    const read = await stack.waitForStage(posted.body.eventId, 'awaiting_review', other.key);
    expect(read.stageReason).toBe('channel_not_connected');
  });
});
