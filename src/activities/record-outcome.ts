import { appendAudit } from '../db/audit';
import { setEventStage } from '../db/events';
import type { Stage } from '../domain/stages';
import type { ActivityDeps } from './deps';

export interface OutcomeInput {
  eventId: string;
  userId: string;
  stage: Stage;
  reason: string | null;
}

/** The final stage on the message row (what the API shows once the workflow has closed) and in the audit log. */
export function createRecordOutcome({ db, logger }: ActivityDeps) {
  return async function recordOutcome(input: OutcomeInput): Promise<void> {
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      // A retried attempt finds the stage already set and writes no second audit entry.
      const changed = await setEventStage(client, input.userId, input.eventId, input.stage, input.reason);
      if (changed) await appendAudit(client, {
        userId: input.userId,
        actor: 'workflow',
        action: `event.${input.stage}`,
        subjectType: 'message_event',
        subjectId: input.eventId,
        details: { reason: input.reason },
      });
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    logger.info({ event: 'event.outcome', eventId: input.eventId, stage: input.stage, reason: input.reason });
  };
}
