import type { Pool, PoolClient } from 'pg';
import type { Channel } from '../domain/channels';
import type { GateResult } from '../domain/quality-gates';

export type ReviewStatus = 'open' | 'approved' | 'skipped' | 'expired' | 'cancelled' | 'sent';
/** review: approve or skip a draft; human_send: a person sends it (LinkedIn); send_uncertain: did an interrupted send arrive? */
export type TaskKind = 'review' | 'human_send' | 'send_uncertain';

export interface ReviewRow {
  id: string;
  eventId: string;
  workflowId: string;
  status: ReviewStatus;
  kind: TaskKind;
  actionUrl: string | null;
  reason: string;
  round: number;
  draftText: string | null;
  finalText: string | null;
  confidence: number | null;
  deadline: Date;
  oneClick: boolean;
  plannedSendAt: Date | null;
  intent: string | null;
  gateResults: GateResult[];
  inboundText: string | null;
  channel: Channel | null;
  contactId: string | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  decisionReason: string | null;
  createdAt: Date;
}

const COLUMNS = `id, message_event_id, workflow_id, status, kind, action_url, reason, round, draft_text, final_text, confidence, deadline, one_click,
  planned_send_at, intent, gate_results, inbound_text, channel, contact_id, decided_by, decided_at, decision_reason, created_at`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const toReview = (r: any): ReviewRow => ({
  id: r.id,
  eventId: r.message_event_id,
  workflowId: r.workflow_id,
  status: r.status,
  kind: r.kind,
  actionUrl: r.action_url,
  reason: r.reason,
  round: r.round,
  draftText: r.draft_text,
  finalText: r.final_text,
  confidence: r.confidence,
  deadline: r.deadline,
  oneClick: r.one_click,
  plannedSendAt: r.planned_send_at,
  intent: r.intent,
  gateResults: r.gate_results,
  inboundText: r.inbound_text,
  channel: r.channel,
  contactId: r.contact_id,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
  decisionReason: r.decision_reason,
  createdAt: r.created_at,
});

export interface ReviewDraft {
  userId: string;
  eventId: string;
  workflowId: string;
  round: number;
  reason: string;
  draftText: string | null;
  confidence: number | null;
  deadline: Date;
  oneClick: boolean;
  plannedSendAt: Date | null;
  intent: string | null;
  gateResults: GateResult[];
  inboundText: string;
  channel: Channel;
  contactId: string;
  kind?: TaskKind;
  actionUrl?: string | null;
}

/** Opens the review round once; a retried call returns the same task. */
export async function openReview(db: Pool | PoolClient, d: ReviewDraft): Promise<ReviewRow> {
  await db.query(
    `INSERT INTO review_tasks (user_id, message_event_id, workflow_id, round, reason, draft_text, confidence, deadline, one_click,
       planned_send_at, intent, gate_results, inbound_text, channel, contact_id, kind, action_url)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
     ON CONFLICT (message_event_id, round) DO NOTHING`,
    [
      d.userId, d.eventId, d.workflowId, d.round, d.reason, d.draftText, d.confidence, d.deadline, d.oneClick, d.plannedSendAt,
      d.intent, JSON.stringify(d.gateResults), d.inboundText, d.channel, d.contactId, d.kind ?? 'review', d.actionUrl ?? null,
    ],
  );
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM review_tasks WHERE user_id = $1 AND message_event_id = $2 AND round = $3`, [
    d.userId,
    d.eventId,
    d.round,
  ]);
  return toReview(rows[0]);
}

export async function closeReview(
  db: Pool | PoolClient,
  userId: string,
  reviewId: string,
  outcome: { status: Exclude<ReviewStatus, 'open'>; finalText?: string | null; decidedBy: string; reason?: string | null; at: Date },
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE review_tasks SET status = $3, final_text = $4, decided_by = $5, decision_reason = $6, decided_at = $7
      WHERE user_id = $1 AND id = $2 AND status = 'open'`,
    [userId, reviewId, outcome.status, outcome.finalText ?? null, outcome.decidedBy, outcome.reason ?? null, outcome.at],
  );
  return (rowCount ?? 0) > 0;
}

export async function findReview(db: Pool | PoolClient, userId: string, reviewId: string): Promise<ReviewRow | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM review_tasks WHERE user_id = $1 AND id = $2`, [userId, reviewId]);
  return rows[0] && toReview(rows[0]);
}

export async function listOpenReviews(db: Pool | PoolClient, userId: string, limit: number): Promise<ReviewRow[]> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM review_tasks WHERE user_id = $1 AND status = 'open' ORDER BY deadline ASC, created_at ASC LIMIT $2`,
    [userId, limit],
  );
  return rows.map(toReview);
}

export async function latestReviewForEvent(db: Pool | PoolClient, userId: string, eventId: string): Promise<ReviewRow | undefined> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM review_tasks WHERE user_id = $1 AND message_event_id = $2 ORDER BY round DESC LIMIT 1`,
    [userId, eventId],
  );
  return rows[0] && toReview(rows[0]);
}

/** The reply has ended: any task still open for it is closed as cancelled. */
export async function cancelOpenReviews(db: Pool | PoolClient, userId: string, eventId: string, reason: string | null): Promise<void> {
  await db.query(
    `UPDATE review_tasks SET status = 'cancelled', decided_by = 'workflow', decision_reason = $3, decided_at = now()
      WHERE user_id = $1 AND message_event_id = $2 AND status = 'open'`,
    [userId, eventId, reason],
  );
}
