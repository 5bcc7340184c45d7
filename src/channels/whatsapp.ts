import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { markConnectionBroken } from '../db/connections';
import { normalizeHandle } from '../domain/contact-handle';
import type { SecretBox } from '../domain/secrets';
import { hasActiveConnection, requireActiveConnection } from './connection';
import {
  NonRetryableSendError,
  RateLimitedSendError,
  RetryableSendError,
  retryAfterMs,
  type ChannelAdapter,
  type ChannelFeature,
  type OutgoingReply,
  type PreparedMessage,
  type SendResult,
} from './types';

/**
 * WhatsApp Cloud API: POST /{version}/{phone-number-id}/messages with the connection's access token. The
 * returned wamid is the provider message id. Errors are mapped by the documented Cloud API codes
 * (developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes).
 */

export interface WhatsAppOptions {
  db: Pool;
  logger: Logger;
  secrets: SecretBox;
  baseUrl: string;
  graphVersion: string;
}

// Throttling: app/WABA rate limits, Cloud API throughput, pair rate limit, spam rate limit.
const RATE_LIMIT_CODES = new Set([4, 80007, 130429, 131056, 131048]);
// Token expired or invalidated (Graph API OAuthException 190; AuthException 0).
const TOKEN_CODES = new Set([0, 190]);
// The recipient cannot receive: not a WhatsApp user / undeliverable, not in the test allow-list, is the sender.
const RECIPIENT_CODES = new Set([131026, 131030, 131021]);
// The business is blocked or restricted by the platform.
const BLOCKED_CODES = new Set([368, 130497, 131031]);
// Temporary platform trouble.
const TRANSIENT_CODES = new Set([1, 2, 131000, 131016, 133004]);
// WhatsApp: free-form replies only within 24 h of the lead's last message.
const OUTSIDE_WINDOW = 131047;

interface GraphError {
  code?: number;
  message?: string;
  error_data?: { details?: string };
}

export function createWhatsAppAdapter(options: WhatsAppOptions): ChannelAdapter {
  const prepareText = (reply: OutgoingReply): PreparedMessage => ({
    channel: 'whatsapp',
    recipient: reply.recipient,
    payload: {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: reply.recipient,
      type: 'text',
      text: { preview_url: false, body: reply.text },
      // Reply in the lead's thread when we know their message's wamid.
      ...(reply.inReplyTo.externalId.startsWith('wamid.') ? { context: { message_id: reply.inReplyTo.externalId } } : {}),
    },
  });

  async function post(phoneNumberId: string, token: string, payload: Record<string, unknown>) {
    const url = `${options.baseUrl.replace(/\/$/, '')}/${options.graphVersion}/${encodeURIComponent(phoneNumberId)}/messages`;
    try {
      return await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(20_000),
      });
    } catch (err) {
      throw new RetryableSendError(`WhatsApp did not answer: ${(err as Error).message}`);
    }
  }

  return {
    channel: 'whatsapp',
    name: 'whatsapp-cloud-api',
    validateRecipient(recipient) {
      const handle = normalizeHandle('whatsapp', recipient);
      if (!handle.ok) throw new NonRetryableSendError(`missing or invalid phone number: ${handle.message}`, 'invalid_recipient');
    },
    prepare: prepareText,
    isConnected: (userId) => hasActiveConnection(options.db, options.secrets, userId, 'whatsapp'),
    async send(reply, prepared): Promise<SendResult> {
      const connection = await requireActiveConnection(options.db, options.secrets, reply.userId, 'whatsapp', 'WhatsApp');
      const token = connection.credentials.accessToken ?? '';
      let response = await post(connection.accountId, token, prepared.payload);
      let body = (await response.json().catch(() => ({}))) as { messages?: { id?: string }[]; error?: GraphError };

      const template = connection.settings.template as { name?: string; language?: string } | undefined;
      if (!response.ok && body.error?.code === OUTSIDE_WINDOW && template?.name) {
        // Outside the 24-hour window only an approved template may be sent.
        response = await post(connection.accountId, token, {
          messaging_product: 'whatsapp',
          to: reply.recipient,
          type: 'template',
          template: { name: template.name, language: { code: template.language ?? 'en' } },
        });
        body = (await response.json().catch(() => ({}))) as typeof body;
      }

      if (response.ok) {
        const id = body.messages?.[0]?.id;
        if (!id) throw new RetryableSendError('WhatsApp accepted the request but returned no message id');
        return { providerMessageId: id, sandbox: false };
      }
      const code = body.error?.code;
      const detail = `WhatsApp error ${code ?? response.status}: ${body.error?.error_data?.details ?? body.error?.message ?? response.statusText}`;
      if (response.status === 429 || (code !== undefined && RATE_LIMIT_CODES.has(code))) {
        throw new RateLimitedSendError(detail, retryAfterMs(response.headers.get('retry-after'), 30_000));
      }
      if (response.status === 401 || (code !== undefined && TOKEN_CODES.has(code))) {
        // Cloud API system-user tokens cannot be refreshed by the API: the connection needs a new token.
        await markConnectionBroken(options.db, reply.userId, 'whatsapp', detail);
        options.logger.warn({ event: 'channel.connection_broken', channel: 'whatsapp', userId: reply.userId, code });
        throw new NonRetryableSendError(detail, 'connection_broken');
      }
      if (code === OUTSIDE_WINDOW) throw new NonRetryableSendError(detail, 'outside_window');
      if (code !== undefined && RECIPIENT_CODES.has(code)) throw new NonRetryableSendError(detail, 'invalid_recipient');
      if (code !== undefined && BLOCKED_CODES.has(code)) throw new NonRetryableSendError(detail, 'blocked');
      if (response.status >= 500 || (code !== undefined && TRANSIENT_CODES.has(code))) throw new RetryableSendError(detail);
      throw new NonRetryableSendError(detail, 'rejected');
    },
    supports(feature: ChannelFeature) {
      return feature === 'read_receipts' || feature === 'attachments' || feature === 'threading' || feature === 'automated_send';
    },
  };
}
