import type { Pool, PoolClient } from 'pg';
import type { Channel } from '../domain/channels';
import type { Stage } from '../domain/stages';

export interface InboundEventInput {
  userId: string;
  channel: Channel;
  externalId: string;
  text: string;
  contact: { handle: string; name?: string; timezone?: string };
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
  contact: { handle: string; name?: string; timezone?: string };
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
