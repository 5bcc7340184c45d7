import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { NonRetryableSendError, RateLimitedSendError, RetryableSendError, type OutgoingReply } from '../../src/channels/types';
import { createLinkedInPartnerAdapter } from '../../src/channels/linkedin-partner';
import { findConnection, saveConnection } from '../../src/db/connections';
import { upsertUser } from '../../src/db/users';
import { createSecretBox } from '../../src/domain/secrets';
import { createLogger } from '../../src/logger';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { outcomeOf } from '../helpers/send-outcome';
import { startStack, type Stack, type TestUser } from '../helpers/stack';

/**
 * LinkedIn partner mode against a local server answering as LinkedIn's Messages API (POST /rest/messages,
 * 201 with x-restli-id) and OAuth token endpoint (POST /oauth/v2/accessToken, refresh_token grant) do.
 */

/**
 * A scripted answer to the next POST /rest/messages (taken in order; once none is left, the API checks the
 * token and creates the message): a status with LinkedIn's error body, a 201 without the message id, or the
 * connection closed after the request was read.
 */
type MessagesAnswer = { kind: 'status'; status: number; retryAfter?: string } | { kind: 'no_id' } | { kind: 'drop' };
let scripted: MessagesAnswer[] = [];
let port: number;

const box = createSecretBox('linkedin-partner-secret-key-long-enough');
let database: TestDatabase;
let userId: string;
let server: http.Server;
let baseUrl: string;
const requests: { path: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
/** The access token the API accepts; the refresh endpoint hands out `fresh-…` unless `refreshWorks` is false. */
let validToken = 'AQV-valid-access-token-000000';
let refreshWorks = true;
let throttle = false;

beforeAll(async () => {
  database = await createTestDatabase();
  userId = await upsertUser(database.pool, { slug: 'li', name: 'LI' });
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', headers: req.headers, body });
      if (req.url === '/oauth/v2/accessToken') {
        const form = new URLSearchParams(body);
        if (!refreshWorks || form.get('client_secret') !== 'client-secret' || form.get('grant_type') !== 'refresh_token') {
          res.writeHead(400, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ error: 'invalid_grant', error_description: 'refresh token expired' }));
        }
        validToken = `fresh-access-token-${requests.length}-000000`;
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ access_token: validToken, expires_in: 5184000, refresh_token: 'AQX-new-refresh-token-000000', refresh_token_expires_in: 31536000 }));
      }
      if (req.url === '/rest/messages') {
        const answer = scripted.shift();
        if (answer?.kind === 'drop') return req.socket.destroy();
        if (answer?.kind === 'no_id') {
          res.writeHead(201);
          return res.end();
        }
        if (answer?.kind === 'status') {
          res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.retryAfter ? { 'retry-after': answer.retryAfter } : {}) });
          return res.end(JSON.stringify({ status: answer.status, serviceErrorCode: 100, code: 'ERROR', message: `answered ${answer.status}` }));
        }
        if (throttle) {
          res.writeHead(429, { 'retry-after': '12' });
          return res.end();
        }
        if (req.headers.authorization !== `Bearer ${validToken}`) {
          res.writeHead(401, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ status: 401, serviceErrorCode: 65601, message: 'The token used in the request has expired' }));
        }
        res.writeHead(201, { 'x-restli-id': `urn:li:message:${requests.length}` });
        return res.end();
      }
      res.writeHead(404);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;
});

/** Stops listening, so a connection attempt is refused, until `accept()`. */
const refuse = () =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
const accept = () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await database?.drop();
});

beforeEach(async () => {
  requests.length = 0;
  refreshWorks = true;
  throttle = false;
  scripted = [];
  await saveConnection(database.pool, box, {
    userId,
    channel: 'linkedin',
    accountId: 'urn:li:person:seller123',
    credentials: { accessToken: 'AQV-expired-access-token-000', refreshToken: 'AQX-refresh-token-0000000000' },
    settings: {},
  });
});

const adapter = () =>
  createLinkedInPartnerAdapter({
    db: database.pool,
    logger: createLogger('silent'),
    secrets: box,
    apiBaseUrl: baseUrl,
    oauthBaseUrl: baseUrl,
    apiVersion: '202411',
    clientId: 'client-id',
    clientSecret: 'client-secret',
  });
const reply: OutgoingReply = {
  jobId: 'job-li',
  userId: '',
  contactId: '00000000-0000-4000-8000-000000000000',
  channel: 'linkedin',
  recipient: 'urn:li:person:lead456',
  text: 'Thanks for reaching out! How many seats?',
  inReplyTo: { externalId: 'urn:li:message:1', metadata: {} },
  humanApproved: false,
};
const send = () => {
  const r = { ...reply, userId };
  return adapter().send(r, adapter().prepare(r));
};

it('refreshes an expired token once, stores it, and retries the message', async () => {
  const result = await send();
  expect(result.providerMessageId).toMatch(/^urn:li:message:/);
  expect(requests.map((r) => r.path)).toEqual(['/rest/messages', '/oauth/v2/accessToken', '/rest/messages']);
  const retry = requests[2]!;
  expect(retry.headers).toMatchObject({ authorization: `Bearer ${validToken}`, 'linkedin-version': '202411', 'x-restli-protocol-version': '2.0.0' });
  expect(JSON.parse(retry.body)).toEqual({
    recipients: ['urn:li:person:lead456'],
    body: 'Thanks for reaching out! How many seats?',
    messageType: 'MEMBER_TO_MEMBER',
    sender: 'urn:li:person:seller123',
  });
  const stored = await findConnection(database.pool, box, userId, 'linkedin');
  expect(stored?.credentials).toEqual({ accessToken: validToken, refreshToken: 'AQX-new-refresh-token-000000' });
  expect(stored?.tokenExpiresAt).toBeInstanceOf(Date);
});

it('marks the connection broken when the refresh fails', async () => {
  refreshWorks = false;
  const error = await send().catch((e) => e);
  expect(error).toBeInstanceOf(NonRetryableSendError);
  expect((error as NonRetryableSendError).reason).toBe('connection_broken');
  expect((await findConnection(database.pool, box, userId, 'linkedin'))?.status).toBe('broken');
  expect(requests.filter((r) => r.path === '/rest/messages')).toHaveLength(1);
});

it('honours Retry-After on 429', async () => {
  throttle = true;
  const error = await send().catch((e) => e);
  expect(error).toBeInstanceOf(RateLimitedSendError);
  expect((error as RateLimitedSendError).retryAfterMs).toBe(12_000);
});

it.each([
  [401, 'connection_broken'],
  [403, 'blocked'],
  [404, 'invalid_recipient'],
  [422, 'invalid_recipient'],
  [429, 'rate_limited'],
  // a 4xx not in the table: refused
  [400, 'rejected'],
  [409, 'rejected'],
  // any 5xx: LinkedIn may have created the message
  [500, 'unknown'],
  [502, 'unknown'],
  [503, 'unknown'],
])('reads an answer %i as %s', async (status, expected) => {
  // a 401 is answered again after the token refresh, so it is scripted twice
  scripted = status === 401 ? [{ kind: 'status', status }, { kind: 'status', status }] : [{ kind: 'status', status }];
  expect(await outcomeOf(send())).toBe(expected);
  const posts = requests.filter((r) => r.path === '/rest/messages');
  expect(posts).toHaveLength(status === 401 ? 2 : 1);
  if (status === 401) expect((await findConnection(database.pool, box, userId, 'linkedin'))?.status).toBe('broken');
});

it.each([
  ['a 201 without the message id', { kind: 'no_id' }],
  ['the connection closed after the request was read', { kind: 'drop' }],
] as [string, MessagesAnswer][])('reads %s as unknown', async (_name, answer) => {
  scripted = [answer];
  expect(await outcomeOf(send())).toBe('unknown');
  expect(requests.filter((r) => r.path === '/rest/messages')).toHaveLength(1);
});

it('treats a refused connection as not sent, to be retried', async () => {
  await refuse();
  try {
    const error = await send().catch((e) => e);
    expect(error).toBeInstanceOf(RetryableSendError);
    expect(error.message).toMatch(/ECONNREFUSED/);
  } finally {
    await accept();
  }
});

it('refuses a recipient that is no member URN before any call', () => {
  expect(() => adapter().validateRecipient('erika@example.de')).toThrow(NonRetryableSendError);
});

describe('partner mode the whole way through', () => {
  let stack: Stack;
  let user: TestUser;
  let counter = 0;
  const posts = () => requests.filter((r) => r.path === '/rest/messages');

  beforeAll(async () => {
    stack = await startStack({
      env: {
        AUTOPILOT_SECRET_KEY: 'linkedin-partner-e2e-secret-key-long-enough',
        AUTOPILOT_SANDBOX_FALLBACK: 'false',
        LINKEDIN_PARTNER_MODE: 'true',
        LINKEDIN_API_BASE_URL: baseUrl,
        LINKEDIN_OAUTH_BASE_URL: baseUrl,
        LINKEDIN_CLIENT_ID: 'client-id',
        LINKEDIN_CLIENT_SECRET: 'client-secret',
        AUTOPILOT_ASAP_DELAY_SECONDS: '1',
      },
    });
    user = await stack.createUser();
    await stack.request('PUT', '/v1/settings', { key: user.key, body: { mode: 'auto', sendTiming: 'asap', sendingHours: { start: 0, end: 24 } } });
  });
  afterAll(async () => stack?.close());
  beforeEach(async () => {
    // the member's token as the API accepts it now (an adapter test above may have refreshed it)
    const connected = await stack.request('PUT', '/v1/channels/linkedin', { key: user.key, body: { memberUrn: 'urn:li:person:seller123', accessToken: validToken } });
    expect(connected.status).toBe(200);
  });

  async function pricingQuestion() {
    counter += 1;
    const posted = await stack.request('POST', '/v1/events', {
      key: user.key,
      body: { channel: 'linkedin', externalId: `urn:li:message:e2e-${counter}-${Date.now()}`, contact: { handle: `urn:li:person:lead${counter}` }, text: 'What does the Pro plan cost?' },
    });
    expect(posted.status).toBe(202);
    return { id: posted.body.eventId as string };
  }

  it.each([
    ['closes the connection after reading the request', { kind: 'drop' }],
    ['answers 500', { kind: 'status', status: 500 }],
    ['answers 201 without a message id', { kind: 'no_id' }],
  ] as [string, MessagesAnswer][])('sends the reply to review as send_uncertain after exactly one request when LinkedIn %s', async (_name, answer) => {
    scripted = [answer];
    const event = await pricingQuestion();
    const read = await stack.waitForStage(event.id, 'awaiting_review', user.key);
    expect(read.stageReason).toBe('send_uncertain');
    expect(posts()).toHaveLength(1);
    expect(await stack.sendJob(event.id)).toMatchObject({ attempts: 1, last_error: expect.stringMatching(/may have the message/) });
  });

  it('retries a rate-limited send after its Retry-After and then sends it once', async () => {
    scripted = [{ kind: 'status', status: 429, retryAfter: '1' }];
    const event = await pricingQuestion();
    const sent = await stack.waitForStage(event.id, 'sent', user.key);
    expect(sent.reply.providerMessageId).toMatch(/^urn:li:message:/);
    expect(posts()).toHaveLength(2);
    expect(JSON.parse(posts()[1]!.body)).toEqual(JSON.parse(posts()[0]!.body));
    expect((await stack.sendJob(event.id))!.attempts).toBe(2);
  });

  it('retries a send whose connection was refused, and sends it once LinkedIn listens again', async () => {
    await refuse();
    let event: { id: string };
    try {
      event = await pricingQuestion();
      const refused = await stack.waitForSendError(event.id);
      expect(refused.last_error).toMatch(/ECONNREFUSED/);
    } finally {
      await accept();
    }
    await stack.waitForStage(event.id, 'sent', user.key);
    expect(posts()).toHaveLength(1);
  });
});
