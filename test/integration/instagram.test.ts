import { NonRetryableSendError, RateLimitedSendError, RetryableSendError, type OutgoingReply } from '../../src/channels/types';
import { createInstagramAdapter } from '../../src/channels/instagram';
import { saveConnection } from '../../src/db/connections';
import { upsertUser } from '../../src/db/users';
import { createSecretBox } from '../../src/domain/secrets';
import { signMetaPayload } from '../../src/domain/webhook-signature';
import { createLogger } from '../../src/logger';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { startFakeGraph, type FakeGraph } from '../helpers/fake-graph';
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

  it('maps throttling (80002) to rate-limited and a 500 to retryable', async () => {
    graph.script([{ kind: 'error', status: 400, code: 80002 }]);
    expect(await send().catch((e) => e)).toBeInstanceOf(RateLimitedSendError);
    graph.script([{ kind: 'error', status: 500, code: 2 }]);
    expect(await send().catch((e) => e)).toBeInstanceOf(RetryableSendError);
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
});
