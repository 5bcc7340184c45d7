import { z } from 'zod';
import type { NormalizedInbound } from '../api/intake';

/**
 * The WhatsApp Cloud API webhook payload (object "whatsapp_business_account", entry[].changes[].value with
 * metadata.phone_number_id, contacts, messages and statuses), turned into normalized inbound messages and
 * delivery statuses.
 */

const MessageSchema = z
  .object({
    from: z.string(),
    id: z.string(),
    timestamp: z.string(),
    type: z.string(),
    text: z.object({ body: z.string() }).optional(),
    button: z.object({ text: z.string() }).optional(),
    interactive: z
      .object({
        button_reply: z.object({ title: z.string() }).optional(),
        list_reply: z.object({ title: z.string() }).optional(),
      })
      .optional(),
    image: z.object({ caption: z.string().optional() }).optional(),
    video: z.object({ caption: z.string().optional() }).optional(),
    document: z.object({ caption: z.string().optional() }).optional(),
    context: z.object({ id: z.string().optional() }).optional(),
  })
  .passthrough();

const StatusSchema = z
  .object({
    id: z.string(),
    status: z.enum(['sent', 'delivered', 'read', 'failed']),
    timestamp: z.string(),
    recipient_id: z.string().optional(),
    // Echoed from the send request (max 512 characters); our sends put the job id there.
    biz_opaque_callback_data: z.string().optional(),
    errors: z.array(z.object({ code: z.number().optional(), title: z.string().optional() }).passthrough()).optional(),
  })
  .passthrough();

const PayloadSchema = z.object({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(
    z.object({
      id: z.string().optional(),
      changes: z.array(
        z.object({
          field: z.string(),
          value: z
            .object({
              metadata: z.object({ phone_number_id: z.string() }).passthrough(),
              contacts: z.array(z.object({ wa_id: z.string(), profile: z.object({ name: z.string().optional() }).optional() })).optional(),
              messages: z.array(MessageSchema).optional(),
              statuses: z.array(StatusSchema).optional(),
            })
            .passthrough(),
        }),
      ),
    }),
  ),
});

export interface WhatsAppStatus {
  phoneNumberId: string;
  providerMessageId: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  at: Date;
  error?: string;
  /**
   * The job the message was sent for, from the `biz_opaque_callback_data` the send put in (the Cloud API echoes
   * it in every status of that message). Only a job id's shape (a UUID) counts: other apps on the same business
   * account may put their own strings there.
   */
  jobId?: string;
}

const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type ParsedWebhook =
  | { ok: true; messages: (NormalizedInbound & { accountId: string })[]; statuses: WhatsAppStatus[]; skipped: number }
  | { ok: false; message: string };

function textOf(message: z.infer<typeof MessageSchema>): string | undefined {
  return (
    message.text?.body ??
    message.button?.text ??
    message.interactive?.button_reply?.title ??
    message.interactive?.list_reply?.title ??
    message.image?.caption ??
    message.video?.caption ??
    message.document?.caption
  );
}

export function parseWhatsAppWebhook(payload: unknown): ParsedWebhook {
  const parsed = PayloadSchema.safeParse(payload);
  if (!parsed.success) return { ok: false, message: `not a WhatsApp Cloud API webhook: ${parsed.error.issues[0]?.message}` };
  const messages: (NormalizedInbound & { accountId: string })[] = [];
  const statuses: WhatsAppStatus[] = [];
  let skipped = 0;
  for (const entry of parsed.data.entry) {
    for (const change of entry.changes) {
      if (change.field !== 'messages') continue;
      const { value } = change;
      const accountId = value.metadata.phone_number_id;
      for (const message of value.messages ?? []) {
        const text = textOf(message);
        if (!text || !text.trim()) {
          skipped += 1; // stickers, reactions, audio without words: nothing to answer in text
          continue;
        }
        const name = value.contacts?.find((c) => c.wa_id === message.from)?.profile?.name;
        messages.push({
          accountId,
          channel: 'whatsapp',
          externalId: message.id,
          text,
          contact: { handle: message.from, ...(name ? { name } : {}) },
          occurredAt: new Date(Number(message.timestamp) * 1000),
          metadata: { whatsapp: { type: message.type, phoneNumberId: accountId, ...(message.context?.id ? { contextId: message.context.id } : {}) } },
        });
      }
      for (const status of value.statuses ?? []) {
        statuses.push({
          phoneNumberId: accountId,
          providerMessageId: status.id,
          status: status.status,
          at: new Date(Number(status.timestamp) * 1000),
          error: status.errors?.map((e) => `${e.code ?? ''} ${e.title ?? ''}`.trim()).join('; ') || undefined,
          ...(status.biz_opaque_callback_data && JOB_ID.test(status.biz_opaque_callback_data) ? { jobId: status.biz_opaque_callback_data.toLowerCase() } : {}),
        });
      }
    }
  }
  return { ok: true, messages, statuses, skipped };
}
