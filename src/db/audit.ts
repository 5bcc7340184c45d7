import type { Pool, PoolClient } from 'pg';

export interface AuditEntry {
  userId: string;
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  details?: Record<string, unknown>;
}

export async function appendAudit(db: Pool | PoolClient, entry: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (user_id, actor, action, subject_type, subject_id, details) VALUES ($1, $2, $3, $4, $5, $6)`,
    [entry.userId, entry.actor, entry.action, entry.subjectType, entry.subjectId, JSON.stringify(entry.details ?? {})],
  );
}
