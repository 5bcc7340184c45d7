import type { Pool, PoolClient } from 'pg';
import type { Channel } from '../domain/channels';
import type { SecretBox } from '../domain/secrets';

export interface Connection {
  id: string;
  userId: string;
  channel: Channel;
  accountId: string;
  credentials: Record<string, string>;
  settings: Record<string, unknown>;
  tokenExpiresAt: Date | null;
  status: 'active' | 'broken';
  brokenReason: string | null;
  updatedAt: Date;
}

const COLUMNS = 'id, user_id, channel, account_id, credentials, settings, token_expires_at, status, broken_reason, updated_at';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function toConnection(row: any, box: SecretBox): Connection {
  return {
    id: row.id,
    userId: row.user_id,
    channel: row.channel,
    accountId: row.account_id,
    credentials: JSON.parse(box.open(row.credentials)),
    settings: row.settings,
    tokenExpiresAt: row.token_expires_at,
    status: row.status,
    brokenReason: row.broken_reason,
    updatedAt: row.updated_at,
  };
}

/** Another user already connected this platform account (UNIQUE (channel, account_id)). */
export class ChannelAccountTaken extends Error {
  override name = 'ChannelAccountTaken';
}

export async function saveConnection(
  db: Pool | PoolClient,
  box: SecretBox,
  c: { userId: string; channel: Channel; accountId: string; credentials: Record<string, string>; settings: Record<string, unknown>; tokenExpiresAt?: Date | null },
): Promise<Connection> {
  const { rows } = await db
    .query(
    `INSERT INTO channel_connections (user_id, channel, account_id, credentials, settings, token_expires_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (user_id, channel) DO UPDATE SET
       account_id = EXCLUDED.account_id, credentials = EXCLUDED.credentials, settings = EXCLUDED.settings,
       token_expires_at = EXCLUDED.token_expires_at, status = 'active', broken_reason = NULL, updated_at = now()
     RETURNING ${COLUMNS}`,
    [c.userId, c.channel, c.accountId, box.seal(JSON.stringify(c.credentials)), JSON.stringify(c.settings), c.tokenExpiresAt ?? null],
    )
    .catch((err: { code?: string; constraint?: string }) => {
      if (err.code === '23505' && err.constraint === 'channel_connections_channel_account_id_key') throw new ChannelAccountTaken(`${c.channel} account taken`);
      throw err;
    });
  return toConnection(rows[0], box);
}

export async function findConnection(db: Pool | PoolClient, box: SecretBox, userId: string, channel: Channel): Promise<Connection | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM channel_connections WHERE user_id = $1 AND channel = $2`, [userId, channel]);
  return rows[0] && toConnection(rows[0], box);
}

/** The user an inbound webhook belongs to, by the platform account it names. */
export async function findConnectionOwner(db: Pool | PoolClient, channel: Channel, accountId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ user_id: string }>(`SELECT user_id FROM channel_connections WHERE channel = $1 AND account_id = $2`, [
    channel,
    accountId,
  ]);
  return rows[0]?.user_id;
}

export async function deleteConnection(db: Pool | PoolClient, userId: string, channel: Channel): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM channel_connections WHERE user_id = $1 AND channel = $2`, [userId, channel]);
  return (rowCount ?? 0) > 0;
}

export async function markConnectionBroken(db: Pool | PoolClient, userId: string, channel: Channel, reason: string): Promise<void> {
  await db.query(
    `UPDATE channel_connections SET status = 'broken', broken_reason = $3, updated_at = now() WHERE user_id = $1 AND channel = $2`,
    [userId, channel, reason],
  );
}

/**
 * One page of sealed credentials across every user, in id order after `afterId` (keyset pagination: a page
 * neither repeats nor skips a row while others are saved). For re-sealing under a new key, the one query that
 * is not scoped to a user: a key belongs to the installation, not to a user.
 */
export async function listSealedCredentials(
  db: Pool | PoolClient,
  afterId: string | undefined,
  limit: number,
): Promise<{ id: string; channel: Channel; credentials: string }[]> {
  const { rows } = await db.query<{ id: string; channel: Channel; credentials: string }>(
    `SELECT id, channel, credentials FROM channel_connections
      WHERE ($1::uuid IS NULL OR id > $1::uuid)
      ORDER BY id LIMIT $2`,
    [afterId ?? null, limit],
  );
  return rows;
}

/**
 * Replaces a sealed value with the same credentials sealed anew, only if it is still the value that was read:
 * a connection saved in the meantime (a refreshed token) keeps its newer credentials. Returns whether it did.
 */
export async function resealCredentials(db: Pool | PoolClient, id: string, previous: string, next: string): Promise<boolean> {
  const { rowCount } = await db.query(`UPDATE channel_connections SET credentials = $3 WHERE id = $1 AND credentials = $2`, [id, previous, next]);
  return (rowCount ?? 0) > 0;
}
