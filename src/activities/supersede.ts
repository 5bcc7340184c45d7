import { openRepliesTo } from '../db/events';
import type { Channel } from '../domain/channels';
import { signalIfRunning } from '../temporal/signal';
import { cancelSignal } from '../workflows/definitions';
import type { ActivityDeps } from './deps';
import { activityLogger } from './logger';

/**
 * Sends `cancel` to the workflows of older, unsent replies to these contacts (on one channel, or on any when
 * `channel` is undefined, as an opt-out for the whole person asks). Returns the events told, and whether a newer
 * message already made this one stale.
 */
export async function cancelOlderReplies(
  { db, temporal, logger }: Pick<ActivityDeps, 'db' | 'temporal' | 'logger'>,
  input: { userId: string; eventId: string; contactIds: string[]; channel?: Channel; reason: string },
): Promise<{ cancelled: string[]; newerEventId?: string }> {
  const rows = await openRepliesTo(db, input);
  const cancelled: string[] = [];
  for (const row of rows.filter((r) => !r.newer)) {
    // A workflow that already finished has nothing to cancel.
    if (await signalIfRunning(temporal.workflow.getHandle(row.workflowId), cancelSignal, { reason: input.reason, by: `event:${input.eventId}` })) {
      cancelled.push(row.id);
    }
  }
  if (cancelled.length) logger.info({ event: 'reply.superseded', byEventId: input.eventId, reason: input.reason, cancelled });
  // Only a newer message on the same channel supersedes this one (an opt-out elsewhere is checked on its own).
  return { cancelled, newerEventId: rows.find((r) => r.newer && (input.channel === undefined || r.channel === input.channel))?.id };
}

/**
 * A newer message from the same contact on the same channel makes an older, unsent reply stale: the older
 * workflows get a `cancel` signal (reason superseded). Returns whether this message is itself already stale
 * (a newer one arrived before this workflow got here).
 */
export function createSupersedeOlder(deps: ActivityDeps) {
  return async function supersedeOlder(input: {
    userId: string;
    eventId: string;
    contactId: string;
    channel: Channel;
    reason: string;
  }): Promise<{ cancelled: string[]; newerEventId?: string }> {
    return cancelOlderReplies({ ...deps, logger: activityLogger(deps.logger, input) }, { userId: input.userId, eventId: input.eventId, contactIds: [input.contactId], channel: input.channel, reason: input.reason });
  };
}
