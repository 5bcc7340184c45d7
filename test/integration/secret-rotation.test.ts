import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { findConnection, saveConnection } from '../../src/db/connections';
import { upsertContact } from '../../src/db/contacts';
import { upsertUser } from '../../src/db/users';
import { CHANNELS } from '../../src/domain/channels';
import { createSecretBox, secretKeyId } from '../../src/domain/secrets';
import { signUnsubscribeToken, unsubscribeKeysFor, type UnsubscribeSubject } from '../../src/domain/unsubscribe';
import { createLogger } from '../../src/logger';
import { apiDepsFromConfig, startApiServer, type RunningApi } from '../../src/server';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { sealV1 } from '../helpers/secrets';
import { startStack, type Stack } from '../helpers/stack';

/**
 * Keys that rotate: credentials stored under key A, the list rotated to [B, A], `npm run secrets:rotate`, and
 * then B alone opens everything. Unsubscribe links signed before a rotation keep working after it, through the
 * real /unsubscribe route.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const A = 'rotation-test-key-A-0123456789abcdefghijkl';
const B = 'rotation-test-key-B-0123456789abcdefghijkl';
const C = 'rotation-test-key-C-0123456789abcdefghijkl';

function rotate(databaseUrl: string, keys: string[], ...args: string[]) {
  const result = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['src/cli/rotate-secrets.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: databaseUrl, AUTOPILOT_SECRET_KEYS: keys.join(','), AUTOPILOT_SECRET_KEY: '', LOG_LEVEL: 'silent' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, report: result.stdout.trim() ? JSON.parse(result.stdout) : undefined };
}

describe('npm run secrets:rotate', () => {
  let database: TestDatabase;
  const tokens = new Map<string, string>(); // connection owner → the access token stored for them

  beforeAll(async () => {
    database = await createTestDatabase();
    const boxA = createSecretBox(A);
    // seven connections across users and channels (more than one batch of 3), one of them still a v1 value
    for (let i = 0; i < 7; i++) {
      const userId = await upsertUser(database.pool, { slug: `rotation-${i}`, name: `Rotation ${i}` });
      const token = `EAAG-token-${i}-${crypto.randomBytes(8).toString('hex')}`;
      tokens.set(userId, token);
      await saveConnection(database.pool, boxA, { userId, channel: CHANNELS[i % CHANNELS.length]!, accountId: `account-${i}`, credentials: { accessToken: token }, settings: {} });
    }
    const legacyOwner = [...tokens.keys()][0]!;
    await database.pool.query(`UPDATE channel_connections SET credentials = $2 WHERE user_id = $1`, [legacyOwner, sealV1(A, JSON.stringify({ accessToken: tokens.get(legacyOwner) }))]);
  });
  afterAll(async () => database?.drop());

  const stored = async () => (await database.pool.query<{ user_id: string; channel: string; credentials: string }>(`SELECT user_id, channel, credentials FROM channel_connections ORDER BY id`)).rows;

  it('re-seals every credential with the newest key in batches, after which the newest key alone opens them', async () => {
    const first = rotate(database.url, [B, A], '--batch-size', '3');
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.report).toEqual({ keyId: secretKeyId(B), scanned: 7, resealed: 7, alreadyCurrent: 0, unopenable: [], changedMeanwhile: 0 });
    for (const token of tokens.values()) expect(first.stdout).not.toContain(token);

    const rows = await stored();
    expect(rows.map((r) => r.credentials.slice(0, 12))).toEqual(rows.map(() => `v2:${secretKeyId(B)}:`));
    const boxB = createSecretBox([B]);
    for (const row of rows) {
      const connection = await findConnection(database.pool, boxB, row.user_id, row.channel as (typeof CHANNELS)[number]);
      expect(connection?.credentials).toEqual({ accessToken: tokens.get(row.user_id) });
    }
  });

  it('leaves everything as it is when run again', async () => {
    const before = await stored();
    const again = rotate(database.url, [B, A]);
    expect(again.status).toBe(0);
    expect(again.report).toMatchObject({ scanned: 7, resealed: 0, alreadyCurrent: 7, unopenable: [] });
    expect(await stored()).toEqual(before);
  });

  it('names a credential no listed key opens, by id and key id, without its value, and exits 1', async () => {
    const userId = await upsertUser(database.pool, { slug: 'rotation-stranger', name: 'Stranger' });
    const saved = await saveConnection(database.pool, createSecretBox(C), { userId, channel: 'whatsapp', accountId: 'account-c', credentials: { accessToken: 'EAAG-sealed-with-C' }, settings: {} });
    try {
      const run = rotate(database.url, [B]);
      expect(run.status).toBe(1);
      expect(run.report).toMatchObject({ scanned: 8, resealed: 0, alreadyCurrent: 7 });
      expect(run.report.unopenable).toEqual([{ id: saved.id, channel: 'whatsapp', reason: expect.stringContaining(`sealed with key ${secretKeyId(C)}, which is not among the configured keys`) }]);
      expect(run.stderr).toContain('1 credential(s) open with none of the listed keys');
      expect(run.stdout + run.stderr).not.toContain('EAAG-sealed-with-C');
    } finally {
      await database.pool.query(`DELETE FROM channel_connections WHERE id = $1`, [saved.id]);
    }
  });
});

describe('unsubscribe links across a rotation, through the real /unsubscribe route', () => {
  const U1 = 'rotation-unsubscribe-key-1-0123456789abcdef';
  const U2 = 'rotation-unsubscribe-key-2-0123456789abcdef';
  let stack: Stack;
  const apis: RunningApi[] = [];

  beforeAll(async () => {
    stack = await startStack({ env: { AUTOPILOT_SECRET_KEY: A, AUTOPILOT_UNSUBSCRIBE_KEYS: U1 } });
  });
  afterAll(async () => {
    for (const api of apis) await api.close();
    await stack?.close();
  });

  /** The API as an operator restarts it with other keys, on the same database. */
  async function apiWith(env: Record<string, string>): Promise<string> {
    const deps = apiDepsFromConfig(loadConfig(env), { db: stack.db, temporal: stack.temporal, logger: createLogger('silent') });
    const api = await startApiServer(deps, '127.0.0.1', 0);
    apis.push(api);
    return api.url;
  }

  /** A link as the worker signs it under `env` (activityDepsFromConfig → the email adapter's keys). */
  async function linkSignedUnder(env: Record<string, string>): Promise<{ path: string; subject: UnsubscribeSubject }> {
    const config = loadConfig(env);
    const contact = await upsertContact(stack.db, { userId: stack.user.id, channel: 'email', handle: `lead-${crypto.randomUUID()}@kunde.example.org` });
    const subject: UnsubscribeSubject = { userId: stack.user.id, contactId: contact.id, channel: 'email' };
    return { path: `/unsubscribe/${signUnsubscribeToken(unsubscribeKeysFor(config.secretKeys, config.unsubscribeKeys).signing, subject)}`, subject };
  }

  const look = async (base: string, link: string) => (await fetch(`${base}${link}`)).status;

  it('unsubscribes with a link signed under the old unsubscribe key after the keys rotated', async () => {
    const link = await linkSignedUnder({ AUTOPILOT_SECRET_KEY: A, AUTOPILOT_UNSUBSCRIBE_KEYS: U1 });
    // both key lists rotated: the secret key to B alone (after secrets:rotate), the unsubscribe keys to [U2, U1]
    const after = await apiWith({ AUTOPILOT_SECRET_KEYS: B, AUTOPILOT_UNSUBSCRIBE_KEYS: `${U2},${U1}` });
    const click = await fetch(`${after}${link.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(click.status).toBe(200);
    expect(await click.text()).toContain('Unsubscribed');
    const contact = await stack.request('GET', `/v1/contacts/${link.subject.contactId}`);
    expect(contact.body.optOuts).toEqual([
      { contactId: link.subject.contactId, channel: 'email', at: expect.any(String), source: 'unsubscribe_link', detail: 'List-Unsubscribe one-click', inherited: false },
    ]);
  });

  it('keeps links signed under a key derived from the secret key while that secret key is listed', async () => {
    const link = await linkSignedUnder({ AUTOPILOT_SECRET_KEY: A });
    expect(await look(await apiWith({ AUTOPILOT_SECRET_KEYS: `${B},${A}` }), link.path)).toBe(200);
    // and after AUTOPILOT_UNSUBSCRIBE_KEYS is set, still while A is listed
    expect(await look(await apiWith({ AUTOPILOT_SECRET_KEYS: `${B},${A}`, AUTOPILOT_UNSUBSCRIBE_KEYS: U2 }), link.path)).toBe(200);
  });

  it('keeps links from before links had their own key (signed with the secret key)', async () => {
    const contact = await upsertContact(stack.db, { userId: stack.user.id, channel: 'email', handle: `lead-${crypto.randomUUID()}@kunde.example.org` });
    const payload = Buffer.from(`${stack.user.id}.${contact.id}.email`).toString('base64url');
    const legacy = `/unsubscribe/${payload}.${crypto.createHmac('sha256', `unsubscribe:${A}`).update(payload).digest().subarray(0, 16).toString('base64url')}`;
    expect(await look(stack.url, legacy)).toBe(200);
    expect(await look(await apiWith({ AUTOPILOT_SECRET_KEYS: `${B},${A}`, AUTOPILOT_UNSUBSCRIBE_KEYS: U1 }), legacy)).toBe(200);
  });

  it('refuses a link once its key has left the list', async () => {
    const link = await linkSignedUnder({ AUTOPILOT_SECRET_KEY: A, AUTOPILOT_UNSUBSCRIBE_KEYS: U1 });
    expect(await look(stack.url, link.path)).toBe(200);
    expect(await look(await apiWith({ AUTOPILOT_SECRET_KEYS: B, AUTOPILOT_UNSUBSCRIBE_KEYS: U2 }), link.path)).toBe(404);
  });
});
