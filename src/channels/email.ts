import nodemailer from 'nodemailer';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { normalizeHandle } from '../domain/contact-handle';
import type { SecretBox } from '../domain/secrets';
import { signUnsubscribeToken } from '../domain/unsubscribe';
import { hasActiveConnection, requireActiveConnection } from './connection';
import {
  NonRetryableSendError,
  SendOutcomeUnknownError,
  listedFailure,
  sendFailure,
  type ChannelAdapter,
  type OutgoingReply,
  type PlatformErrorTable,
  type PreparedMessage,
  type SendFailureKind,
  type SendResult,
} from './types';

/**
 * Email over SMTP (nodemailer): plain-text and HTML parts, threaded under the lead's mail (In-Reply-To,
 * References, "Re:" subject), and one-click unsubscribe (RFC 8058: List-Unsubscribe with a signed URL the API
 * serves, List-Unsubscribe-Post: List-Unsubscribe=One-Click). The Message-ID is derived from the job, so a
 * retried send carries the same id and the receiving side can tell it is the same mail.
 *
 * When is a mail sent? RFC 5321 §4.1.1.4: the server processes the transaction only once the end of the data
 * (<CRLF>.<CRLF>) arrives, and §4.2.5: its 2yz reply to it means it took responsibility, a 4yz/5yz reply means
 * it did not (and must not deliver it). So:
 * - a reply code, to any command or to the end of the data, says the mail was not taken: SMTP_REPLIES below;
 * - a connection lost or timed out before the whole message was handed to the connection cannot have been
 *   taken (§3.8: the transaction is aborted, as after a 451): retried;
 * - a connection lost or timed out after the whole message was handed over, before the reply to the end of
 *   the data: the server may have taken it. §3.8 tells an MTA to treat this as 451 and retry, and
 *   §4.5.3.2.6 warns that this "would typically result in delivery of multiple copies": a lead must never
 *   get two, so the outcome is unknown and a person decides.
 * nodemailer reports a lost connection as ECONNECTION/ETIMEDOUT/ESOCKET with command "CONN" and no
 * responseCode, wherever it happened, so the adapter watches the message stream itself to know the phase.
 */

/**
 * SMTP reply codes and what each means, whether it answers a command (before the data) or the end of the data.
 * Not listed: a 4yz is transient (RFC 5321 §4.2.1: "the action may be requested again"), retried; a 5yz is a
 * refusal (`rejected`); an authentication failure (EAUTH) with a 5yz breaks the connection.
 */
export const SMTP_REPLIES = {
  // Service not available, mailbox busy / greylisted, local error: the server asks to come back later.
  421: 'rate_limited',
  450: 'rate_limited',
  451: 'rate_limited',
  // Authentication credentials invalid (RFC 4954).
  535: 'connection_broken',
  // Mailbox unavailable, user not local, mailbox name not allowed.
  550: 'invalid_recipient',
  551: 'invalid_recipient',
  553: 'invalid_recipient',
} as const satisfies PlatformErrorTable;

/** An error as nodemailer's smtp-connection reports it. */
interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  command?: string;
}

/** What a failed SMTP send means, given whether the whole message had been handed to the connection. */
function smtpFailure(err: SmtpError, messageHandedOver: boolean): SendFailureKind | 'unknown' {
  const reply = err.responseCode;
  if (reply !== undefined && reply >= 400 && reply < 600) {
    const listed = listedFailure(SMTP_REPLIES, reply);
    if (listed) return listed;
    if (err.code === 'EAUTH' && reply >= 500) return 'connection_broken';
    return reply < 500 ? 'retry_not_sent' : 'rejected';
  }
  if (err.code === 'EAUTH' || err.code === 'ENOAUTH') return 'connection_broken';
  return messageHandedOver ? 'unknown' : 'retry_not_sent';
}

export interface EmailOptions {
  db: Pool;
  logger: Logger;
  secrets: SecretBox;
  /** Where the API is reachable from a mail client, for the unsubscribe link. */
  publicUrl: string;
  /** Newest first: links are signed with the first, and name it (so a rotation does not break them). */
  unsubscribeKeys: readonly string[];
  /** How long to wait after a "come back later" reply (421/450/451; SMTP has no Retry-After). Default 60 s. */
  deferralRetryMs?: number;
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
      const token = signUnsubscribeToken(options.unsubscribeKeys, { userId: reply.userId, contactId: reply.contactId, channel: 'email' });
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
      // The last step before the transport pipes the message into DATA: its end means the whole message went to
      // the connection, and the end-of-data mark follows it. DATA refused: the stream is dropped unread, no end.
      // (A step added after this one, such as DKIM signing, reads it earlier: that only makes the adapter more
      // cautious, never less.)
      let messageHandedOver = false;
      transport.use('stream', (mail, done) => {
        mail.message.processFunc((input) => input.once('end', () => (messageHandedOver = true)));
        done();
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
        const e = err as SmtpError;
        const failure = smtpFailure(e, messageHandedOver);
        const detail = `SMTP ${e.command ?? ''} ${e.code ?? ''}: ${e.message}`.replace(/\s+/g, ' ');
        if (failure === 'unknown') {
          throw new SendOutcomeUnknownError(`the mail server may have the mail: the whole message was sent but no reply to its end came (${detail})`, {
            cause: err,
          });
        }
        throw sendFailure(failure, failure === 'connection_broken' ? `SMTP authentication failed: ${detail}` : detail, options.deferralRetryMs ?? 60_000);
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
