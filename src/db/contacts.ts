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
  /** The person's phone number (digits, international form) and address, where known: they join contacts across channels. */
  phone: string | null;
  email: string | null;
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
    phone: row.phone ?? null,
    email: row.email ?? null,
  };
}

const CONTACT_COLUMNS = 'id, user_id, channel, handle, name, timezone, preferred_contact_hour, phone, email';

/**
 * One contact per user, channel and handle; a later message may fill in a name, time zone, phone or address. A
 * WhatsApp handle is the phone number and an email handle the address, so those join the same person on other
 * channels by themselves.
 */
export async function upsertContact(
  db: Pool | PoolClient,
  contact: { userId: string; channel: Channel; handle: string; name?: string; timezone?: string; phone?: string; email?: string },
): Promise<ContactRow> {
  const phone = contact.channel === 'whatsapp' ? contact.handle : (contact.phone ?? null);
  const email = contact.channel === 'email' ? contact.handle.toLowerCase() : (contact.email?.toLowerCase() ?? null);
  const { rows } = await db.query(
    `INSERT INTO contacts (user_id, channel, handle, name, timezone, phone, email) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (user_id, channel, handle) DO UPDATE
       SET name = COALESCE(EXCLUDED.name, contacts.name),
           timezone = COALESCE(EXCLUDED.timezone, contacts.timezone),
           phone = COALESCE(EXCLUDED.phone, contacts.phone),
           email = COALESCE(EXCLUDED.email, contacts.email),
           updated_at = now()
     RETURNING ${CONTACT_COLUMNS}`,
    [contact.userId, contact.channel, contact.handle, contact.name ?? null, contact.timezone ?? null, phone, email],
  );
  return toContact(rows[0]);
}

/**
 * Every contact of the same person as `contactId` (itself included): contacts sharing a phone number or an
 * address, and contacts linked by hand, followed transitively.
 */
const PERSON_CTE = `WITH RECURSIVE person(id) AS (
    SELECT id FROM contacts WHERE user_id = $1 AND id = $2
    UNION
    SELECT n.id FROM person p, LATERAL (
      SELECT c2.id FROM contacts c1
        JOIN contacts c2 ON c2.user_id = c1.user_id AND (c2.phone = c1.phone OR c2.email = c1.email)
       WHERE c1.id = p.id
      UNION ALL SELECT contact_b FROM contact_links WHERE user_id = $1 AND contact_a = p.id
      UNION ALL SELECT contact_a FROM contact_links WHERE user_id = $1 AND contact_b = p.id
    ) n(id)
  )`;

export async function personContactIds(db: Pool | PoolClient, userId: string, contactId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(`${PERSON_CTE} SELECT id FROM person`, [userId, contactId]);
  return rows.map((r) => r.id);
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

/**
 * Whether a reply to the contact on the channel is suppressed: by an opt-out on this contact and channel, or —
 * with scope `person` — by an opt-out on any channel of any contact of the same person.
 */
export async function isOptedOut(
  db: Pool | PoolClient,
  userId: string,
  contactId: string,
  channel: Channel,
  scope: 'person' | 'channel' = 'channel',
): Promise<boolean> {
  if (scope === 'channel') {
    const { rowCount } = await db.query(`SELECT 1 FROM contact_opt_outs WHERE user_id = $1 AND contact_id = $2 AND channel = $3`, [
      userId,
      contactId,
      channel,
    ]);
    return (rowCount ?? 0) > 0;
  }
  const { rowCount } = await db.query(
    `${PERSON_CTE} SELECT 1 FROM contact_opt_outs o JOIN person p ON p.id = o.contact_id WHERE o.user_id = $1 LIMIT 1`,
    [userId, contactId],
  );
  return (rowCount ?? 0) > 0;
}

export interface OptOutView {
  contactId: string;
  channel: Channel;
  at: Date;
  source: string;
  detail: string | null;
}

/** The opt-outs of the contact's person, each with the contact and channel it came from. */
export async function personOptOuts(db: Pool | PoolClient, userId: string, contactId: string): Promise<OptOutView[]> {
  const { rows } = await db.query(
    `${PERSON_CTE} SELECT o.contact_id, o.channel, o.opted_out_at, o.source, o.detail
       FROM contact_opt_outs o JOIN person p ON p.id = o.contact_id WHERE o.user_id = $1 ORDER BY o.opted_out_at`,
    [userId, contactId],
  );
  return rows.map((r) => ({ contactId: r.contact_id, channel: r.channel, at: r.opted_out_at, source: r.source, detail: r.detail }));
}

/** The contacts linked to this one by hand. */
export async function linkedContactIds(db: Pool | PoolClient, userId: string, contactId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT contact_b AS id FROM contact_links WHERE user_id = $1 AND contact_a = $2
     UNION SELECT contact_a FROM contact_links WHERE user_id = $1 AND contact_b = $2 ORDER BY id`,
    [userId, contactId],
  );
  return rows.map((r) => r.id);
}

/**
 * Replaces the contact's hand-made links with `linkedIds` (links other contacts made to each other stay). Returns
 * the ids that are not this user's contacts, linking nothing then.
 */
export async function setContactLinks(db: PoolClient, userId: string, contactId: string, linkedIds: string[]): Promise<{ unknown: string[] }> {
  const others = [...new Set(linkedIds.filter((id) => id !== contactId))];
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM contacts WHERE user_id = $1 AND id = ANY($2::uuid[])`, [userId, others]);
  const known = new Set(rows.map((r) => r.id));
  const unknown = others.filter((id) => !known.has(id));
  if (unknown.length > 0) return { unknown };
  await db.query(`DELETE FROM contact_links WHERE user_id = $1 AND (contact_a = $2 OR contact_b = $2)`, [userId, contactId]);
  for (const other of others) {
    const [a, b] = contactId < other ? [contactId, other] : [other, contactId];
    await db.query(`INSERT INTO contact_links (user_id, contact_a, contact_b) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [userId, a, b]);
  }
  return { unknown: [] };
}

export async function findContact(db: Pool | PoolClient, userId: string, contactId: string): Promise<ContactRow | undefined> {
  const { rows } = await db.query(
    `SELECT ${CONTACT_COLUMNS} FROM contacts WHERE user_id = $1 AND id = $2`,
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
