import crypto from 'node:crypto';
import type { Pool } from 'pg';

export interface ApiKeyOwner {
  userId: string;
  keyId: string;
}

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

/** Stores the key's hash for the user; storing the same key again is a no-op. */
export async function addApiKey(db: Pool, userId: string, key: string, name: string): Promise<void> {
  await db.query(
    `INSERT INTO api_keys (user_id, name, prefix, key_hash) VALUES ($1, $2, $3, $4)
     ON CONFLICT (key_hash) DO NOTHING`,
    [userId, name, key.slice(0, KEY_PREFIX.length + 6), hashApiKey(key)],
  );
}

/**
 * The key's owner, read without a write: last_used_at is refreshed at most once a minute (and off the request's
 * path), so authenticating a request costs one indexed read. A revoked key is refused at once.
 */
export async function findApiKeyOwner(db: Pool, key: string): Promise<ApiKeyOwner | undefined> {
  const { rows } = await db.query<{ user_id: string; id: string; stale: boolean }>(
    `SELECT id, user_id, (last_used_at IS NULL OR last_used_at < now() - interval '1 minute') AS stale
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
  return { userId: row.user_id, keyId: row.id };
}

/** The single user `npm start` creates, owning the dev API key. */
export async function ensureDevUser(db: Pool, key: string): Promise<string> {
  const userId = await upsertUser(db, { slug: 'dev', name: 'Developer' });
  await addApiKey(db, userId, key, 'dev key (npm start)');
  return userId;
}
