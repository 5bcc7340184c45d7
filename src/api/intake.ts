import { insertInboundEvent, type InboundEventInput } from '../db/events';
import { workflowIdFor } from '../domain/workflow-id';
import { startAutopilot } from '../temporal/start';
import type { ApiDeps } from './deps';
import { ApiError } from './errors';

/** An inbound message as every source delivers it: the stored event without its owner and workflow. */
export type NormalizedInbound = Omit<InboundEventInput, 'userId' | 'workflowId'>;

/**
 * The one way an inbound message enters: stored once per user, channel and provider message id, then its
 * workflow started (or found). Used by POST /v1/events and by every platform webhook.
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
  try {
    await startAutopilot(deps.temporal, deps.taskQueue, stored.workflowId, { eventId: stored.id, userId, channel: message.channel });
  } catch (err) {
    // The event is stored; the sender's retry of this delivery starts the workflow.
    deps.logger.error({ event: 'api.workflow_start_failed', eventId: stored.id, error: (err as Error).message });
    throw new ApiError(503, 'temporal_unavailable', 'the event was stored but its workflow could not be started; retry the request');
  }
  deps.logger.info({ event: 'api.event_accepted', eventId: stored.id, channel: message.channel, duplicate: stored.duplicate });
  return { eventId: stored.id, workflowId: stored.workflowId, duplicate: stored.duplicate };
}
