import type { Pool, PoolClient } from 'pg';
import type { ReviewDecisions } from '../domain/calibration';

export interface PairDecisions extends ReviewDecisions {
  intent: string;
  channel: string;
}

// Decisions that count: a reviewer's approval (unedited, or edited — an approval blocked by a gate was an edit too) or
// skip of a draft; the newest `window` per intent and channel, so autonomy can be lost again when drafts get worse.
const DECISIONS = `
  SELECT intent, channel,
         count(*) FILTER (WHERE status = 'approved' AND final_text IS NULL AND coalesce(decision_reason, '') NOT LIKE 'blocked:%')::int AS approved_unedited,
         count(*) FILTER (WHERE status = 'approved' AND (final_text IS NOT NULL OR decision_reason LIKE 'blocked:%'))::int AS edited,
         count(*) FILTER (WHERE status = 'skipped')::int AS skipped
    FROM (SELECT intent, channel, status, final_text, decision_reason,
                 row_number() OVER (PARTITION BY intent, channel ORDER BY decided_at DESC) AS recency
            FROM review_tasks
           WHERE user_id = $1 AND kind = 'review' AND status IN ('approved', 'skipped') AND decided_by LIKE 'reviewer%'
             AND intent IS NOT NULL AND channel IS NOT NULL AND ($3::text IS NULL OR intent = $3) AND ($4::text IS NULL OR channel = $4)) d
   WHERE recency <= $2
   GROUP BY intent, channel ORDER BY intent, channel`;

type Row = { intent: string; channel: string; approved_unedited: number; edited: number; skipped: number };
const toPair = (r: Row): PairDecisions => ({ intent: r.intent, channel: r.channel, approvedUnedited: r.approved_unedited, edited: r.edited, skipped: r.skipped });

/** Reviewers' decisions per (intent, channel), the newest `window` of each. */
export async function reviewerDecisions(db: Pool | PoolClient, userId: string, window: number): Promise<PairDecisions[]> {
  const { rows } = await db.query<Row>(DECISIONS, [userId, window, null, null]);
  return rows.map(toPair);
}

export async function reviewerDecisionsFor(db: Pool | PoolClient, userId: string, intent: string, channel: string, window: number): Promise<PairDecisions> {
  const { rows } = await db.query<Row>(DECISIONS, [userId, window, intent, channel]);
  return rows[0] ? toPair(rows[0]) : { intent, channel, approvedUnedited: 0, edited: 0, skipped: 0 };
}
