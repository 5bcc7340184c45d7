import { WorkflowNotFoundError } from '@temporalio/client';
import type { Channel } from '../domain/channels';
import type { ActivityDeps } from './deps';

const OPEN_STAGES = ['received', 'generating', 'awaiting_review', 'scheduled', 'awaiting_human_send'];

/**
 * A newer message from the same contact on the same channel makes an older, unsent reply stale: the older
 * workflows get a `cancel` signal (reason superseded). Returns whether this message is itself already stale
 * (a newer one arrived before this workflow got here).
 */
export function createSupersedeOlder({ db, temporal, logger }: ActivityDeps) {
  return async function supersedeOlder(input: {
    userId: string;
    eventId: string;
    contactId: string;
    channel: Channel;
    reason: string;
  }): Promise<{ cancelled: string[]; newerEventId?: string }> {
    const { rows } = await db.query<{ id: string; workflow_id: string; newer: boolean }>(
      `WITH me AS (SELECT occurred_at, created_at FROM message_events WHERE user_id = $1 AND id = $2)
       SELECT e.id, e.workflow_id, (e.occurred_at, e.created_at) > (me.occurred_at, me.created_at) AS newer
         FROM message_events e, me
        WHERE e.user_id = $1 AND e.contact_id = $3 AND e.channel = $4 AND e.direction = 'inbound'
          AND e.id <> $2 AND e.stage = ANY($5) AND e.workflow_id IS NOT NULL`,
      [input.userId, input.eventId, input.contactId, input.channel, OPEN_STAGES],
    );
    const cancelled: string[] = [];
    for (const row of rows.filter((r) => !r.newer)) {
      try {
        await temporal.workflow.getHandle(row.workflow_id).signal('cancel', { reason: input.reason, by: `event:${input.eventId}` });
        cancelled.push(row.id);
      } catch (err) {
        // A workflow that already finished has nothing to cancel.
        if (!(err instanceof WorkflowNotFoundError) && !/already completed|not found/i.test((err as Error).message)) throw err;
      }
    }
    if (cancelled.length) logger.info({ event: 'reply.superseded', byEventId: input.eventId, cancelled });
    return { cancelled, newerEventId: rows.find((r) => r.newer)?.id };
  };
}
