import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { markConnectionBroken } from '../db/connections';
import { normalizeHandle } from '../domain/contact-handle';
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
  type ChannelFeature,
  type OutgoingReply,
  type PlatformErrorTable,
  type PreparedMessage,
  type SendResult,
} from './types';

/**
 * WhatsApp Cloud API: POST /{version}/{phone-number-id}/messages with the connection's access token. The
 * returned wamid is the provider message id. Every message carries its job id in `biz_opaque_callback_data`,
 * which the Cloud API hands back in the status webhooks of that message (sent, delivered, read, failed), so a
 * send whose answer was lost can still be matched to its job.
 */

export interface WhatsAppOptions {
  db: Pool;
  logger: Logger;
  secrets: SecretBox;
  baseUrl: string;
  graphVersion: string;
}

/**
 * The Cloud API's documented error codes (developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes)
 * and what each means on a 4xx answer. A 4xx code not listed here is a refusal (`rejected`); a 5xx leaves the
 * outcome unknown whatever its code.
 */
export const WHATSAPP_ERRORS = {
  // Throttling: app rate limit (4), WABA rate limit (80007), Cloud API throughput (130429), pair rate limit
  // (131056), spam rate limit (131048).
  4: 'rate_limited',
  80007: 'rate_limited',
  130429: 'rate_limited',
  131056: 'rate_limited',
  131048: 'rate_limited',
  // Token expired or invalidated (AuthException 0, OAuthException 190): system-user tokens cannot be refreshed
  // by the API, so the connection needs a new token.
  0: 'connection_broken',
  190: 'connection_broken',
  // WhatsApp: free-form replies only within 24 h of the lead's last message.
  131047: 'outside_window',
  // The recipient cannot receive: undeliverable / not a WhatsApp user, not in the test allow-list, is the sender.
  131026: 'invalid_recipient',
  131030: 'invalid_recipient',
  131021: 'invalid_recipient',
  // The business is blocked or restricted by the platform (policy block, country restriction, account locked).
  368: 'blocked',
  130497: 'blocked',
  131031: 'blocked',
  // Temporary platform trouble the platform reports as not sent (API unknown, API service, something went
  // wrong, service unavailable, server temporarily unavailable).
  1: 'retry_not_sent',
  2: 'retry_not_sent',
  131000: 'retry_not_sent',
  131016: 'retry_not_sent',
  133004: 'retry_not_sent',
} as const satisfies PlatformErrorTable;

const OUTSIDE_WINDOW = 131047;

interface GraphError {
  code?: number;
  message?: string;
  error_data?: { details?: string };
}

interface CloudApiAnswer {
  messages?: { id?: string }[];
  error?: GraphError;
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
      biz_opaque_callback_data: reply.jobId,
    },
  });

  async function post(phoneNumberId: string, token: string, payload: Record<string, unknown>): Promise<{ response: Response; body: CloudApiAnswer }> {
    const url = `${options.baseUrl.replace(/\/$/, '')}/${options.graphVersion}/${encodeURIComponent(phoneNumberId)}/messages`;
    const response = await postMessage('WhatsApp', url, {
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    if (response.ok) return { response, body: await readAcceptedBody<CloudApiAnswer>('WhatsApp', response) };
    return { response, body: (await response.json().catch(() => ({}))) as CloudApiAnswer };
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
      let { response, body } = await post(connection.accountId, token, prepared.payload);

      const template = connection.settings.template as { name?: string; language?: string } | undefined;
      if (response.status >= 400 && response.status < 500 && body.error?.code === OUTSIDE_WINDOW && template?.name) {
        // Outside the 24-hour window only an approved template may be sent (the text was refused, not sent).
        ({ response, body } = await post(connection.accountId, token, {
          messaging_product: 'whatsapp',
          to: reply.recipient,
          type: 'template',
          template: { name: template.name, language: { code: template.language ?? 'en' } },
          biz_opaque_callback_data: reply.jobId,
        }));
      }

      if (response.ok) {
        const id = body.messages?.[0]?.id;
        if (!id) throw new SendOutcomeUnknownError(`WhatsApp answered ${response.status} without a message id: it may have the message`);
        return { providerMessageId: id, sandbox: false };
      }
      const code = body.error?.code;
      const detail = `WhatsApp error ${code ?? response.status}: ${body.error?.error_data?.details ?? body.error?.message ?? response.statusText}`;
      const failure = failureOfAnswer(response.status, listedFailure(WHATSAPP_ERRORS, code));
      if (failure === 'unknown') throw new SendOutcomeUnknownError(`WhatsApp answered ${response.status}, it may have the message (${detail})`);
      if (failure === 'connection_broken') {
        await markConnectionBroken(options.db, reply.userId, 'whatsapp', detail);
        options.logger.warn({ event: 'channel.connection_broken', channel: 'whatsapp', userId: reply.userId, code });
      }
      throw sendFailure(failure, detail, retryAfterMs(response.headers.get('retry-after'), 30_000));
    },
    supports(feature: ChannelFeature) {
      return feature === 'read_receipts' || feature === 'attachments' || feature === 'threading' || feature === 'automated_send';
    },
  };
}
