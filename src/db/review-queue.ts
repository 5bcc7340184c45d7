import type { Pool } from 'pg';
import type { ReviewQueueDepth } from '../metrics';

/**
 * The open review tasks of the whole installation by kind: how many, and the age of the oldest (the database's
 * clock, the one `created_at` was written with). The one query that does not filter on `user_id`: it is the
 * operator's view for the metrics scrape, counts only, and reads through the partial index of open tasks
 * (review_tasks_open_idx).
 */
export async function reviewQueueDepth(db: Pool): Promise<ReviewQueueDepth[]> {
  const { rows } = await db.query<{ kind: string; open: number; oldest_age_seconds: number }>(
    `SELECT kind, count(*)::int AS open, extract(epoch FROM now() - min(created_at))::float8 AS oldest_age_seconds
       FROM review_tasks WHERE status = 'open' GROUP BY kind`,
  );
  return rows.map((r) => ({ kind: r.kind, open: r.open, oldestAgeSeconds: Math.max(0, r.oldest_age_seconds) }));
}
