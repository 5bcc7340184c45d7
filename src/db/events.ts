import type { Pool, PoolClient } from 'pg';
import type { Channel } from '../domain/channels';
import type { Stage } from '../domain/stages';

/** The lead as the message names them: the channel's handle, and what else the sender knows (phone, address). */
export interface InboundContact {
  handle: string;
  name?: string;
  timezone?: string;
  phone?: string;
  email?: string;
}

export interface InboundEventInput {
  userId: string;
  channel: Channel;
  externalId: string;
  text: string;
  contact: InboundContact;
  occurredAt: Date;
  metadata: Record<string, unknown>;
  workflowId: string;
}

export interface EventRow {
  id: string;
  userId: string;
  contactId: string | null;
  channel: Channel;
  direction: 'inbound' | 'outbound';
  externalId: string;
  text: string;
  contact: InboundContact;
  metadata: Record<string, unknown>;
  occurredAt: Date;
  workflowId: string | null;
  stage: Stage;
  stageReason: string | null;
  replyText: string | null;
  replyConfidence: number | null;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `id, user_id, contact_id, channel, direction, external_id, content, contact_payload, metadata, occurred_at,
  workflow_id, stage, stage_reason, reply_text, reply_confidence, created_at, updated_at`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function toEvent(row: any): EventRow {
  return {
    id: row.id,
    userId: row.user_id,
    contactId: row.contact_id,
    channel: row.channel,
    direction: row.direction,
    externalId: row.external_id,
    text: row.content,
    contact: row.contact_payload,
    metadata: row.metadata,
    occurredAt: row.occurred_at,
    workflowId: row.workflow_id,
    stage: row.stage,
    stageReason: row.stage_reason,
    replyText: row.reply_text,
    replyConfidence: row.reply_confidence,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Stores an inbound message once per user, channel and provider message id. A second delivery returns the
 * first row with `duplicate: true`. Concurrency is the unique constraint's job; when a concurrent insert wins
 * after this statement took its snapshot, the statement sees neither row and is simply run again.
 */
export async function insertInboundEvent(
  db: Pool,
  input: InboundEventInput,
): Promise<{ id: string; workflowId: string; duplicate: boolean }> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const { rows } = await db.query<{ id: string; workflow_id: string; duplicate: boolean }>(
      `WITH inserted AS (
         INSERT INTO message_events (user_id, channel, direction, external_id, content, contact_payload, metadata, occurred_at, workflow_id)
         VALUES ($1, $2, 'inbound', $3, $4, $5, $6, $7, $8)
         ON CONFLICT (user_id, channel, direction, external_id) DO NOTHING
         RETURNING id, workflow_id
       )
       SELECT id, workflow_id, false AS duplicate FROM inserted
       UNION ALL
       SELECT id, workflow_id, true AS duplicate FROM message_events
        WHERE user_id = $1 AND channel = $2 AND direction = 'inbound' AND external_id = $3
          AND NOT EXISTS (SELECT 1 FROM inserted)`,
      [
        input.userId,
        input.channel,
        input.externalId,
        input.text,
        JSON.stringify(input.contact),
        JSON.stringify(input.metadata),
        input.occurredAt,
        input.workflowId,
      ],
    );
    const row = rows[0];
    if (row) return { id: row.id, workflowId: row.workflow_id, duplicate: row.duplicate };
  }
  throw new Error('message_events: insert neither succeeded nor found the conflicting row');
}

export async function findEvent(db: Pool | PoolClient, userId: string, eventId: string): Promise<EventRow | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM message_events WHERE user_id = $1 AND id = $2`, [userId, eventId]);
  return rows[0] && toEvent(rows[0]);
}

export async function attachContact(db: Pool | PoolClient, userId: string, eventId: string, contactId: string): Promise<void> {
  await db.query(`UPDATE message_events SET contact_id = $3, updated_at = now() WHERE user_id = $1 AND id = $2`, [
    userId,
    eventId,
    contactId,
  ]);
}

export async function setEventStage(
  db: Pool | PoolClient,
  userId: string,
  eventId: string,
  stage: Stage,
  reason: string | null,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE message_events SET stage = $3, stage_reason = $4, updated_at = now()
     WHERE user_id = $1 AND id = $2 AND (stage, stage_reason) IS DISTINCT FROM ($3, $4)`,
    [userId, eventId, stage, reason],
  );
  return (rowCount ?? 0) > 0;
}

/** Where a reply may still be stopped: from receipt until it is being sent. */
export const OPEN_STAGES = ['received', 'generating', 'awaiting_review', 'scheduled', 'awaiting_human_send'] as const;

/**
 * Other inbound messages of these contacts (on one channel, or any) whose reply is still open, each marked newer
 * or older than `eventId` by when it occurred (and was stored, for ties).
 */
export async function openRepliesTo(
  db: Pool | PoolClient,
  q: { userId: string; eventId: string; contactIds: string[]; channel?: Channel },
): Promise<{ id: string; workflowId: string; channel: Channel; newer: boolean }[]> {
  const { rows } = await db.query<{ id: string; workflow_id: string; channel: Channel; newer: boolean }>(
    `WITH me AS (SELECT occurred_at, created_at FROM message_events WHERE user_id = $1 AND id = $2)
     SELECT e.id, e.workflow_id, e.channel, (e.occurred_at, e.created_at) > (me.occurred_at, me.created_at) AS newer
       FROM message_events e, me
      WHERE e.user_id = $1 AND e.contact_id = ANY($3::uuid[]) AND ($4::text IS NULL OR e.channel = $4) AND e.direction = 'inbound'
        AND e.id <> $2 AND e.stage = ANY($5) AND e.workflow_id IS NOT NULL`,
    [q.userId, q.eventId, q.contactIds, q.channel ?? null, OPEN_STAGES],
  );
  return rows.map((r) => ({ id: r.id, workflowId: r.workflow_id, channel: r.channel, newer: r.newer }));
}

/**
 * Inbound messages stored a while ago whose workflow has not recorded anything yet: a crash between the insert and
 * the workflow's start leaves them here. Oldest first.
 */
export async function eventsAwaitingWorkflow(
  db: Pool | PoolClient,
  q: { storedBefore: Date; limit: number },
): Promise<{ id: string; userId: string; channel: Channel; workflowId: string }[]> {
  const { rows } = await db.query<{ id: string; user_id: string; channel: Channel; workflow_id: string }>(
    `SELECT id, user_id, channel, workflow_id FROM message_events
      WHERE stage = 'received' AND direction = 'inbound' AND contact_id IS NULL AND workflow_id IS NOT NULL AND created_at < $1
      ORDER BY created_at LIMIT $2`,
    [q.storedBefore, q.limit],
  );
  return rows.map((r) => ({ id: r.id, userId: r.user_id, channel: r.channel, workflowId: r.workflow_id }));
}

/**
 * The final stage and the reply on the message row, in one statement. True when the stage or reason changed (a
 * retried outcome writes no second audit entry).
 */
export async function recordEventOutcome(
  db: Pool | PoolClient,
  o: { userId: string; eventId: string; stage: Stage; reason: string | null; reply?: { text: string; confidence: number } | null },
): Promise<boolean> {
  const { rows } = await db.query<{ changed: boolean }>(
    `WITH before AS (SELECT stage, stage_reason FROM message_events WHERE user_id = $1 AND id = $2 FOR UPDATE)
     UPDATE message_events e SET stage = $3, stage_reason = $4,
            reply_text = CASE WHEN $5::boolean THEN $6 ELSE e.reply_text END,
            reply_confidence = CASE WHEN $5::boolean THEN $7 ELSE e.reply_confidence END, updated_at = now()
       FROM before WHERE e.user_id = $1 AND e.id = $2
     RETURNING (before.stage, before.stage_reason) IS DISTINCT FROM ($3::text, $4::text) AS changed`,
    [o.userId, o.eventId, o.stage, o.reason, Boolean(o.reply), o.reply?.text || null, o.reply?.confidence ?? null],
  );
  return rows[0]?.changed ?? false;
}
