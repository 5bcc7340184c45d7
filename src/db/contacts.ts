import type { Pool, PoolClient } from 'pg';
import type { Channel } from '../domain/channels';
import { appendAudit } from './audit';

export interface ContactRow {
  id: string;
  userId: string;
  channel: Channel;
  handle: string;
  name: string | null;
  timezone: string | null;
  preferredContactHour: number | null;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function toContact(row: any): ContactRow {
  return {
    id: row.id,
    userId: row.user_id,
    channel: row.channel,
    handle: row.handle,
    name: row.name,
    timezone: row.timezone,
    preferredContactHour: row.preferred_contact_hour,
  };
}

/** One contact per user, channel and handle; a later message may fill in a name or time zone. */
export async function upsertContact(
  db: Pool | PoolClient,
  contact: { userId: string; channel: Channel; handle: string; name?: string; timezone?: string },
): Promise<ContactRow> {
  const { rows } = await db.query(
    `INSERT INTO contacts (user_id, channel, handle, name, timezone) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (user_id, channel, handle) DO UPDATE
       SET name = COALESCE(EXCLUDED.name, contacts.name),
           timezone = COALESCE(EXCLUDED.timezone, contacts.timezone),
           updated_at = now()
     RETURNING id, user_id, channel, handle, name, timezone, preferred_contact_hour`,
    [contact.userId, contact.channel, contact.handle, contact.name ?? null, contact.timezone ?? null],
  );
  return toContact(rows[0]);
}

/** Marks the contact opted out on the channel; the first opt-out's time and source are kept. True when new. */
export async function recordOptOut(
  db: Pool | PoolClient,
  optOut: { userId: string; contactId: string; channel: Channel; source: string; detail?: string; messageEventId?: string },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO contact_opt_outs (user_id, contact_id, channel, source, detail, message_event_id)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (contact_id, channel) DO NOTHING`,
    [optOut.userId, optOut.contactId, optOut.channel, optOut.source, optOut.detail ?? null, optOut.messageEventId ?? null],
  );
  return (rowCount ?? 0) > 0;
}

/** Records the opt-out and, the first time, who or what asked for it in the audit log. True when new. */
export async function optOutContact(
  db: Pool | PoolClient,
  optOut: Parameters<typeof recordOptOut>[1] & { actor: string; details: Record<string, unknown> },
): Promise<boolean> {
  const { actor, details, ...record } = optOut;
  const isNew = await recordOptOut(db, record);
  if (isNew) {
    await appendAudit(db, {
      userId: record.userId,
      actor,
      action: 'contact.opted_out',
      subjectType: 'contact',
      subjectId: record.contactId,
      details: { channel: record.channel, source: record.source, ...details },
    });
  }
  return isNew;
}

export async function isOptedOut(db: Pool | PoolClient, userId: string, contactId: string, channel: Channel): Promise<boolean> {
  const { rowCount } = await db.query(
    `SELECT 1 FROM contact_opt_outs WHERE user_id = $1 AND contact_id = $2 AND channel = $3`,
    [userId, contactId, channel],
  );
  return (rowCount ?? 0) > 0;
}

export async function findContact(db: Pool | PoolClient, userId: string, contactId: string): Promise<ContactRow | undefined> {
  const { rows } = await db.query(
    `SELECT id, user_id, channel, handle, name, timezone, preferred_contact_hour FROM contacts WHERE user_id = $1 AND id = $2`,
    [userId, contactId],
  );
  return rows[0] && toContact(rows[0]);
}

/** When this contact's past messages arrived, newest first (for the hour they usually reply at). */
export async function inboundTimes(db: Pool | PoolClient, userId: string, contactId: string, limit = 50): Promise<Date[]> {
  const { rows } = await db.query<{ occurred_at: Date }>(
    `SELECT occurred_at FROM message_events
      WHERE user_id = $1 AND contact_id = $2 AND direction = 'inbound' ORDER BY occurred_at DESC LIMIT $3`,
    [userId, contactId, limit],
  );
  return rows.map((r) => r.occurred_at);
}
