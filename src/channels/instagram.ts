import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { markConnectionBroken } from '../db/connections';
import type { SecretBox } from '../domain/secrets';
import { hasActiveConnection, requireActiveConnection } from './connection';
import { failureOfAnswer, postMessage, readAcceptedBody } from './http-send';
import {
  NonRetryableSendError,
  SendOutcomeUnknownError,
  listedFailure,
  retryAfterMs,
  sendFailure,
  type ChannelAdapter,
  type OutgoingReply,
  type PlatformErrorTable,
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

/**
 * The Graph API error codes the messaging API documents (`code`, or `code/subcode` where the subcode decides)
 * and what each means on a 4xx answer. A 4xx code not listed here is a refusal (`rejected`); a 5xx leaves the
 * outcome unknown whatever its code.
 */
export const INSTAGRAM_ERRORS = {
  // Throttling: app (4), user (17), page (32) and API-call (613) rate limits, and Instagram's own (80002).
  4: 'rate_limited',
  17: 'rate_limited',
  32: 'rate_limited',
  613: 'rate_limited',
  80002: 'rate_limited',
  // Token expired or invalidated.
  0: 'connection_broken',
  190: 'connection_broken',
  // Sent outside the allowed window (24 h, or 7 days with HUMAN_AGENT).
  '10/2018278': 'outside_window',
  // The person is not available (551), no matching user (100 / 2018001).
  551: 'invalid_recipient',
  '100/2018001': 'invalid_recipient',
  // Temporary platform trouble reported as not sent (API unknown, API service).
  1: 'retry_not_sent',
  2: 'retry_not_sent',
} as const satisfies PlatformErrorTable;

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
      const response = await postMessage('Instagram', url, {
        headers: { authorization: `Bearer ${connection.credentials.accessToken ?? ''}`, 'content-type': 'application/json' },
        body: JSON.stringify(prepared.payload),
      });
      if (response.ok) {
        const body = await readAcceptedBody<{ message_id?: string }>('Instagram', response);
        if (!body.message_id) throw new SendOutcomeUnknownError(`Instagram answered ${response.status} without a message id: it may have the message`);
        return { providerMessageId: body.message_id, sandbox: false };
      }
      const { error } = (await response.json().catch(() => ({}))) as { error?: GraphError };
      const detail = `Instagram error ${error?.code ?? response.status}${error?.error_subcode ? `/${error.error_subcode}` : ''}: ${error?.message ?? response.statusText}`;
      const failure = failureOfAnswer(response.status, listedFailure(INSTAGRAM_ERRORS, error?.code, error?.error_subcode));
      if (failure === 'unknown') throw new SendOutcomeUnknownError(`Instagram answered ${response.status}, it may have the message (${detail})`);
      if (failure === 'connection_broken') {
        await markConnectionBroken(options.db, reply.userId, 'instagram', detail);
        options.logger.warn({ event: 'channel.connection_broken', channel: 'instagram', userId: reply.userId, code: error?.code });
      }
      throw sendFailure(failure, detail, retryAfterMs(response.headers.get('retry-after'), 60_000));
    },
    supports(feature) {
      return feature === 'read_receipts' || feature === 'attachments' || feature === 'automated_send';
    },
  };
}
