import type { Pool } from 'pg';
import { recordInOutbox } from '../db/outbox';
import type { Logger } from 'pino';
import type { Channel } from '../domain/channels';
import { CHANNEL_RULES } from '../domain/channel-rules';
import { normalizeHandle } from '../domain/contact-handle';
import { NonRetryableSendError, type ChannelAdapter, type ChannelFeature, type OutgoingReply, type PreparedMessage, type SendResult } from './types';

/**
 * Stands in for a channel that has no real transport yet: records the exact outgoing message in the `outbox`
 * table, once per job (a unique key), and says so in every log line and in the API (`sandbox: true`).
 */
export function createSandboxAdapter(channel: Channel, deps: { db: Pool; logger: Logger }): ChannelAdapter {
  return {
    channel,
    name: `sandbox:${channel}`,
    validateRecipient(recipient: string) {
      const handle = normalizeHandle(channel, recipient);
      if (!handle.ok) throw new NonRetryableSendError(handle.message, 'invalid_recipient');
    },
    async isConnected() {
      return true;
    },
    prepare(reply: OutgoingReply): PreparedMessage {
      return { channel, recipient: reply.recipient, payload: { to: reply.recipient, text: reply.text, inReplyTo: reply.inReplyTo.externalId } };
    },
    async send(reply: OutgoingReply, prepared: PreparedMessage): Promise<SendResult> {
      const providerMessageId = `sandbox-${reply.jobId}`;
      await recordInOutbox(deps.db, { userId: reply.userId, jobId: reply.jobId, channel, recipient: prepared.recipient, message: prepared.payload, providerMessageId });
      deps.logger.info({ event: 'channel.sandbox_send', sandbox: true, channel, jobId: reply.jobId }, 'SANDBOX: recorded in the outbox, not sent');
      return { providerMessageId, sandbox: true };
    },
    supports(feature: ChannelFeature) {
      if (feature === 'automated_send' || feature === 'idempotent_send') return true; // one outbox row per job
      return feature === 'html' ? CHANNEL_RULES[channel].html : false;
    },
  };
}
