import { personContactIds } from '../db/contacts';
import type { AutopilotInput } from '../workflows/types';
import type { ActivityDeps } from './deps';
import { activityLogger } from './logger';
import { recordInboundMessage, type InboundRecord } from './record-inbound';
import { cancelOlderReplies } from './supersede';

export interface PreparedReply extends InboundRecord {
  /** A newer message from the same contact on the same channel: this one needs no reply of its own. */
  newerEventId?: string;
  /** The model runs in-process: the workflow drafts with a local activity (see Policy.localModel). */
  draftLocally: boolean;
}

/**
 * Steps 1–2 in one round trip: the message recorded, the contact and settings resolved, an opt-out caught before
 * anything else, and older unsent replies to the contact withdrawn — by this newer message (same channel), or by an
 * opt-out (every channel of the same person, unless the user's opt-out scope is the channel).
 */
export function createPrepareReply(processDeps: ActivityDeps) {
  return async function prepareReply(input: AutopilotInput): Promise<PreparedReply> {
    const deps = { ...processDeps, logger: activityLogger(processDeps.logger, input) };
    const inbound = { ...(await recordInboundMessage(deps, input)), draftLocally: deps.policy.localModel };
    if (inbound.optOut.optOut) {
      const contactIds =
        inbound.userLevel.optOutScope === 'person' ? await personContactIds(deps.db, input.userId, inbound.contactId) : [inbound.contactId];
      await cancelOlderReplies(deps, {
        userId: input.userId,
        eventId: input.eventId,
        contactIds,
        channel: inbound.userLevel.optOutScope === 'person' ? undefined : input.channel,
        reason: 'contact_opted_out',
      });
      return inbound;
    }
    if (!inbound.eligibility.eligible) return inbound;
    const superseded = await cancelOlderReplies(deps, {
      userId: input.userId,
      eventId: input.eventId,
      contactIds: [inbound.contactId],
      channel: input.channel,
      reason: 'superseded',
    });
    return { ...inbound, newerEventId: superseded.newerEventId };
  };
}
