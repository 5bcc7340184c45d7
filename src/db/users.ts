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

export async function findApiKeyOwner(db: Pool, key: string): Promise<ApiKeyOwner | undefined> {
  const { rows } = await db.query<{ user_id: string; id: string }>(
    `UPDATE api_keys SET last_used_at = now()
     WHERE key_hash = $1 AND revoked_at IS NULL
     RETURNING id, user_id`,
    [hashApiKey(key)],
  );
  const row = rows[0];
  return row && { userId: row.user_id, keyId: row.id };
}

/** The single user `npm start` creates, owning the dev API key. */
export async function ensureDevUser(db: Pool, key: string): Promise<string> {
  const userId = await upsertUser(db, { slug: 'dev', name: 'Developer' });
  await addApiKey(db, userId, key, 'dev key (npm start)');
  return userId;
}
