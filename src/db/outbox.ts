import type { Pool, PoolClient } from 'pg';
import type { Channel } from '../domain/channels';

/** The sandbox transport's record of one outgoing message, once per job (a unique key). */
export async function recordInOutbox(
  db: Pool | PoolClient,
  m: { userId: string; jobId: string; channel: Channel; recipient: string; message: Record<string, unknown>; providerMessageId: string },
): Promise<void> {
  await db.query(
    `INSERT INTO outbox (user_id, job_id, channel, recipient, message, provider_message_id)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (job_id) DO NOTHING`,
    [m.userId, m.jobId, m.channel, m.recipient, JSON.stringify(m.message), m.providerMessageId],
  );
}

export interface OutboxRow {
  id: string;
  eventId: string;
  channel: Channel;
  recipient: string;
  message: Record<string, unknown>;
  providerMessageId: string;
  createdAt: Date;
}

/** What the sandbox recorded for the user, newest first. */
export async function listOutbox(db: Pool | PoolClient, userId: string, limit: number): Promise<OutboxRow[]> {
  const { rows } = await db.query(
    `SELECT o.id, o.channel, o.recipient, o.message, o.provider_message_id, o.created_at, j.message_event_id
       FROM outbox o JOIN autopilot_jobs j ON j.id = o.job_id
      WHERE o.user_id = $1 ORDER BY o.created_at DESC LIMIT $2`,
    [userId, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    eventId: r.message_event_id,
    channel: r.channel,
    recipient: r.recipient,
    message: r.message,
    providerMessageId: r.provider_message_id,
    createdAt: r.created_at,
  }));
}
