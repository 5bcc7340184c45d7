import type { Pool, PoolClient } from 'pg';
import type { Channel } from '../domain/channels';
import { withTransaction } from './transaction';

export interface SlotRequest {
  eventId: string;
  userId: string;
  contactId: string;
  channel: Channel;
  /** The contact's calendar day the send falls on (YYYY-MM-DD): the per-contact limit counts in it. */
  day: string;
  /** The user's calendar day the send falls on: the per-user limit counts in it. */
  userDay: string;
  sendAt: Date;
  /**
   * A reservation this reply already holds for a moment before this is stale (a one-click reply approved after its
   * planned time): it is given back and the reply planned afresh, on the right day.
   */
  staleBefore?: Date;
  perContactLimit: number;
  perUserLimit: number;
  cooldownMs: number;
}

export type SlotResult =
  | { reserved: true; sendAt: Date; alreadyHeld: boolean }
  | { reserved: false; full: 'contact' | 'user' }
  | { reserved: false; cooldownUntil: Date };

/**
 * Takes one send slot for the reply in the contact's day, or says which limit is full. Each counter is taken by
 * one atomic statement (INSERT … ON CONFLICT … DO UPDATE … WHERE count < limit RETURNING), so concurrent
 * reservations can never push a counter past its limit; the transaction gives the per-contact slot back when the
 * per-user one is full. A retried call for the same reply finds its reservation and takes nothing more.
 */
export async function reserveSendSlot(db: Pool, request: SlotRequest): Promise<SlotResult> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const held = await client.query<{ send_at: Date }>(
      `SELECT send_at FROM send_reservations WHERE message_event_id = $1 AND user_id = $2 AND released_at IS NULL FOR UPDATE`,
      [request.eventId, request.userId],
    );
    if (held.rows[0]) {
      if (!request.staleBefore || held.rows[0].send_at >= request.staleBefore) {
        await client.query('COMMIT');
        return { reserved: true, sendAt: held.rows[0].send_at, alreadyHeld: true };
      }
      await releaseHeld(client, request.userId, request.eventId);
    }
    // Serialises this contact's reservations for the cooldown check, which spans days and channels.
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`reserve:${request.contactId}`]);
    const near = await client.query<{ send_at: Date }>(
      `SELECT max(send_at) AS send_at FROM send_reservations
        WHERE user_id = $1 AND contact_id = $2 AND released_at IS NULL
          AND send_at > $3::timestamptz - make_interval(secs => $4 / 1000.0)
          AND send_at < $3::timestamptz + make_interval(secs => $4 / 1000.0)`,
      [request.userId, request.contactId, request.sendAt, request.cooldownMs],
    );
    if (near.rows[0]?.send_at) {
      await client.query('ROLLBACK');
      return { reserved: false, cooldownUntil: new Date(near.rows[0].send_at.getTime() + request.cooldownMs) };
    }
    const contactSlot = await takeCounter(client, request.userId, request.contactId, request.channel, request.day, request.perContactLimit);
    if (!contactSlot) {
      await client.query('ROLLBACK');
      return { reserved: false, full: 'contact' };
    }
    const userSlot = await takeCounter(client, request.userId, null, null, request.userDay, request.perUserLimit);
    if (!userSlot) {
      await client.query('ROLLBACK');
      return { reserved: false, full: 'user' };
    }
    await client.query(
      `INSERT INTO send_reservations (message_event_id, user_id, contact_id, channel, day, user_day, send_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (message_event_id) DO UPDATE
         SET day = EXCLUDED.day, user_day = EXCLUDED.user_day, send_at = EXCLUDED.send_at, reserved_at = now(), released_at = NULL`,
      [request.eventId, request.userId, request.contactId, request.channel, request.day, request.userDay, request.sendAt],
    );
    await client.query('COMMIT');
    return { reserved: true, sendAt: request.sendAt, alreadyHeld: false };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

async function takeCounter(
  client: PoolClient,
  userId: string,
  contactId: string | null,
  channel: Channel | null,
  day: string,
  limit: number,
): Promise<boolean> {
  if (limit <= 0) return false;
  const { rowCount } = await client.query(
    `INSERT INTO rate_limit_counters (user_id, contact_id, channel, day, count) VALUES ($1, $2, $3, $4, 1)
     ON CONFLICT (user_id, contact_id, channel, day) DO UPDATE
       SET count = rate_limit_counters.count + 1, updated_at = now()
       WHERE rate_limit_counters.count < $5
     RETURNING count`,
    [userId, contactId, channel, day, limit],
  );
  return (rowCount ?? 0) > 0;
}

/** Gives back the slot the reply holds, inside the caller's transaction. True when there was one. */
async function releaseHeld(client: PoolClient, userId: string, eventId: string): Promise<boolean> {
  const { rows } = await client.query<{ contact_id: string; channel: Channel; day: string; user_day: string }>(
    `UPDATE send_reservations SET released_at = now()
      WHERE message_event_id = $1 AND user_id = $2 AND released_at IS NULL
      RETURNING contact_id, channel, to_char(day, 'YYYY-MM-DD') AS day, to_char(COALESCE(user_day, day), 'YYYY-MM-DD') AS user_day`,
    [eventId, userId],
  );
  const row = rows[0];
  if (!row) return false;
  await client.query(
    `UPDATE rate_limit_counters SET count = count - 1, updated_at = now()
      WHERE user_id = $1 AND count > 0
        AND ((contact_id = $2 AND channel = $3 AND day = $4) OR (contact_id IS NULL AND channel IS NULL AND day = $5))`,
    [userId, row.contact_id, row.channel, row.day, row.user_day],
  );
  return true;
}

/** Gives a cancelled reply's slot back. Idempotent: a second call finds nothing to release. */
export async function releaseSendSlot(db: Pool, userId: string, eventId: string): Promise<boolean> {
  return withTransaction(db, (client) => releaseHeld(client, userId, eventId));
}

/**
 * Takes one of the user's automatic replies for their day, or says the cap is reached. Serialised per user (an
 * advisory lock) and counted from the reservations themselves, so concurrent replies can never exceed the cap and a
 * cap lowered during the day holds at once. A retried call for the same reply finds its reservation.
 */
export async function reserveAutoReply(
  db: Pool,
  request: { userId: string; eventId: string; day: string; cap: number },
): Promise<{ reserved: boolean; used: number }> {
  return withTransaction(db, async (client) => {
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`auto-replies:${request.userId}`]);
    const held = await client.query(
      `SELECT 1 FROM auto_reply_reservations WHERE message_event_id = $1 AND user_id = $2 AND released_at IS NULL`,
      [request.eventId, request.userId],
    );
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM auto_reply_reservations WHERE user_id = $1 AND day = $2 AND released_at IS NULL`,
      [request.userId, request.day],
    );
    const used = rows[0]?.n ?? 0;
    if ((held.rowCount ?? 0) > 0) return { reserved: true, used };
    if (used >= request.cap) return { reserved: false, used };
    await client.query(
      `INSERT INTO auto_reply_reservations (message_event_id, user_id, day) VALUES ($1, $2, $3)
       ON CONFLICT (message_event_id) DO UPDATE SET day = EXCLUDED.day, reserved_at = now(), released_at = NULL`,
      [request.eventId, request.userId, request.day],
    );
    return { reserved: true, used: used + 1 };
  });
}

/** The automatic reply did not go out: it no longer counts against the day's cap. */
export async function releaseAutoReply(db: Pool | PoolClient, userId: string, eventId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE auto_reply_reservations SET released_at = now() WHERE message_event_id = $1 AND user_id = $2 AND released_at IS NULL`,
    [eventId, userId],
  );
  return (rowCount ?? 0) > 0;
}
