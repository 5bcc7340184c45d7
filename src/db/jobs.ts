import type { Pool, PoolClient } from 'pg';
import type { Channel } from '../domain/channels';
import type { GateResult } from '../domain/quality-gates';

export const JOB_STATUSES = ['pending', 'sending', 'sent', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface JobDraft {
  userId: string;
  eventId: string;
  contactId: string;
  channel: Channel;
  replyText: string;
  confidence: number;
  intent: string;
  language: string;
  detectedAction: string;
  reasoning: string;
  gateResults: GateResult[];
  scheduledFor: Date | null;
  experimentId: string | null;
  variantId: string | null;
  /** The experiment's split when the variant was drawn. */
  variantShares?: Record<string, number> | null;
}

export interface JobRow {
  id: string;
  status: JobStatus;
  replyText: string | null;
  confidence: number | null;
  providerMessageId: string | null;
  scheduledFor: Date | null;
  sentAt: Date | null;
  sandbox: boolean;
  decidedBy: string | null;
  experimentId: string | null;
  variantId: string | null;
  variantShares: Record<string, number> | null;
  /** Set by claimJobForSending: an earlier attempt claimed the job and never said how it ended (a crash mid-send). */
  interruptedSend?: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const toJob = (r: any): JobRow => ({
  id: r.id,
  status: r.status,
  replyText: r.reply_text,
  confidence: r.confidence,
  providerMessageId: r.provider_message_id,
  scheduledFor: r.scheduled_for,
  sentAt: r.sent_at,
  sandbox: r.sandbox,
  decidedBy: r.decided_by,
  experimentId: r.experiment_id,
  variantId: r.variant_id,
  variantShares: r.variant_shares ?? null,
});

const JOB_COLUMNS =
  'id, status, reply_text, confidence, provider_message_id, scheduled_for, sent_at, sandbox, decided_by, experiment_id, variant_id, variant_shares';

/** One job per inbound message; a later call (a new draft after review) updates it while it has not been sent. */
export async function upsertJob(db: Pool | PoolClient, draft: JobDraft): Promise<JobRow> {
  const { rows } = await db.query(
    `INSERT INTO autopilot_jobs (user_id, message_event_id, contact_id, channel, reply_text, confidence, intent, language,
       detected_action, reasoning, gate_results, scheduled_for, experiment_id, variant_id, variant_shares)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     ON CONFLICT (message_event_id) DO UPDATE SET
       reply_text = EXCLUDED.reply_text, confidence = EXCLUDED.confidence, gate_results = EXCLUDED.gate_results,
       scheduled_for = EXCLUDED.scheduled_for, updated_at = now()
     WHERE autopilot_jobs.status = 'pending'
     RETURNING ${JOB_COLUMNS}`,
    [
      draft.userId, draft.eventId, draft.contactId, draft.channel, draft.replyText, draft.confidence, draft.intent, draft.language,
      draft.detectedAction, draft.reasoning, JSON.stringify(draft.gateResults), draft.scheduledFor, draft.experimentId, draft.variantId,
      draft.variantShares ? JSON.stringify(draft.variantShares) : null,
    ],
  );
  if (rows[0]) return toJob(rows[0]);
  const existing = await findJobByEvent(db, draft.userId, draft.eventId);
  if (!existing) throw new Error(`job for event ${draft.eventId} vanished`);
  return existing;
}

export async function findJobByEvent(db: Pool | PoolClient, userId: string, eventId: string): Promise<JobRow | undefined> {
  const { rows } = await db.query(`SELECT ${JOB_COLUMNS} FROM autopilot_jobs WHERE user_id = $1 AND message_event_id = $2`, [userId, eventId]);
  return rows[0] && toJob(rows[0]);
}

export async function setJobDecision(db: Pool | PoolClient, userId: string, eventId: string, decidedBy: string, reason: string | null) {
  await db.query(
    `UPDATE autopilot_jobs SET decided_by = $3, decision_reason = $4, updated_at = now() WHERE user_id = $1 AND message_event_id = $2`,
    [userId, eventId, decidedBy, reason],
  );
}

/** pending → sending (again, after a crash mid-send). Returns the job as it stands; a sent job is not touched. */
export async function claimJobForSending(db: Pool | PoolClient, userId: string, eventId: string): Promise<JobRow | undefined> {
  const { rows } = await db.query(
    `WITH prev AS (
       SELECT id, status AS prev_status, last_error AS prev_error FROM autopilot_jobs
        WHERE user_id = $1 AND message_event_id = $2 FOR UPDATE
     )
     UPDATE autopilot_jobs j SET status = 'sending', attempts = j.attempts + 1, last_error = NULL, updated_at = now()
       FROM prev
      WHERE j.id = prev.id AND j.status IN ('pending', 'sending')
      RETURNING ${JOB_COLUMNS.split(', ').map((c) => `j.${c}`).join(', ')}, prev.prev_status, prev.prev_error`,
    [userId, eventId],
  );
  const row = rows[0];
  if (!row) return findJobByEvent(db, userId, eventId);
  // Every attempt that ends records how (sent, or last_error): a claimed job with neither was cut off mid-send.
  return { ...toJob(row), interruptedSend: row.prev_status === 'sending' && row.prev_error === null };
}

/** sending → sent. A job another path already settled (a reconciled uncertain send) is left as it is. */
export async function markJobSent(db: Pool | PoolClient, jobId: string, providerMessageId: string, sandbox: boolean, sentAt: Date) {
  await db.query(
    `UPDATE autopilot_jobs SET status = 'sent', provider_message_id = $2, sandbox = $3, sent_at = $4, last_error = NULL, updated_at = now()
      WHERE id = $1 AND status = 'sending'`,
    [jobId, providerMessageId, sandbox, sentAt],
  );
}

export async function markJobFailed(db: Pool | PoolClient, userId: string, eventId: string, error: string) {
  await db.query(
    `UPDATE autopilot_jobs SET status = 'failed', last_error = $3, updated_at = now()
      WHERE user_id = $1 AND message_event_id = $2 AND status IN ('pending', 'sending')`,
    [userId, eventId, error],
  );
}

/** How a send attempt failed; a job already sent (settled meanwhile by the platform's status) keeps its state. */
export async function recordJobError(db: Pool | PoolClient, jobId: string, error: string) {
  await db.query(`UPDATE autopilot_jobs SET last_error = $2, updated_at = now() WHERE id = $1 AND status <> 'sent'`, [jobId, error]);
}

/**
 * The job a platform names in a delivery status (WhatsApp's biz_opaque_callback_data carries the job id), when its
 * send is still unsettled: the status proves the platform took the message.
 */
export async function findUnsettledJob(
  db: Pool | PoolClient,
  userId: string,
  channel: Channel,
  jobId: string,
): Promise<(JobRow & { eventId: string; contactId: string }) | undefined> {
  const { rows } = await db.query(
    `SELECT ${JOB_COLUMNS}, message_event_id, contact_id FROM autopilot_jobs
      WHERE user_id = $1 AND channel = $2 AND id = $3 AND status = 'sending' FOR UPDATE`,
    [userId, channel, jobId],
  );
  const row = rows[0];
  return row && { ...toJob(row), eventId: row.message_event_id, contactId: row.contact_id };
}

/**
 * The reply will not be sent: a pending job, or one whose uncertain send a person decided not to repeat (the
 * workflow has ended, so no attempt is running).
 */
export async function cancelJob(db: Pool | PoolClient, userId: string, eventId: string, reason: string) {
  await db.query(
    `UPDATE autopilot_jobs SET status = 'cancelled', last_error = COALESCE(last_error || '; ', '') || $3, updated_at = now()
      WHERE user_id = $1 AND message_event_id = $2 AND status IN ('pending', 'sending')`,
    [userId, eventId, reason],
  );
}

/** Replies sent without a human today (UTC day). Only the first pipeline's workflows still ask (see auto_reply_reservations). */
export async function countAutoRepliesToday(db: Pool | PoolClient, userId: string, now: Date): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM autopilot_jobs
      WHERE user_id = $1 AND decided_by = 'autopilot' AND status IN ('pending', 'sending', 'sent')
        AND created_at >= date_trunc('day', $2::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`,
    [userId, now],
  );
  return rows[0]?.n ?? 0;
}

const DELIVERY_RANK = `CASE $4::text WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 WHEN 'failed' THEN 4 END`;
const CURRENT_RANK = `CASE autopilot_jobs.delivery_status WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 WHEN 'failed' THEN 4 ELSE 0 END`;

/** What the platform reports about a sent message; statuses arriving out of order never move it backwards. */
export async function recordDeliveryStatus(
  db: Pool | PoolClient,
  u: { userId: string; channel: Channel; providerMessageId: string; status: 'sent' | 'delivered' | 'read' | 'failed'; at: Date; error?: string },
): Promise<{ eventId: string; experimentId: string | null; variantId: string | null } | undefined> {
  const { rows } = await db.query(
    `UPDATE autopilot_jobs SET delivery_status = $4, delivery_error = $5, delivery_updated_at = $6, updated_at = now()
      WHERE user_id = $1 AND channel = $2 AND provider_message_id = $3 AND ${DELIVERY_RANK} >= ${CURRENT_RANK}
      RETURNING message_event_id, experiment_id, variant_id`,
    [u.userId, u.channel, u.providerMessageId, u.status, u.error ?? null, u.at],
  );
  const row = rows[0];
  return row && { eventId: row.message_event_id, experimentId: row.experiment_id, variantId: row.variant_id };
}
