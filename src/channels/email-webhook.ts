import { z } from 'zod';
import type { NormalizedInbound } from '../api/intake';
import { assessSenderAuthentication } from '../domain/email-auth';

/**
 * Inbound mail as Postmark's inbound webhook posts it (JSON: FromFull, ToFull, Subject, MessageID, TextBody,
 * StrippedTextReply, Headers[]). The RFC 5322 Message-ID from the headers is the provider message id, so a
 * reply threads under it; the recipient address names the user's email connection.
 */

const Address = z.object({ Email: z.string(), Name: z.string().optional() }).passthrough();

const PostmarkInbound = z
  .object({
    FromFull: Address,
    ToFull: z.array(Address).default([]),
    CcFull: z.array(Address).default([]),
    OriginalRecipient: z.string().optional(),
    Subject: z.string().default(''),
    MessageID: z.string(),
    Date: z.string().optional(),
    TextBody: z.string().default(''),
    StrippedTextReply: z.string().optional(),
    Headers: z.array(z.object({ Name: z.string(), Value: z.string() })).default([]),
  })
  .passthrough();

/** The new part of a reply: quoted lines ("> …") and the "On … wrote:" line before them dropped. */
export function stripQuotedReply(text: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const kept: string[] = [];
  for (const line of lines) {
    if (/^\s*>/.test(line)) break;
    if (/^(On|Am) .+(wrote|schrieb)( .+)?:\s*$/i.test(line.trim())) break;
    if (/^-{2,}\s*(Original Message|Ursprüngliche Nachricht)/i.test(line.trim())) break;
    kept.push(line);
  }
  return kept.join('\n').trim();
}

export type ParsedEmail =
  | { ok: true; recipients: string[]; message: NormalizedInbound }
  | { ok: false; message: string };

/**
 * `trustedAuthservId`: the authserv-id of the inbound provider's own Authentication-Results header
 * (EMAIL_AUTHSERV_ID); unset, the topmost such header is the provider's.
 */
export function parsePostmarkInbound(payload: unknown, options: { trustedAuthservId?: string } = {}): ParsedEmail {
  const parsed = PostmarkInbound.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, message: `not a Postmark inbound message: ${issue?.path.join('.')} ${issue?.message}` };
  }
  const mail = parsed.data;
  const header = (name: string) => mail.Headers.find((h) => h.Name.toLowerCase() === name.toLowerCase())?.Value;
  const rfcId = header('Message-ID') ?? header('Message-Id');
  const references = (header('References') ?? '').split(/\s+/).filter(Boolean);
  const text = (mail.StrippedTextReply?.trim() || stripQuotedReply(mail.TextBody)).trim();
  const senderAuthentication = assessSenderAuthentication(mail.Headers.map((h) => ({ name: h.Name, value: h.Value })), mail.FromFull.Email, options);
  const recipients = [mail.OriginalRecipient, ...mail.ToFull.map((a) => a.Email), ...mail.CcFull.map((a) => a.Email)]
    .filter((a): a is string => Boolean(a))
    .map((a) => a.trim().toLowerCase());
  return {
    ok: true,
    recipients: [...new Set(recipients)],
    message: {
      channel: 'email',
      externalId: rfcId?.trim() || mail.MessageID,
      text: text || mail.Subject,
      contact: { handle: mail.FromFull.Email.trim().toLowerCase(), ...(mail.FromFull.Name ? { name: mail.FromFull.Name } : {}) },
      occurredAt: mail.Date && !Number.isNaN(Date.parse(mail.Date)) ? new Date(mail.Date) : new Date(),
      metadata: { email: { subject: mail.Subject, messageId: rfcId?.trim(), references, postmarkId: mail.MessageID, senderAuthentication } },
    },
  };
}
