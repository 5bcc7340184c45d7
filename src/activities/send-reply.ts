import { ApplicationFailure } from '@temporalio/activity';
import { findContact } from '../db/contacts';
import { findEvent } from '../db/events';
import { claimJobForSending, recordJobError, type JobRow } from '../db/jobs';
import { recordSentReply } from '../db/sent-replies';
import { lockControls } from '../db/settings';
import { withTransaction } from '../db/transaction';
import { NonRetryableSendError, RateLimitedSendError, RetryableSendError, SendOutcomeUnknownError, type ChannelAdapter } from '../channels/types';
import { sendFailureType } from '../domain/send-errors';
import type { SendResult } from '../metrics';
import { controlsStopReason, type ControlsQuery } from './controls';
import type { ActivityDeps } from './deps';
import { withHeartbeat } from './heartbeat';
import { activityLogger } from './logger';

export interface SendOutcome {
  providerMessageId: string;
  sandbox: boolean;
  adapter: string;
  alreadySent: boolean;
}

/**
 * Right before a send: the owner's controls as they stand (the autopilot on, the channel on, auto mode still on for a
 * reply the autopilot decided by itself) and the lead's opt-out, checked in the same transaction that claims the job,
 * under the lock a settings change takes. Returns why the reply must stop, or the claimed job.
 */
async function claimUnderControls(
  db: ActivityDeps['db'],
  q: ControlsQuery & { eventId: string },
): Promise<{ stop: string } | { job: JobRow | undefined }> {
  return withTransaction(db, async (client) => {
    await lockControls(client, q.userId, 'shared');
    const stop = await controlsStopReason(client, q);
    return stop ? { stop } : { job: await claimJobForSending(client, q.userId, q.eventId) };
  });
}

/**
 * A person says the reply reached the lead: sent by hand (LinkedIn) or, after an uncertain send, confirmed as
 * delivered. The job is recorded sent, as the send activity would, with a provider id that says how.
 */
export function createRecordManualSend({ db, clock, metrics }: ActivityDeps) {
  return async function recordManualSend(input: {
    userId: string;
    eventId: string;
    text: string;
    by: string;
    how?: 'by_hand' | 'confirmed';
  }): Promise<SendOutcome> {
    const job = await claimJobForSending(db, input.userId, input.eventId);
    if (!job) throw ApplicationFailure.nonRetryable(`no job for event ${input.eventId}`, 'JobNotSendable');
    const confirmed = input.how === 'confirmed';
    const providerMessageId = `${confirmed ? 'confirmed' : 'manual'}-${job.id}`;
    if (job.status === 'sent') return { providerMessageId: job.providerMessageId ?? providerMessageId, sandbox: job.sandbox, adapter: 'manual', alreadySent: true };
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
        action: confirmed ? 'reply.confirmed_sent' : 'reply.sent_by_hand',
      }),
    );
    metrics.sendAttempted(event.channel, confirmed ? 'confirmed_sent' : 'sent_by_hand');
    return { providerMessageId, sandbox: false, adapter: 'manual', alreadySent: false };
  };
}

/** Whether repeating this user's send delivers once: the transport may be the user's (a connection or the sandbox). */
function sendsIdempotently(adapter: ChannelAdapter, userId: string): Promise<boolean> {
  return adapter.sendsIdempotently ? adapter.sendsIdempotently(userId) : Promise.resolve(adapter.supports('idempotent_send'));
}

/**
 * Step 8: exactly one send. The owner's controls are checked while the job is claimed (pending → sending); the job
 * then moves to sent. A retried attempt after a crash mid-send claims the same row: an adapter whose sends are
 * idempotent per job sends again, any other goes to a person (send_uncertain), as does any send whose outcome the
 * platform left unknown. A job already sent returns its provider id without calling the adapter again.
 */
export function createSendReply(deps: ActivityDeps) {
  return async function sendReply(input: { userId: string; eventId: string; text: string; humanApproved: boolean }): Promise<SendOutcome> {
    return withHeartbeat(() => sendOnce(deps, input));
  };
}

async function sendOnce(
  { db, channels, clock, logger: processLogger, metrics }: ActivityDeps,
  input: { userId: string; eventId: string; text: string; humanApproved: boolean },
): Promise<SendOutcome> {
  const logger = activityLogger(processLogger, input);
  const event = await findEvent(db, input.userId, input.eventId);
  if (!event || !event.contactId) throw ApplicationFailure.nonRetryable('event or contact missing', 'JobNotSendable');
  // Each attempt counted once, by how it ended (a rate-limited attempt that Temporal retries counts again).
  const counted = (result: SendResult, reason?: string) => metrics.sendAttempted(event.channel, result, reason);
  const claimed = await claimUnderControls(db, {
    userId: input.userId,
    eventId: input.eventId,
    contactId: event.contactId,
    channel: event.channel,
    decidedByAutopilot: !input.humanApproved,
  });
  if ('stop' in claimed) {
    counted('stopped');
    logger.info({ event: 'reply.stopped_before_send', reason: claimed.stop });
    throw ApplicationFailure.create({ type: 'ReplyStopped', message: `stopped before sending: ${claimed.stop}`, nonRetryable: true, details: [claimed.stop] });
  }
  const job = claimed.job;
  if (!job) {
    counted('not_sendable');
    throw ApplicationFailure.nonRetryable(`no job for event ${input.eventId}`, 'JobNotSendable');
  }
  const adapter = channels.get(event.channel);
  if (!adapter) {
    counted('not_sendable', 'channel_not_connected');
    throw ApplicationFailure.nonRetryable(`channel ${event.channel} is not connected`, 'ChannelNotConnected');
  }
  if (job.status === 'sent' && job.providerMessageId) {
    counted('already_sent');
    return { providerMessageId: job.providerMessageId, sandbox: job.sandbox, adapter: adapter.name, alreadySent: true };
  }
  if (job.status !== 'sending') {
    counted('not_sendable');
    throw ApplicationFailure.nonRetryable(`job is ${job.status}`, 'JobNotSendable');
  }
  if (job.interruptedSend && !(await sendsIdempotently(adapter, input.userId))) {
    // An earlier attempt stopped mid-send (a crash): the platform may have the message already and offers no
    // idempotency key, so a person checks before it goes again — never a second message by accident.
    const message = 'an earlier send attempt was cut off; it may have been delivered';
    await recordJobError(db, job.id, `send_uncertain: ${message}`);
    counted('uncertain', 'interrupted');
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
    counted(...sendResultOf(err));
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
  counted('sent');
  logger.info({ event: 'reply.sent', jobId: job.id, channel: event.channel, adapter: adapter.name, sandbox: result.sandbox });
  return { providerMessageId: result.providerMessageId, sandbox: result.sandbox, adapter: adapter.name, alreadySent: false };
}

/** How a transport's error ends the attempt, by what is certain about the message (channels/types.ts). */
function sendResultOf(err: unknown): [SendResult, string?] {
  if (err instanceof NonRetryableSendError) return ['rejected', err.reason];
  if (err instanceof RateLimitedSendError) return ['rate_limited'];
  if (err instanceof RetryableSendError) return ['not_sent'];
  if (err instanceof SendOutcomeUnknownError) return ['uncertain', 'outcome_unknown'];
  return ['error'];
}
