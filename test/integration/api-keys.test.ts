import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { ROUTE_ROLES, requireApiKey } from '../../src/api/auth';
import { createApp } from '../../src/api/app';
import type { ApiDeps } from '../../src/api/deps';
import { provideDeps } from '../../src/api/deps';
import { handleError } from '../../src/api/errors';
import { createRouter } from '../../src/api/openapi';
import { hashApiKey, revokeApiKey, upsertUser } from '../../src/db/users';
import { createMetrics } from '../../src/metrics';
import { createLogger } from '../../src/logger';
import { WorkflowStarter } from '../../src/temporal/starter';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { startStack, type Stack, type TestUser } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

/** API keys with roles: an admin hands out reviewer keys and revokes them; one table decides what each role reaches. */

const ROOT = path.resolve(__dirname, '..', '..');
const NO_SUCH_ID = '6f1c1b1e-0000-4000-8000-000000000000';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.close());

function depsOn(db: ApiDeps['db']): ApiDeps {
  const logger = createLogger('silent');
  return {
    db,
    temporal: stack.temporal,
    taskQueue: stack.taskQueue,
    starter: new WorkflowStarter(stack.temporal, stack.taskQueue, logger),
    logger,
    metrics: createMetrics(),
    confidenceThreshold: 0.85,
  };
}

async function createKey(admin: TestUser, role: 'admin' | 'reviewer', name = `${role} key`) {
  const created = await stack.request('POST', '/v1/api-keys', { key: admin.key, body: { name, role } });
  expect(created.status).toBe(201);
  return created.body as { id: string; key: string; role: string; prefix: string };
}

/** An inbound message that waits for review (the default mode is assist). */
async function messageAwaitingReview(key: string): Promise<{ eventId: string; contactId: string; reviewId: string }> {
  const posted = await stack.request('POST', '/v1/events', {
    key,
    body: { channel: 'email', externalId: `<${crypto.randomUUID()}@x.org>`, contact: { handle: `lead-${crypto.randomUUID().slice(0, 8)}@x.org` }, text: 'Hmm.' },
  });
  expect(posted.status).toBe(202);
  const read = await stack.waitForStage(posted.body.eventId, 'awaiting_review', key);
  return { eventId: posted.body.eventId, contactId: read.contact.id, reviewId: read.review.id };
}

describe('the role table', () => {
  it('names a role for every /v1 route the app serves, and no route it does not serve', () => {
    const app = createApp(depsOn(stack.db));
    const served = [...new Set(app.routes.filter((r) => r.method !== 'ALL' && r.path.startsWith('/v1/')).map((r) => `${r.method} ${r.path}`))];
    expect(served.length).toBeGreaterThan(30);
    // A new route fails here until someone writes its role into ROUTE_ROLES (src/api/auth.ts).
    expect(served.filter((route) => !(route in ROUTE_ROLES))).toEqual([]);
    expect(Object.keys(ROUTE_ROLES).filter((route) => !served.includes(route))).toEqual([]);
  });

  it('makes a route nobody assigned a role need an admin key', async () => {
    const admin = await stack.createUser();
    const reviewer = await createKey(admin, 'reviewer');
    const v1 = createRouter();
    v1.use(requireApiKey);
    v1.get('/unlisted', (c) => c.json({ reached: true }));
    const app = createRouter();
    app.use(provideDeps(depsOn(stack.db)));
    app.route('/v1', v1).onError(handleError(createLogger('silent')));
    const asReviewer = await app.request('/v1/unlisted', { headers: { authorization: `Bearer ${reviewer.key}` } });
    expect(asReviewer.status).toBe(403);
    expect(await asReviewer.json()).toEqual({ error: { code: 'forbidden', message: 'this needs an API key with role admin; this key has role reviewer' } });
    expect((await app.request('/v1/unlisted', { headers: { authorization: `Bearer ${admin.key}` } })).status).toBe(200);
  });

  it('documents 403 with the role needed on every /v1 route', async () => {
    const response = await fetch(`${stack.url}/openapi.json`);
    const doc = (await response.json()) as any;
    const operations = Object.entries<any>(doc.paths)
      .filter(([route]) => route.startsWith('/v1/'))
      .flatMap(([route, item]) => Object.entries<any>(item).map(([method, operation]) => ({ route, method, operation })));
    expect(operations.length).toBe(Object.keys(ROUTE_ROLES).length);
    for (const { route, method, operation } of operations) {
      const role = (ROUTE_ROLES as Record<string, string>)[`${method.toUpperCase()} ${route.replace(/\{(\w+)\}/g, ':$1')}`];
      expect([method, route, operation.responses['403']?.description]).toEqual([method, route, expect.stringContaining(`role \`${role}\``)]);
    }
    expect(doc.paths['/v1/api-keys'].post.responses['201'].content['application/json'].schema.$ref).toBe('#/components/schemas/CreatedApiKey');
  });
});

describe('a reviewer key', () => {
  let admin: TestUser;
  let reviewer: { id: string; key: string };
  beforeAll(async () => {
    admin = await stack.createUser();
    reviewer = await createKey(admin, 'reviewer', 'Anna (reviews)');
  });

  it('lists, reads and decides reviews, and reads the event and contact they are about', async () => {
    const approved = await messageAwaitingReview(admin.key);
    const skipped = await messageAwaitingReview(admin.key);
    const listed = await stack.request('GET', '/v1/reviews', { key: reviewer.key });
    expect(listed.status).toBe(200);
    expect(listed.body.reviews.map((r: { id: string }) => r.id).sort()).toEqual([approved.reviewId, skipped.reviewId].sort());
    expect((await stack.request('GET', `/v1/reviews/${approved.reviewId}`, { key: reviewer.key })).status).toBe(200);
    expect((await stack.request('GET', `/v1/events/${approved.eventId}`, { key: reviewer.key })).status).toBe(200);
    expect((await stack.request('GET', `/v1/contacts/${approved.contactId}`, { key: reviewer.key })).status).toBe(200);

    const approve = await stack.request('POST', `/v1/reviews/${approved.reviewId}/approve`, {
      key: reviewer.key,
      body: { text: 'Thanks for your message, I will call you tomorrow.' },
    });
    expect(approve).toMatchObject({ status: 200, body: { reviewId: approved.reviewId, outcome: 'scheduled' } });
    const skip = await stack.request('POST', `/v1/reviews/${skipped.reviewId}/skip`, { key: reviewer.key, body: { reason: 'not a lead' } });
    expect(skip).toMatchObject({ status: 200, body: { outcome: 'skipped' } });
    // The decision names the reviewer's key.
    const decided = await stack.request('GET', `/v1/reviews/${approved.reviewId}`, { key: admin.key });
    expect(decided.body.decision.by).toContain(`apikey:${reviewer.id}`);
  });

  it('stops a reply: keeping bad replies from going out is a reviewer’s job', async () => {
    const { eventId } = await messageAwaitingReview(admin.key);
    const cancelled = await stack.request('POST', `/v1/events/${eventId}/cancel`, { key: reviewer.key, body: { reason: 'wrong tone' } });
    expect(cancelled).toMatchObject({ status: 202, body: { eventId, reason: 'wrong tone' } });
    await stack.waitForStage(eventId, 'cancelled', admin.key);
  });

  it.each([
    ['GET', '/v1/settings', undefined],
    ['PUT', '/v1/settings', { mode: 'auto' }],
    ['GET', '/v1/channels/whatsapp', undefined],
    ['PUT', '/v1/channels/email', { fromAddress: 'sales@x.org', smtp: { host: 'smtp.x.org', port: 587, secure: false } }],
    ['DELETE', '/v1/channels/email', undefined],
    ['GET', '/v1/experiments', undefined],
    ['POST', '/v1/experiments', { name: 'opener', context: 'pricing', variants: [] }],
    ['GET', '/v1/facts', undefined],
    ['PUT', '/v1/facts', { facts: ['Pro: 49 € a month'] }],
    ['GET', '/v1/calibration', undefined],
    ['GET', '/v1/outbox', undefined],
    ['GET', '/v1/api-keys', undefined],
    ['POST', '/v1/api-keys', { name: 'mine now', role: 'admin' }],
    ['DELETE', `/v1/api-keys/${NO_SUCH_ID}`, undefined],
    ['POST', '/v1/events', { channel: 'email', externalId: '<r@x.org>', contact: { handle: 'r@x.org' }, text: 'Hi' }],
    ['PUT', `/v1/contacts/${NO_SUCH_ID}/settings`, { mode: 'auto' }],
    ['PUT', `/v1/contacts/${NO_SUCH_ID}/links`, { contactIds: [] }],
  ])('gets 403 naming the admin role for %s %s', async (method, route, body) => {
    const response = await stack.request(method, route, { key: reviewer.key, body });
    expect(response).toEqual({ status: 403, body: { error: { code: 'forbidden', message: 'this needs an API key with role admin; this key has role reviewer' } } });
  });

  it('changes nothing where it is refused', async () => {
    await stack.request('PUT', '/v1/settings', { key: reviewer.key, body: { isActive: false } });
    await stack.request('POST', '/v1/api-keys', { key: reviewer.key, body: { name: 'escalated', role: 'admin' } });
    await stack.request('POST', '/v1/events', { key: reviewer.key, body: { channel: 'email', externalId: '<refused@x.org>', contact: { handle: 'r@x.org' }, text: 'Hi' } });
    expect((await stack.request('GET', '/v1/settings', { key: admin.key })).body.isActive).toBe(true);
    const keys = (await stack.request('GET', '/v1/api-keys', { key: admin.key })).body.apiKeys;
    expect(keys.map((k: { name: string }) => k.name)).not.toContain('escalated');
    const { rows } = await stack.db.query(`SELECT count(*)::int AS n FROM message_events WHERE user_id = $1 AND external_id = '<refused@x.org>'`, [admin.id]);
    expect(rows[0].n).toBe(0);
  });
});

describe('/v1/api-keys', () => {
  it('shows a new key once, and lists keys without the key or its hash', async () => {
    const admin = await stack.createUser();
    const created = await createKey(admin, 'reviewer', 'Ben');
    expect(created).toEqual({
      id: expect.any(String),
      name: 'Ben',
      role: 'reviewer',
      prefix: created.key.slice(0, 9),
      createdAt: expect.any(String),
      lastUsedAt: null,
      revokedAt: null,
      key: expect.stringMatching(/^ap_[A-Za-z0-9_-]{43}$/),
    });
    const listed = await stack.request('GET', '/v1/api-keys', { key: admin.key });
    expect(listed.status).toBe(200);
    expect(listed.body.apiKeys).toHaveLength(2);
    for (const key of listed.body.apiKeys) expect(Object.keys(key).sort()).toEqual(['createdAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt', 'role']);
    expect(listed.body.apiKeys.map((k: { role: string }) => k.role)).toEqual(['admin', 'reviewer']);
    const text = JSON.stringify(listed.body);
    for (const secret of [admin.key, created.key, hashApiKey(admin.key), hashApiKey(created.key)]) expect(text).not.toContain(secret);
  });

  it('refuses a role it does not know and a missing name with 400', async () => {
    const admin = await stack.createUser();
    const owner = await stack.request('POST', '/v1/api-keys', { key: admin.key, body: { name: 'x', role: 'owner' } });
    expect(owner).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', field: 'role' } } });
    const nameless = await stack.request('POST', '/v1/api-keys', { key: admin.key, body: { name: '  ', role: 'reviewer' } });
    expect(nameless).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', field: 'name' } } });
    expect((await stack.request('GET', '/v1/api-keys', { key: admin.key })).body.apiKeys).toHaveLength(1);
  });

  it('refuses a revoked key at the very next request, also in an API process that took it a moment before', async () => {
    const admin = await stack.createUser();
    const reviewer = await createKey(admin, 'reviewer');
    const otherProcess = createApp(depsOn(stack.db));
    const asReviewer = { headers: { authorization: `Bearer ${reviewer.key}` } };
    expect((await stack.request('GET', '/v1/reviews', { key: reviewer.key })).status).toBe(200);
    expect((await otherProcess.request('/v1/reviews', asReviewer)).status).toBe(200);
    // Its use is recorded off the request's path.
    await waitFor(async () => {
      const listed = (await stack.request('GET', '/v1/api-keys', { key: admin.key })).body.apiKeys;
      return listed.find((k: { id: string }) => k.id === reviewer.id).lastUsedAt ?? undefined;
    }, 'the reviewer key to show when it was used');

    expect((await stack.request('DELETE', `/v1/api-keys/${reviewer.id}`, { key: admin.key })).status).toBe(204);
    expect(await stack.request('GET', '/v1/reviews', { key: reviewer.key })).toEqual({
      status: 401,
      body: { error: { code: 'unauthorized', message: 'the API key is not valid' } },
    });
    expect((await otherProcess.request('/v1/reviews', asReviewer)).status).toBe(401);

    const listed = (await stack.request('GET', '/v1/api-keys', { key: admin.key })).body.apiKeys;
    const revoked = listed.find((k: { id: string }) => k.id === reviewer.id);
    expect(revoked.revokedAt).toEqual(expect.any(String));
    // Revoking again changes nothing.
    expect((await stack.request('DELETE', `/v1/api-keys/${reviewer.id}`, { key: admin.key })).status).toBe(204);
    const again = (await stack.request('GET', '/v1/api-keys', { key: admin.key })).body.apiKeys.find((k: { id: string }) => k.id === reviewer.id);
    expect(again.revokedAt).toBe(revoked.revokedAt);
  });

  it("answers 404 for another user's key and leaves it working", async () => {
    const admin = await stack.createUser();
    const other = await stack.createUser();
    const theirs = await createKey(other, 'reviewer');
    expect(await stack.request('DELETE', `/v1/api-keys/${theirs.id}`, { key: admin.key })).toEqual({
      status: 404,
      body: { error: { code: 'not_found', message: 'API key not found' } },
    });
    expect((await stack.request('DELETE', `/v1/api-keys/${NO_SUCH_ID}`, { key: admin.key })).status).toBe(404);
    expect((await stack.request('DELETE', '/v1/api-keys/not-an-id', { key: admin.key })).status).toBe(404);
    expect((await stack.request('GET', '/v1/reviews', { key: theirs.key })).status).toBe(200);
    expect((await stack.request('GET', '/v1/api-keys', { key: admin.key })).body.apiKeys.map((k: { id: string }) => k.id)).not.toContain(theirs.id);
  });

  it('keeps the last admin key from revoking itself (409), and lets it go once another admin key exists', async () => {
    const admin = await stack.createUser();
    const reviewer = await createKey(admin, 'reviewer');
    const own = (await stack.request('GET', '/v1/api-keys', { key: admin.key })).body.apiKeys.find((k: { role: string }) => k.role === 'admin');
    // A reviewer key of the same user does not count as an admin.
    const refused = await stack.request('DELETE', `/v1/api-keys/${own.id}`, { key: admin.key });
    expect(refused).toEqual({
      status: 409,
      body: { error: { code: 'last_admin_key', message: "this is the user's last admin key: make another admin key before revoking it" } },
    });
    expect((await stack.request('GET', '/v1/settings', { key: admin.key })).status).toBe(200);
    expect((await stack.request('DELETE', `/v1/api-keys/${reviewer.id}`, { key: admin.key })).status).toBe(204);

    const second = await createKey(admin, 'admin');
    expect((await stack.request('DELETE', `/v1/api-keys/${own.id}`, { key: admin.key })).status).toBe(204);
    expect((await stack.request('GET', '/v1/settings', { key: admin.key })).status).toBe(401);
    expect((await stack.request('GET', '/v1/settings', { key: second.key })).status).toBe(200);
    expect((await stack.request('DELETE', `/v1/api-keys/${second.id}`, { key: second.key })).status).toBe(409);
  });

  it('leaves an admin key when two admin keys revoke each other at once', async () => {
    // Straight to the database, many times over, so the two transactions overlap: each alone sees the other key
    // still active; only the per-user lock keeps both from succeeding.
    for (let round = 0; round < 10; round += 1) {
      const admin = await stack.createUser();
      const second = await createKey(admin, 'admin');
      const first = (await stack.request('GET', '/v1/api-keys', { key: admin.key })).body.apiKeys[0];
      const outcomes = await Promise.all([
        revokeApiKey(stack.db, admin.id, second.id, { keepAnAdmin: true }),
        revokeApiKey(stack.db, admin.id, first.id, { keepAnAdmin: true }),
      ]);
      expect(outcomes.map((o) => o.outcome).sort()).toEqual(['last_admin_key', 'revoked']);
      const { rows } = await stack.db.query(`SELECT count(*)::int AS n FROM api_keys WHERE user_id = $1 AND role = 'admin' AND revoked_at IS NULL`, [admin.id]);
      expect(rows[0].n).toBe(1);
    }
  });
});

describe('npm run keys', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.drop());

  const keys = (...args: string[]) =>
    spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['src/cli/api-keys.ts', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'silent' },
    });

  it('creates a key with a role, lists keys without secrets, and revokes one (the API refuses it at once)', async () => {
    const userId = await upsertUser(database.pool, { slug: 'acme-keys', name: 'Acme' });
    const app = createApp(depsOn(database.pool));
    const as = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

    const created = keys('create', 'acme-keys', 'Anna', 'reviews', '--role', 'reviewer');
    expect([created.status, created.stderr]).toEqual([0, '']);
    const reviewer = JSON.parse(created.stdout);
    expect(reviewer).toMatchObject({ slug: 'acme-keys', name: 'Anna reviews', role: 'reviewer', apiKey: expect.stringMatching(/^ap_/), revokedAt: null });
    expect((await app.request('/v1/reviews', as(reviewer.apiKey))).status).toBe(200);
    expect((await app.request('/v1/settings', as(reviewer.apiKey))).status).toBe(403);

    const admin = JSON.parse(keys('create', 'acme-keys', 'Ops', '--role', 'admin').stdout);
    expect((await app.request('/v1/settings', as(admin.apiKey))).status).toBe(200);

    const listed = keys('list', 'acme-keys');
    expect(listed.status).toBe(0);
    const list = JSON.parse(listed.stdout);
    expect(list.apiKeys.map((k: { id: string; role: string }) => [k.id, k.role])).toEqual([
      [reviewer.id, 'reviewer'],
      [admin.id, 'admin'],
    ]);
    for (const secret of [reviewer.apiKey, admin.apiKey, hashApiKey(reviewer.apiKey), hashApiKey(admin.apiKey)]) expect(listed.stdout).not.toContain(secret);

    const revoked = keys('revoke', reviewer.id);
    expect(revoked.status).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ id: reviewer.id, revokedAt: expect.any(String), adminKeysLeft: 1 });
    expect((await app.request('/v1/reviews', as(reviewer.apiKey))).status).toBe(401);

    // The operator may revoke a user's last admin key (a leaked one must go), and is told so.
    const last = keys('revoke', admin.id);
    expect(last.status).toBe(0);
    expect(JSON.parse(last.stdout)).toMatchObject({ id: admin.id, adminKeysLeft: 0 });
    expect(last.stderr).toContain('no admin key left');
    expect((await app.request('/v1/settings', as(admin.apiKey))).status).toBe(401);
    const { rows } = await database.pool.query(`SELECT count(*)::int AS n FROM api_keys WHERE user_id = $1 AND revoked_at IS NULL`, [userId]);
    expect(rows[0].n).toBe(0);
  });

  it('refuses a missing or unknown role, an unknown user and an unknown key', () => {
    const noRole = keys('create', 'acme-keys', 'Anna');
    expect(noRole.status).toBe(64);
    expect(noRole.stderr).toContain('usage: npm run keys');
    expect(keys('create', 'acme-keys', 'Anna', '--role', 'owner').status).toBe(64);
    const unknownUser = keys('list', 'nobody-here');
    expect([unknownUser.status, unknownUser.stderr]).toEqual([1, expect.stringContaining('no user with slug nobody-here')]);
    expect(keys('revoke', NO_SUCH_ID).status).toBe(1);
    expect(keys('revoke', 'not-an-id').status).toBe(1);
  });
});

describe('GET /readyz', () => {
  it('says only ready or not without a key, the details with an admin key', async () => {
    const admin = await stack.createUser();
    const reviewer = await createKey(admin, 'reviewer');
    expect(await stack.request('GET', '/readyz', { key: null })).toEqual({ status: 200, body: { status: 'ready' } });
    expect(await stack.request('GET', '/readyz', { key: admin.key })).toEqual({
      status: 200,
      body: { status: 'ready', checks: { postgres: 'ok', temporal: 'ok' }, channels: { brokenConnections: {}, secretKey: false } },
    });
    expect(await stack.request('GET', '/readyz', { key: reviewer.key })).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect(await stack.request('GET', '/readyz', { key: 'ap_not-a-key' })).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
  });
});
