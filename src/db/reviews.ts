import type { Pool, PoolClient } from 'pg';
import type { Channel } from '../domain/channels';
import type { GateResult } from '../domain/quality-gates';
import type { ReplyWindows } from '../domain/reply-window';

export const REVIEW_STATUSES = ['open', 'approved', 'skipped', 'expired', 'cancelled', 'sent'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];
/** review: approve or skip a draft; human_send: a person sends it (LinkedIn); send_uncertain: did an interrupted send arrive? */
export const TASK_KINDS = ['review', 'human_send', 'send_uncertain'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

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
  /** When the lead's message this task answers arrived (the platform's reply window runs from it). */
  inboundAt: Date | null;
  contactName: string | null;
  contactHandle: string | null;
  /**
   * Whether the reply goes out as one a person approved: a review or human_send task is decided by a person; an
   * uncertain send goes again as it was decided before (by a reviewer in an earlier round, or by the autopilot).
   */
  humanApproved: boolean;
}

/** A task with what a reviewer reads beside it: when the lead wrote, who they are, and who approved the reply. */
const TASK_VIEW = `SELECT t.id, t.message_event_id, t.workflow_id, t.status, t.kind, t.action_url, t.reason, t.round, t.draft_text, t.final_text,
    t.confidence, t.deadline, t.one_click, t.planned_send_at, t.intent, t.gate_results, t.inbound_text, COALESCE(t.channel, e.channel) AS channel,
    t.contact_id, t.decided_by, t.decided_at, t.decision_reason, t.created_at,
    e.occurred_at AS inbound_at, c.name AS contact_name, c.handle AS contact_handle,
    (t.kind <> 'send_uncertain' OR EXISTS (
      SELECT 1 FROM review_tasks earlier
       WHERE earlier.user_id = t.user_id AND earlier.message_event_id = t.message_event_id AND earlier.round < t.round
         AND earlier.kind = 'review' AND earlier.status = 'approved'
    )) AS human_approved
  FROM review_tasks t
  LEFT JOIN message_events e ON e.user_id = t.user_id AND e.id = t.message_event_id
  LEFT JOIN contacts c ON c.user_id = t.user_id AND c.id = t.contact_id`;

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
  inboundAt: r.inbound_at ?? null,
  contactName: r.contact_name ?? null,
  contactHandle: r.contact_handle ?? null,
  humanApproved: r.human_approved ?? true,
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
  const { rows } = await db.query(`${TASK_VIEW} WHERE t.user_id = $1 AND t.message_event_id = $2 AND t.round = $3`, [
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
  const { rows } = await db.query(`${TASK_VIEW} WHERE t.user_id = $1 AND t.id = $2`, [userId, reviewId]);
  return rows[0] && toReview(rows[0]);
}

/**
 * The open tasks, what expires first first: the earlier of the task's deadline and the platform's reply window
 * (`windows`, from src/domain/reply-window.ts), counted from the lead's message. The order is taken here, before
 * the LIMIT, so a WhatsApp reply whose window closes in minutes is never cut off behind a page of emails.
 */
export async function listOpenReviews(db: Pool | PoolClient, userId: string, q: { limit: number; windows: ReplyWindows }): Promise<ReviewRow[]> {
  const { rows } = await db.query(
    `WITH open_task AS (${TASK_VIEW} WHERE t.user_id = $1 AND t.status = 'open')
     SELECT open_task.*,
            LEAST(deadline, inbound_at + (($3::jsonb -> channel) ->> CASE WHEN human_approved THEN 'humanApproved' ELSE 'automatic' END)::bigint
              * interval '1 millisecond') AS expires_at
       FROM open_task
      ORDER BY expires_at ASC, created_at ASC, id ASC
      LIMIT $2`,
    [userId, q.limit, JSON.stringify(q.windows)],
  );
  return rows.map(toReview);
}

export interface ThreadMessage {
  id: string;
  direction: 'inbound' | 'outbound';
  text: string;
  at: Date;
}

/**
 * The conversation with one contact, the newest `limit` messages (the lead's and the replies that reached them),
 * oldest first; `earlier` says whether older ones exist.
 */
export async function contactThread(
  db: Pool | PoolClient,
  userId: string,
  contactId: string,
  limit: number,
): Promise<{ messages: ThreadMessage[]; earlier: boolean }> {
  const { rows } = await db.query<{ id: string; direction: 'inbound' | 'outbound'; content: string; occurred_at: Date }>(
    `SELECT id, direction, content, occurred_at FROM message_events
      WHERE user_id = $1 AND contact_id = $2
      ORDER BY occurred_at DESC, created_at DESC, id DESC
      LIMIT $3`,
    [userId, contactId, limit + 1],
  );
  const earlier = rows.length > limit;
  const messages = rows
    .slice(0, limit)
    .reverse()
    .map((r) => ({ id: r.id, direction: r.direction, text: r.content, at: r.occurred_at }));
  return { messages, earlier };
}

export async function latestReviewForEvent(db: Pool | PoolClient, userId: string, eventId: string): Promise<ReviewRow | undefined> {
  const { rows } = await db.query(
    `${TASK_VIEW} WHERE t.user_id = $1 AND t.message_event_id = $2 ORDER BY t.round DESC LIMIT 1`,
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
