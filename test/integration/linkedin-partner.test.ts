import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { NonRetryableSendError, RateLimitedSendError, type OutgoingReply } from '../../src/channels/types';
import { createLinkedInPartnerAdapter } from '../../src/channels/linkedin-partner';
import { findConnection, saveConnection } from '../../src/db/connections';
import { upsertUser } from '../../src/db/users';
import { createSecretBox } from '../../src/domain/secrets';
import { createLogger } from '../../src/logger';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

/**
 * LinkedIn partner mode against a local server answering as LinkedIn's Messages API (POST /rest/messages,
 * 201 with x-restli-id) and OAuth token endpoint (POST /oauth/v2/accessToken, refresh_token grant) do.
 */

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
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await database?.drop();
});

beforeEach(async () => {
  requests.length = 0;
  refreshWorks = true;
  throttle = false;
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

it('refuses a recipient that is no member URN before any call', () => {
  expect(() => adapter().validateRecipient('erika@example.de')).toThrow(NonRetryableSendError);
});
