import { insertInboundEvent, type InboundEventInput } from '../db/events';
import { workflowIdFor } from '../domain/workflow-id';
import type { ApiDeps } from './deps';

/** An inbound message as every source delivers it: the stored event without its owner and workflow. */
export type NormalizedInbound = Omit<InboundEventInput, 'userId' | 'workflowId'>;

/**
 * The one way an inbound message enters: stored once per user, channel and provider message id, then its workflow
 * started (or found) off the request path by the starter; the answer does not wait for Temporal. Used by
 * POST /v1/events and by every platform webhook. A stored event always gets its workflow: the starter retries,
 * and the worker's sweep starts any the starter lost (a crash).
 */
export async function acceptInbound(deps: ApiDeps, userId: string, message: NormalizedInbound) {
  const stored = await insertInboundEvent(deps.db, {
    userId,
    channel: message.channel,
    externalId: message.externalId,
    text: message.text,
    contact: message.contact,
    occurredAt: message.occurredAt,
    metadata: message.metadata,
    workflowId: workflowIdFor(message.channel, userId, message.externalId),
  });
  // A duplicate delivery starts it too: that heals a start lost between the first delivery and now.
  deps.starter.enqueue(stored.workflowId, { eventId: stored.id, userId, channel: message.channel });
  deps.metrics.inboundAccepted(message.channel, stored.duplicate);
  deps.logger.info({
    event: 'api.event_accepted',
    eventId: stored.id,
    workflowId: stored.workflowId,
    userId,
    channel: message.channel,
    duplicate: stored.duplicate,
  });
  return { eventId: stored.id, workflowId: stored.workflowId, duplicate: stored.duplicate };
}
