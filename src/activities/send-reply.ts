import { ApplicationFailure } from '@temporalio/activity';
import { appendAudit } from '../db/audit';
import { findContact } from '../db/contacts';
import { findEvent } from '../db/events';
import { trackResult } from '../db/experiments';
import { claimJobForSending, markJobSent, recordJobError, type JobRow } from '../db/jobs';
import { NonRetryableSendError, RateLimitedSendError, RetryableSendError, SendOutcomeUnknownError } from '../channels/types';
import { sendFailureType } from '../domain/send-errors';
import type { PoolClient } from 'pg';
import { withTransaction } from '../db/transaction';
import type { Channel } from '../domain/channels';
import type { ActivityDeps } from './deps';

export interface SendOutcome {
  providerMessageId: string;
  sandbox: boolean;
  adapter: string;
  alreadySent: boolean;
}

/**
 * Step 8: exactly one send. The job row moves pending → sending → sent; a retried attempt (after a crash
 * mid-send) claims the same row and the adapter's send is idempotent per job id, so the lead gets one message.
 * A job already sent returns its provider id without calling the adapter again.
 */
/** The job sent, the reply as an outbound message, the A/B "sent" count, and the audit entry: all or nothing. */
async function recordSentReply(
  client: PoolClient,
  r: {
    userId: string;
    event: { id: string; contactId: string; channel: Channel };
    job: JobRow;
    providerMessageId: string;
    sandbox: boolean;
    text: string;
    at: Date;
    actor: string;
    action: string;
  },
): Promise<void> {
  await markJobSent(client, r.job.id, r.providerMessageId, r.sandbox, r.at);
  await client.query(
    `INSERT INTO message_events (user_id, contact_id, channel, direction, external_id, content, occurred_at, stage, metadata)
     VALUES ($1, $2, $3, 'outbound', $4, $5, $6, 'sent', $7)
     ON CONFLICT (user_id, channel, direction, external_id) DO NOTHING`,
    [r.userId, r.event.contactId, r.event.channel, r.providerMessageId, r.text, r.at, JSON.stringify({ replyTo: r.event.id, jobId: r.job.id, sandbox: r.sandbox })],
  );
  if (r.job.experimentId && r.job.variantId) {
    await trackResult(client, { userId: r.userId, experimentId: r.job.experimentId, variantId: r.job.variantId, eventId: r.event.id, metric: 'sent' });
  }
  await appendAudit(client, {
    userId: r.userId,
    actor: r.actor,
    action: r.action,
    subjectType: 'message_event',
    subjectId: r.event.id,
    details: { jobId: r.job.id, providerMessageId: r.providerMessageId, sandbox: r.sandbox, variantId: r.job.variantId },
  });
}

/**
 * A person sent the reply by hand (LinkedIn) and confirmed it: the job is sent, as the send activity would
 * record it, with a provider id that says so.
 */
export function createRecordManualSend({ db, clock }: ActivityDeps) {
  return async function recordManualSend(input: { userId: string; eventId: string; text: string; by: string }): Promise<SendOutcome> {
    const job = await claimJobForSending(db, input.userId, input.eventId);
    if (!job) throw ApplicationFailure.nonRetryable(`no job for event ${input.eventId}`, 'JobNotSendable');
    const providerMessageId = `manual-${job.id}`;
    if (job.status === 'sent') return { providerMessageId: job.providerMessageId ?? providerMessageId, sandbox: false, adapter: 'manual', alreadySent: true };
    const event = await findEvent(db, input.userId, input.eventId);
    if (!event?.contactId) throw ApplicationFailure.nonRetryable('event or contact missing', 'JobNotSendable');
    await withTransaction(db, (client) =>
      recordSentReply(client, {
        userId: input.userId,
        event: { id: event.id, contactId: event.contactId!, channel: event.channel },
        job,
        providerMessageId,
        sandbox: false,
        text: input.text,
        at: clock.now(),
        actor: input.by,
        action: 'reply.sent_by_hand',
      }),
    );
    return { providerMessageId, sandbox: false, adapter: 'manual', alreadySent: false };
  };
}

export function createSendReply({ db, channels, clock, logger }: ActivityDeps) {
  return async function sendReply(input: { userId: string; eventId: string; text: string; humanApproved: boolean }): Promise<SendOutcome> {
    const job = await claimJobForSending(db, input.userId, input.eventId);
    if (!job) throw ApplicationFailure.nonRetryable(`no job for event ${input.eventId}`, 'JobNotSendable');
    const event = await findEvent(db, input.userId, input.eventId);
    if (!event || !event.contactId) throw ApplicationFailure.nonRetryable('event or contact missing', 'JobNotSendable');
    const adapter = channels.get(event.channel);
    if (!adapter) throw ApplicationFailure.nonRetryable(`channel ${event.channel} is not connected`, 'ChannelNotConnected');
    if (job.status === 'sent' && job.providerMessageId) {
      return { providerMessageId: job.providerMessageId, sandbox: job.sandbox, adapter: adapter.name, alreadySent: true };
    }
    if (job.status !== 'sending') throw ApplicationFailure.nonRetryable(`job is ${job.status}`, 'JobNotSendable');
    if (job.interruptedSend && !adapter.supports('idempotent_send')) {
      // An earlier attempt stopped mid-send (a crash): the platform may have the message already and offers no
      // idempotency key, so a person checks before it goes again — never a second message by accident.
      const message = 'an earlier send attempt was cut off; it may have been delivered';
      await recordJobError(db, job.id, `send_uncertain: ${message}`);
      throw ApplicationFailure.create({ type: 'SendUncertain', message, nonRetryable: true });
    }

    const contact = await findContact(db, input.userId, event.contactId);
    if (!contact) throw ApplicationFailure.nonRetryable('contact missing', 'JobNotSendable');
    const reply = {
      jobId: job.id,
      userId: input.userId,
      contactId: contact.id,
      channel: event.channel,
      recipient: contact.handle,
      text: input.text,
      inReplyTo: { externalId: event.externalId, metadata: event.metadata },
      humanApproved: input.humanApproved,
    };
    let result;
    try {
      adapter.validateRecipient(contact.handle);
      result = await adapter.send(reply, adapter.prepare(reply));
    } catch (err) {
      await recordJobError(db, job.id, (err as Error).message);
      if (err instanceof NonRetryableSendError) {
        throw ApplicationFailure.create({ message: err.message, type: sendFailureType(err.reason), nonRetryable: true, details: [err.reason] });
      }
      if (err instanceof RateLimitedSendError) {
        throw ApplicationFailure.create({ message: err.message, type: 'RateLimited', nextRetryDelay: err.retryAfterMs });
      }
      if (err instanceof RetryableSendError) throw ApplicationFailure.retryable(err.message, 'RetryableSendError');
      // The platform may have the message: never again on its own, a person checks first (review send_uncertain).
      if (err instanceof SendOutcomeUnknownError) throw ApplicationFailure.create({ type: 'SendUncertain', nonRetryable: true, message: err.message });
      throw err;
    }

    await withTransaction(db, (client) =>
      recordSentReply(client, {
        userId: input.userId,
        event: { id: event.id, contactId: event.contactId!, channel: event.channel },
        job,
        providerMessageId: result.providerMessageId,
        sandbox: result.sandbox,
        text: input.text,
        at: clock.now(),
        actor: adapter.name,
        action: 'reply.sent',
      }),
    );
    logger.info({ event: 'reply.sent', eventId: input.eventId, jobId: job.id, adapter: adapter.name, sandbox: result.sandbox });
    return { providerMessageId: result.providerMessageId, sandbox: result.sandbox, adapter: adapter.name, alreadySent: false };
  };
}
