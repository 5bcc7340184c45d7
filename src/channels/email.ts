import nodemailer from 'nodemailer';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { normalizeHandle } from '../domain/contact-handle';
import type { SecretBox } from '../domain/secrets';
import { signUnsubscribeToken } from '../domain/unsubscribe';
import { hasActiveConnection, requireActiveConnection } from './connection';
import {
  NonRetryableSendError,
  RateLimitedSendError,
  RetryableSendError,
  type ChannelAdapter,
  type OutgoingReply,
  type PreparedMessage,
  type SendResult,
} from './types';

/**
 * Email over SMTP (nodemailer): plain-text and HTML parts, threaded under the lead's mail (In-Reply-To,
 * References, "Re:" subject), and one-click unsubscribe (RFC 8058: List-Unsubscribe with a signed URL the API
 * serves, List-Unsubscribe-Post: List-Unsubscribe=One-Click). The Message-ID is derived from the job, so a
 * retried send carries the same id and the receiving side can tell it is the same mail.
 */

export interface EmailOptions {
  db: Pool;
  logger: Logger;
  secrets: SecretBox;
  /** Where the API is reachable from a mail client, for the unsubscribe link. */
  publicUrl: string;
  unsubscribeSecret: string;
}

interface EmailThread {
  subject?: string;
  messageId?: string;
  references?: string[];
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function replySubject(subject: string | undefined): string {
  const base = (subject ?? '').trim();
  if (!base) return 'Re: your message';
  return /^(re|aw|antw)\s*:/i.test(base) ? base : `Re: ${base}`;
}

function angle(id: string): string {
  const bare = id.trim().replace(/^<|>$/g, '');
  return `<${bare}>`;
}

export function createEmailAdapter(options: EmailOptions): ChannelAdapter {
  return {
    channel: 'email',
    name: 'smtp',
    validateRecipient(recipient) {
      const handle = normalizeHandle('email', recipient);
      if (!handle.ok) throw new NonRetryableSendError(`missing or invalid email address: ${handle.message}`, 'invalid_recipient');
    },
    prepare(reply: OutgoingReply): PreparedMessage {
      const thread = (reply.inReplyTo.metadata.email ?? {}) as EmailThread;
      const inReplyTo = angle(thread.messageId ?? reply.inReplyTo.externalId);
      const references = [...(thread.references ?? []).map(angle), inReplyTo].filter((v, i, all) => all.indexOf(v) === i);
      const paragraphs = reply.text.split(/\n{2,}/).map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`);
      return {
        channel: 'email',
        recipient: reply.recipient,
        payload: {
          to: reply.recipient,
          subject: replySubject(thread.subject),
          text: reply.text,
          html: `<!doctype html><html><body>${paragraphs.join('')}</body></html>`,
          inReplyTo,
          references,
        },
      };
    },
    isConnected: (userId) => hasActiveConnection(options.db, options.secrets, userId, 'email'),
    async send(reply, prepared): Promise<SendResult> {
      const connection = await requireActiveConnection(options.db, options.secrets, reply.userId, 'email', 'email');
      const settings = connection.settings as { host: string; port: number; secure?: boolean; fromName?: string };
      const domain = connection.accountId.split('@')[1] ?? 'autopilot.local';
      const messageId = `<reply-${reply.jobId}@${domain}>`;
      const token = signUnsubscribeToken(options.unsubscribeSecret, { userId: reply.userId, contactId: reply.contactId, channel: 'email' });
      const unsubscribeUrl = `${options.publicUrl.replace(/\/$/, '')}/unsubscribe/${token}`;
      const transport = nodemailer.createTransport({
        host: settings.host,
        port: settings.port,
        secure: settings.secure ?? false,
        auth: connection.credentials.user ? { user: connection.credentials.user, pass: connection.credentials.pass ?? '' } : undefined,
        connectionTimeout: 15_000,
        greetingTimeout: 15_000,
        socketTimeout: 30_000,
        tls: { rejectUnauthorized: settings.host !== '127.0.0.1' && settings.host !== 'localhost' },
      });
      const p = prepared.payload as { subject: string; text: string; html: string; inReplyTo: string; references: string[] };
      try {
        await transport.sendMail({
          from: settings.fromName ? { name: settings.fromName, address: connection.accountId } : connection.accountId,
          to: reply.recipient,
          subject: p.subject,
          text: `${p.text}\n\n--\nUnsubscribe: ${unsubscribeUrl}`,
          html: p.html,
          messageId,
          inReplyTo: p.inReplyTo,
          references: p.references,
          headers: {
            'List-Unsubscribe': `<${unsubscribeUrl}>`,
            'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          },
        });
      } catch (err) {
        const e = err as { responseCode?: number; code?: string; message: string };
        // SMTP: 4xx is temporary (421 service unavailable, 450/451 try later, 452 storage), 5xx permanent.
        if (e.responseCode === 421 || e.responseCode === 450 || e.responseCode === 451) throw new RateLimitedSendError(e.message, 60_000);
        if (e.responseCode === 535 || e.code === 'EAUTH') throw new NonRetryableSendError(`SMTP authentication failed: ${e.message}`, 'connection_broken');
        if (e.responseCode === 550 || e.responseCode === 551 || e.responseCode === 553) throw new NonRetryableSendError(e.message, 'invalid_recipient');
        if (e.responseCode !== undefined && e.responseCode >= 500) throw new NonRetryableSendError(e.message, 'rejected');
        throw new RetryableSendError(`SMTP: ${e.message}`);
      } finally {
        transport.close();
      }
      return { providerMessageId: messageId, sandbox: false };
    },
    supports(feature) {
      return feature === 'html' || feature === 'threading' || feature === 'attachments' || feature === 'automated_send';
    },
  };
}
