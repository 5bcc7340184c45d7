import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { findEvent } from '../db/events';
import { findUnsettledJob } from '../db/jobs';
import { recordSentReply } from '../db/sent-replies';
import { withTransaction } from '../db/transaction';
import type { Channel } from '../domain/channels';
import { sendConfirmedSignal } from '../workflows/definitions';

/**
 * A platform's delivery status names a job whose send we could not confirm (the answer was lost on the way back):
 * the status proves the platform took the message, so the job is recorded sent with the platform's id and its
 * workflow told, ending the reply as `sent` without asking a person. Idempotent: a settled job is left alone.
 */
export async function settleUncertainSend(
  deps: { db: Pool; temporal: Client; logger: Logger },
  status: { userId: string; channel: Channel; jobId: string; providerMessageId: string; at: Date },
): Promise<boolean> {
  const settled = await withTransaction(deps.db, async (client) => {
    const job = await findUnsettledJob(client, status.userId, status.channel, status.jobId);
    if (!job) return undefined;
    const event = await findEvent(client, status.userId, job.eventId);
    await recordSentReply(client, {
      userId: status.userId,
      event: { id: job.eventId, contactId: job.contactId, channel: status.channel },
      job,
      providerMessageId: status.providerMessageId,
      sandbox: false,
      text: job.replyText ?? '',
      at: status.at,
      actor: `platform:${status.channel}`,
      action: 'reply.reconciled_sent',
    });
    return { workflowId: event?.workflowId ?? undefined, eventId: job.eventId };
  });
  if (!settled) return false;
  deps.logger.info({ event: 'reply.reconciled_sent', eventId: settled.eventId, jobId: status.jobId, channel: status.channel });
  if (settled.workflowId) {
    try {
      await deps.temporal.workflow
        .getHandle(settled.workflowId)
        .signal(sendConfirmedSignal, { providerMessageId: status.providerMessageId, by: `platform:${status.channel}` });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError) && !/already completed/i.test((err as Error).message)) throw err;
    }
  }
  return true;
}
