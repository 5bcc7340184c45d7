import crypto from 'node:crypto';
import type { Pool } from 'pg';
import type { ApiKeyRole } from '../domain/roles';
import { withTransaction } from './transaction';

export interface ApiKeyOwner {
  userId: string;
  keyId: string;
  role: ApiKeyRole;
}

/** A key as its user may see it: never the key, never its hash. */
export interface ApiKeyView {
  id: string;
  name: string;
  role: ApiKeyRole;
  /** The key's first characters, so a user can tell their keys apart. */
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** A key as JSON, for the API's answers and `npm run keys`: the dates as ISO strings. */
export const apiKeyJson = (key: ApiKeyView) => ({
  id: key.id,
  name: key.name,
  role: key.role,
  prefix: key.prefix,
  createdAt: key.createdAt.toISOString(),
  lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
  revokedAt: key.revokedAt?.toISOString() ?? null,
});

const KEY_PREFIX = 'ap_';

export function generateApiKey(): string {
  return KEY_PREFIX + crypto.randomBytes(32).toString('base64url');
}

export function hashApiKey(key: string): string {
  return crypto.createHash('sha256').update(key).digest('hex');
}

export async function upsertUser(db: Pool, user: { slug: string; name: string }): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO users (slug, name) VALUES ($1, $2)
     ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name
     RETURNING id`,
    [user.slug, user.name],
  );
  return rows[0]!.id;
}

function prefixOf(key: string): string {
  return key.slice(0, KEY_PREFIX.length + 6);
}

/** Stores the key's hash for the user; storing the same key again is a no-op. */
export async function addApiKey(db: Pool, userId: string, key: string, name: string, role: ApiKeyRole): Promise<void> {
  await db.query(
    `INSERT INTO api_keys (user_id, name, prefix, key_hash, role) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (key_hash) DO NOTHING`,
    [userId, name, prefixOf(key), hashApiKey(key), role],
  );
}

const VIEW_COLUMNS = 'id, name, role, prefix, created_at, last_used_at, revoked_at';

interface ApiKeyRow {
  id: string;
  name: string;
  role: ApiKeyRole;
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const toView = (row: ApiKeyRow): ApiKeyView => ({
  id: row.id,
  name: row.name,
  role: row.role,
  prefix: row.prefix,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
});

/** A new key for the user: the key itself is returned here and nowhere else (only its hash is stored). */
export async function createApiKey(db: Pool, userId: string, spec: { name: string; role: ApiKeyRole }): Promise<ApiKeyView & { key: string }> {
  const key = generateApiKey();
  const { rows } = await db.query<ApiKeyRow>(
    `INSERT INTO api_keys (user_id, name, prefix, key_hash, role) VALUES ($1, $2, $3, $4, $5) RETURNING ${VIEW_COLUMNS}`,
    [userId, spec.name, prefixOf(key), hashApiKey(key), spec.role],
  );
  return { ...toView(rows[0]!), key };
}

/** The user's keys, revoked ones included, oldest first. */
export async function listApiKeys(db: Pool, userId: string): Promise<ApiKeyView[]> {
  const { rows } = await db.query<ApiKeyRow>(`SELECT ${VIEW_COLUMNS} FROM api_keys WHERE user_id = $1 ORDER BY created_at, id`, [userId]);
  return rows.map(toView);
}

export type Revocation =
  | { outcome: 'revoked'; key: ApiKeyView; adminKeysLeft: number }
  | { outcome: 'not_found' }
  /** It is the user's last admin key that is not revoked: nobody could change their settings or keys any more. */
  | { outcome: 'last_admin_key' };

/**
 * Revokes one of the user's keys (revoking a revoked key changes nothing). With `keepAnAdmin`, the user's last
 * admin key stays: the API uses it, so an admin cannot lock the user out; the operator's CLI does not (a leaked
 * last admin key must be revocable, and the CLI can make a new one).
 */
export async function revokeApiKey(db: Pool, userId: string, keyId: string, options: { keepAnAdmin: boolean }): Promise<Revocation> {
  return withTransaction(db, async (client) => {
    // One revocation at a time per user: two admin keys revoking each other at once would otherwise both see the
    // other still active and both succeed. NO KEY UPDATE, so inserts referencing the user (KEY SHARE) do not wait.
    const user = await client.query(`SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE`, [userId]);
    if (user.rowCount === 0) return { outcome: 'not_found' };
    const { rows } = await client.query<ApiKeyRow>(`SELECT ${VIEW_COLUMNS} FROM api_keys WHERE id = $1 AND user_id = $2`, [keyId, userId]);
    const target = rows[0];
    if (!target) return { outcome: 'not_found' };
    const admins = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM api_keys WHERE user_id = $1 AND role = 'admin' AND revoked_at IS NULL AND id <> $2`,
      [userId, keyId],
    );
    const otherAdmins = admins.rows[0]!.n;
    if (target.revoked_at) return { outcome: 'revoked', key: toView(target), adminKeysLeft: otherAdmins };
    if (options.keepAnAdmin && target.role === 'admin' && otherAdmins === 0) return { outcome: 'last_admin_key' };
    const revoked = await client.query<ApiKeyRow>(
      `UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND user_id = $2 RETURNING ${VIEW_COLUMNS}`,
      [keyId, userId],
    );
    return { outcome: 'revoked', key: toView(revoked.rows[0]!), adminKeysLeft: otherAdmins };
  });
}

/** The user a key belongs to (for the operator's CLI, which names a key by id alone). */
export async function findApiKeyUser(db: Pool, keyId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ user_id: string }>(`SELECT user_id FROM api_keys WHERE id = $1`, [keyId]);
  return rows[0]?.user_id;
}

export async function findUserIdBySlug(db: Pool, slug: string): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM users WHERE slug = $1`, [slug]);
  return rows[0]?.id;
}

/**
 * The key's owner, read without a write: last_used_at is refreshed at most once a minute (and off the request's
 * path), so authenticating a request costs one indexed read. A revoked key is refused at once.
 */
export async function findApiKeyOwner(db: Pool, key: string): Promise<ApiKeyOwner | undefined> {
  const { rows } = await db.query<{ user_id: string; id: string; role: ApiKeyRole; stale: boolean }>(
    `SELECT id, user_id, role, (last_used_at IS NULL OR last_used_at < now() - interval '1 minute') AS stale
       FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
    [hashApiKey(key)],
  );
  const row = rows[0];
  if (!row) return undefined;
  if (row.stale) {
    db.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, [row.id]).catch(
      () => undefined, // a usage timestamp is not worth failing or delaying a request for
    );
  }
  return { userId: row.user_id, keyId: row.id, role: row.role };
}

/** The single user `npm start` creates, owning the dev API key. */
export async function ensureDevUser(db: Pool, key: string): Promise<string> {
  const userId = await upsertUser(db, { slug: 'dev', name: 'Developer' });
  await addApiKey(db, userId, key, 'dev key (npm start)', 'admin');
  return userId;
}
