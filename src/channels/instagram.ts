import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { markConnectionBroken } from '../db/connections';
import type { SecretBox } from '../domain/secrets';
import { hasActiveConnection, requireActiveConnection } from './connection';
import {
  NonRetryableSendError,
  RateLimitedSendError,
  RetryableSendError,
  retryAfterMs,
  type ChannelAdapter,
  type OutgoingReply,
  type PreparedMessage,
  type SendResult,
} from './types';

/**
 * Instagram messaging (Instagram API with Instagram Login): POST /{version}/{ig-account-id}/messages with the
 * connection's token, to the lead's Instagram-scoped id. Free-form replies only within 24 h of the lead's last
 * message; a reply a human approved may use the HUMAN_AGENT tag, which allows 7 days.
 */

export interface InstagramOptions {
  db: Pool;
  logger: Logger;
  secrets: SecretBox;
  baseUrl: string;
  graphVersion: string;
}

// Throttling: app / page rate limits and Instagram's own (80002).
const RATE_LIMIT_CODES = new Set([4, 17, 32, 613, 80002]);
const TOKEN_CODES = new Set([0, 190]);
// 551: the person is not available; 100 with subcode 2018001: no matching user.
const RECIPIENT_CODES = new Set([551]);
// Code 10 with subcode 2018278: sent outside the allowed window.
const OUTSIDE_WINDOW_SUBCODES = new Set([2018278]);

interface GraphError {
  code?: number;
  error_subcode?: number;
  message?: string;
}

export function createInstagramAdapter(options: InstagramOptions): ChannelAdapter {
  return {
    channel: 'instagram',
    name: 'instagram-messaging',
    validateRecipient(recipient) {
      if (!/^\d{5,32}$/.test(recipient.trim())) {
        throw new NonRetryableSendError('missing or invalid Instagram-scoped id (IGSID)', 'invalid_recipient');
      }
    },
    prepare(reply: OutgoingReply): PreparedMessage {
      return {
        channel: 'instagram',
        recipient: reply.recipient,
        payload: {
          recipient: { id: reply.recipient },
          message: { text: reply.text },
          // Meta: HUMAN_AGENT extends the window to 7 days, for messages a person wrote or approved.
          ...(reply.humanApproved ? { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' } : { messaging_type: 'RESPONSE' }),
        },
      };
    },
    isConnected: (userId) => hasActiveConnection(options.db, options.secrets, userId, 'instagram'),
    async send(reply, prepared): Promise<SendResult> {
      const connection = await requireActiveConnection(options.db, options.secrets, reply.userId, 'instagram', 'Instagram');
      const url = `${options.baseUrl.replace(/\/$/, '')}/${options.graphVersion}/${encodeURIComponent(connection.accountId)}/messages`;
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${connection.credentials.accessToken ?? ''}`, 'content-type': 'application/json' },
          body: JSON.stringify(prepared.payload),
          signal: AbortSignal.timeout(20_000),
        });
      } catch (err) {
        throw new RetryableSendError(`Instagram did not answer: ${(err as Error).message}`);
      }
      const body = (await response.json().catch(() => ({}))) as { message_id?: string; error?: GraphError };
      if (response.ok && body.message_id) return { providerMessageId: body.message_id, sandbox: false };
      if (response.ok) throw new RetryableSendError('Instagram accepted the request but returned no message id');
      const code = body.error?.code;
      const detail = `Instagram error ${code ?? response.status}${body.error?.error_subcode ? `/${body.error.error_subcode}` : ''}: ${body.error?.message ?? response.statusText}`;
      if (response.status === 429 || (code !== undefined && RATE_LIMIT_CODES.has(code))) {
        throw new RateLimitedSendError(detail, retryAfterMs(response.headers.get('retry-after'), 60_000));
      }
      if (response.status === 401 || (code !== undefined && TOKEN_CODES.has(code))) {
        await markConnectionBroken(options.db, reply.userId, 'instagram', detail);
        throw new NonRetryableSendError(detail, 'connection_broken');
      }
      if (body.error?.error_subcode !== undefined && OUTSIDE_WINDOW_SUBCODES.has(body.error.error_subcode)) {
        throw new NonRetryableSendError(detail, 'outside_window');
      }
      if ((code !== undefined && RECIPIENT_CODES.has(code)) || body.error?.error_subcode === 2018001) {
        throw new NonRetryableSendError(detail, 'invalid_recipient');
      }
      if (response.status >= 500 || code === 1 || code === 2) throw new RetryableSendError(detail);
      throw new NonRetryableSendError(detail, 'rejected');
    },
    supports(feature) {
      return feature === 'read_receipts' || feature === 'attachments' || feature === 'automated_send';
    },
  };
}
