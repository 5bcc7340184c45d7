import { NonRetryableSendError, RateLimitedSendError, RetryableSendError, type OutgoingReply } from '../../src/channels/types';
import { freePort } from '../../src/temporal/dev-server';
import { createInstagramAdapter } from '../../src/channels/instagram';
import { saveConnection } from '../../src/db/connections';
import { upsertUser } from '../../src/db/users';
import { createSecretBox } from '../../src/domain/secrets';
import { signMetaPayload } from '../../src/domain/webhook-signature';
import { createLogger } from '../../src/logger';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { startFakeGraph, type FakeGraph, type GraphAnswer } from '../helpers/fake-graph';
import { outcomeOf } from '../helpers/send-outcome';
import { startStack, type Stack, type TestUser } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

/** Instagram messaging: the exact request, its documented errors, the signed webhook, and the whole way through. */

const SECRET_KEY = 'instagram-test-secret-key-long-enough-1';
const APP_SECRET = 'ig-app-secret';
const box = createSecretBox(SECRET_KEY);
const ACCOUNT = '17841400000000001';

let graph: FakeGraph;
beforeAll(async () => {
  graph = await startFakeGraph('instagram');
});
afterAll(async () => graph?.close());

describe('the Instagram adapter', () => {
  let database: TestDatabase;
  let userId: string;
  const adapter = () => createInstagramAdapter({ db: database.pool, logger: createLogger('silent'), secrets: box, baseUrl: graph.baseUrl, graphVersion: 'v21.0' });
  const reply = (humanApproved = false): OutgoingReply => ({
    jobId: 'job-ig',
    userId,
    contactId: '00000000-0000-4000-8000-000000000000',
    channel: 'instagram',
    recipient: '1254459154682919',
    text: 'Hi! Happy to help — how many seats?',
    inReplyTo: { externalId: 'aWdfMid', metadata: {} },
    humanApproved,
  });
  const send = (humanApproved = false) => adapter().send(reply(humanApproved), adapter().prepare(reply(humanApproved)));

  beforeAll(async () => {
    database = await createTestDatabase();
    userId = await upsertUser(database.pool, { slug: 'ig', name: 'IG' });
  });
  afterAll(async () => database?.drop());
  beforeEach(async () => {
    await saveConnection(database.pool, box, { userId, channel: 'instagram', accountId: ACCOUNT, credentials: { accessToken: 'IGQV-test-token-0123456789' }, settings: {} });
  });

  it('posts the documented message to the lead’s Instagram-scoped id', async () => {
    graph.script([{ kind: 'ok', wamid: 'wamid.IG1' }]);
    expect(await send()).toEqual({ providerMessageId: 'aWdfIG1', sandbox: false });
    const [request] = graph.requests;
    expect(request!.path).toBe(`/v21.0/${ACCOUNT}/messages`);
    expect(request!.headers.authorization).toBe('Bearer IGQV-test-token-0123456789');
    expect(request!.body).toEqual({ recipient: { id: '1254459154682919' }, message: { text: 'Hi! Happy to help — how many seats?' }, messaging_type: 'RESPONSE' });
  });

  it('tags a human-approved reply HUMAN_AGENT', async () => {
    graph.script([{ kind: 'ok' }]);
    await send(true);
    expect(graph.requests[0]!.body).toMatchObject({ messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' });
  });

  it.each([
    ['outside the window (10/2018278)', { kind: 'error', status: 400, code: 10, subcode: 2018278 }, 'outside_window'],
    ['a user who is not available (551)', { kind: 'error', status: 400, code: 551 }, 'invalid_recipient'],
    ['an expired token (190)', { kind: 'error', status: 400, code: 190 }, 'connection_broken'],
  ] as const)('maps %s to its non-retryable reason', async (_name, answer, reason) => {
    graph.script([answer]);
    const error = await send().catch((e) => e);
    expect(error).toBeInstanceOf(NonRetryableSendError);
    expect((error as NonRetryableSendError).reason).toBe(reason);
  });

  it('maps throttling (80002) to rate-limited and a 500 to unknown', async () => {
    graph.script([{ kind: 'error', status: 400, code: 80002 }]);
    expect(await send().catch((e) => e)).toBeInstanceOf(RateLimitedSendError);
    graph.script([{ kind: 'error', status: 500, code: 2 }]);
    expect(await outcomeOf(send())).toBe('unknown');
  });

  it('honours the Retry-After of a 429 and falls back to 60 s without one', async () => {
    graph.script([{ kind: 'error', status: 429, code: 4, retryAfter: '9' }]);
    expect(((await send().catch((e) => e)) as RateLimitedSendError).retryAfterMs).toBe(9000);
    graph.script([{ kind: 'error', status: 400, code: 613 }]);
    expect(((await send().catch((e) => e)) as RateLimitedSendError).retryAfterMs).toBe(60_000);
  });

  it.each([
    // throttling: app, user, page, API-call and Instagram's own rate limits
    [400, 4, undefined, 'rate_limited'],
    [400, 17, undefined, 'rate_limited'],
    [400, 32, undefined, 'rate_limited'],
    [400, 613, undefined, 'rate_limited'],
    [400, 80002, undefined, 'rate_limited'],
    [429, 4, undefined, 'rate_limited'],
    // token expired or invalidated
    [400, 190, undefined, 'connection_broken'],
    [401, 0, undefined, 'connection_broken'],
    [401, 999, undefined, 'connection_broken'],
    // outside the allowed window
    [400, 10, 2018278, 'outside_window'],
    // the recipient cannot receive
    [400, 551, undefined, 'invalid_recipient'],
    [400, 100, 2018001, 'invalid_recipient'],
    // temporary trouble the platform answers with a 4xx
    [400, 1, undefined, 'retry_not_sent'],
    [400, 2, undefined, 'retry_not_sent'],
    // not listed: refused (code 10 without the window subcode is a permission error)
    [400, 10, undefined, 'rejected'],
    [400, 100, undefined, 'rejected'],
    [403, 200, undefined, 'rejected'],
    // any 5xx: Instagram may have taken it
    [500, 1, undefined, 'unknown'],
    [503, 2, undefined, 'unknown'],
    [500, 551, undefined, 'unknown'],
  ])('reads an answer %i with error %i/%s as %s', async (status, code, subcode, expected) => {
    graph.script([{ kind: 'error', status, code, ...(subcode ? { subcode } : {}) }]);
    expect(await outcomeOf(send())).toBe(expected);
    expect(graph.requests).toHaveLength(1);
  });

  it.each([
    ['the connection closes after the request was read', { kind: 'drop' }],
    ['a 200 without the message id', { kind: 'no_id' }],
    ['a 200 whose body breaks off', { kind: 'cut' }],
  ] as [string, GraphAnswer][])('reads %s as unknown', async (_name, answer) => {
    graph.script([answer]);
    expect(await outcomeOf(send())).toBe('unknown');
    expect(graph.requests).toHaveLength(1);
  });

  it('treats a refused connection as not sent, to be retried', async () => {
    const dead = createInstagramAdapter({ db: database.pool, logger: createLogger('silent'), secrets: box, baseUrl: `http://127.0.0.1:${await freePort()}`, graphVersion: 'v21.0' });
    const error = await dead.send(reply(), dead.prepare(reply())).catch((e) => e);
    expect(error).toBeInstanceOf(RetryableSendError);
    expect(error.message).toMatch(/ECONNREFUSED/);
  });
});

describe('the Instagram webhook and the whole way through', () => {
  let stack: Stack;
  let user: TestUser;
  let counter = 0;

  const payload = (messaging: Record<string, unknown>[]) => ({ object: 'instagram', entry: [{ id: ACCOUNT, time: Date.now(), messaging }] });
  const message = (text: string, echo = false) => {
    counter += 1;
    return { sender: { id: `99000${counter}00${Date.now() % 100000}` }, recipient: { id: ACCOUNT }, timestamp: Date.now(), message: { mid: `aWdf-in-${counter}-${Date.now()}`, text, ...(echo ? { is_echo: true } : {}) } };
  };
  async function deliver(body: unknown, signature?: string) {
    const raw = Buffer.from(JSON.stringify(body), 'utf8');
    const response = await fetch(`${stack.url}/webhooks/instagram`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature ?? signMetaPayload(raw, APP_SECRET) },
      body: raw,
    });
    return { status: response.status, body: (await response.json()) as any };
  }

  beforeAll(async () => {
    stack = await startStack({
      env: {
        AUTOPILOT_SECRET_KEY: SECRET_KEY,
        AUTOPILOT_SANDBOX_FALLBACK: 'false',
        INSTAGRAM_API_BASE_URL: graph.baseUrl,
        INSTAGRAM_APP_SECRET: APP_SECRET,
        INSTAGRAM_VERIFY_TOKEN: 'ig-verify',
        AUTOPILOT_ASAP_DELAY_SECONDS: '1',
      },
    });
    user = await stack.createUser();
    const connected = await stack.request('PUT', '/v1/channels/instagram', { key: user.key, body: { accountId: ACCOUNT, accessToken: 'IGQV-e2e-token-0123456789' } });
    expect(connected.status).toBe(200);
  });
  afterAll(async () => stack?.close());

  it('verifies the handshake and refuses a bad signature', async () => {
    const ok = await fetch(`${stack.url}/webhooks/instagram?hub.mode=subscribe&hub.verify_token=ig-verify&hub.challenge=42`);
    expect(await ok.text()).toBe('42');
    expect((await deliver(payload([message('Hi')]), 'sha256=' + 'f'.repeat(64))).status).toBe(401);
  });

  it('answers a pricing question in auto mode, and counts the read receipt', async () => {
    await stack.request('PUT', '/v1/settings', { key: user.key, body: { mode: 'auto', sendTiming: 'asap', sendingHours: { start: 0, end: 24 } } });
    graph.script([{ kind: 'ok', wamid: 'wamid.IGREPLY' }]);
    const m = message('How much does the pro plan cost?');
    const delivered = await deliver(payload([m, message('our own echo', true)]));
    expect(delivered.body).toMatchObject({ accepted: 1, skipped: 1 });
    const { rows } = await stack.db.query(`SELECT id FROM message_events WHERE user_id = $1 AND external_id = $2`, [user.id, m.message.mid]);
    const sent = await stack.waitForStage(rows[0].id, 'sent', user.key);
    expect(sent.reply).toMatchObject({ providerMessageId: 'aWdfIGREPLY', sandbox: false });
    expect(graph.requests).toHaveLength(1);
    expect(graph.requests[0]!.body).toMatchObject({ recipient: { id: m.sender.id }, messaging_type: 'RESPONSE' });

    const read = await deliver(payload([{ sender: { id: m.sender.id }, recipient: { id: ACCOUNT }, timestamp: Date.now(), read: { mid: 'aWdfIGREPLY' } }]));
    expect(read.body.statuses).toBe(1);
    const status = await waitFor(async () => {
      const r = await stack.db.query(`SELECT delivery_status FROM autopilot_jobs WHERE provider_message_id = 'aWdfIGREPLY'`);
      return r.rows[0]?.delivery_status === 'read' ? r.rows[0] : undefined;
    }, 'the read receipt');
    expect(status.delivery_status).toBe('read');
  });

  const autoAsap = () => stack.request('PUT', '/v1/settings', { key: user.key, body: { mode: 'auto', sendTiming: 'asap', sendingHours: { start: 0, end: 24 } } });
  async function pricingQuestion() {
    const m = message('How much does the pro plan cost?');
    expect((await deliver(payload([m]))).body.accepted).toBe(1);
    const { rows } = await stack.db.query(`SELECT id FROM message_events WHERE user_id = $1 AND external_id = $2`, [user.id, m.message.mid]);
    return rows[0] as { id: string };
  }

  it.each([
    ['closes the connection after reading the request', { kind: 'drop' }],
    ['answers 500', { kind: 'error', status: 500, code: 2 }],
    ['answers 200 without a message id', { kind: 'no_id' }],
  ] as [string, GraphAnswer][])('sends the reply to review as send_uncertain after exactly one request when Instagram %s', async (_name, answer) => {
    await autoAsap();
    graph.script([answer]);
    const event = await pricingQuestion();
    const read = await stack.waitForStage(event.id, 'awaiting_review', user.key);
    expect(read.stageReason).toBe('send_uncertain');
    expect(graph.requests).toHaveLength(1);
    expect(await stack.sendJob(event.id)).toMatchObject({ attempts: 1, last_error: expect.stringMatching(/may have the message/) });
  });

  it('retries a rate-limited send after its Retry-After and then sends it once', async () => {
    await autoAsap();
    graph.script([{ kind: 'error', status: 429, code: 4, retryAfter: '1' }, { kind: 'ok', wamid: 'wamid.IGAFTERLIMIT' }]);
    const event = await pricingQuestion();
    const sent = await stack.waitForStage(event.id, 'sent', user.key);
    expect(sent.reply).toMatchObject({ providerMessageId: 'aWdfIGAFTERLIMIT', sandbox: false });
    expect(graph.requests).toHaveLength(2);
    expect((await stack.sendJob(event.id))!.attempts).toBe(2);
  });

  it('retries a send whose connection was refused, and sends it once Instagram listens again', async () => {
    await autoAsap();
    graph.script([{ kind: 'ok', wamid: 'wamid.IGAFTERREFUSAL' }]);
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
    expect(sent.reply).toMatchObject({ providerMessageId: 'aWdfIGAFTERREFUSAL' });
    expect(graph.requests).toHaveLength(1);
  });
});
