import { z } from 'zod';
import type { NormalizedInbound } from '../api/intake';

/**
 * Instagram messaging webhooks (object "instagram", entry[].messaging[] with sender, recipient, timestamp in
 * milliseconds, and message {mid, text} or read {mid}). Echoes of our own messages are not leads' messages.
 */
const Messaging = z
  .object({
    sender: z.object({ id: z.string() }),
    recipient: z.object({ id: z.string() }),
    timestamp: z.number(),
    message: z.object({ mid: z.string(), text: z.string().optional(), is_echo: z.boolean().optional() }).passthrough().optional(),
    read: z.object({ mid: z.string() }).passthrough().optional(),
  })
  .passthrough();

const Payload = z.object({
  object: z.literal('instagram'),
  entry: z.array(z.object({ id: z.string(), time: z.number().optional(), messaging: z.array(Messaging).default([]) }).passthrough()),
});

export type ParsedInstagram =
  | {
      ok: true;
      messages: (NormalizedInbound & { accountId: string })[];
      reads: { accountId: string; providerMessageId: string; at: Date }[];
      skipped: number;
    }
  | { ok: false; message: string };

export function parseInstagramWebhook(payload: unknown): ParsedInstagram {
  const parsed = Payload.safeParse(payload);
  if (!parsed.success) return { ok: false, message: `not an Instagram messaging webhook: ${parsed.error.issues[0]?.message}` };
  const messages: (NormalizedInbound & { accountId: string })[] = [];
  const reads: { accountId: string; providerMessageId: string; at: Date }[] = [];
  let skipped = 0;
  for (const entry of parsed.data.entry) {
    for (const event of entry.messaging) {
      if (event.read) {
        // A read receipt comes from the lead about our message: the account is the recipient.
        reads.push({ accountId: event.recipient.id, providerMessageId: event.read.mid, at: new Date(event.timestamp) });
        continue;
      }
      const message = event.message;
      if (!message || message.is_echo || !message.text?.trim()) {
        skipped += 1;
        continue;
      }
      messages.push({
        accountId: event.recipient.id,
        channel: 'instagram',
        externalId: message.mid,
        text: message.text,
        contact: { handle: event.sender.id },
        occurredAt: new Date(event.timestamp),
        metadata: { instagram: { accountId: event.recipient.id } },
      });
    }
  }
  return { ok: true, messages, reads, skipped };
}
