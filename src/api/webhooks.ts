import { createRoute, z, type RouteConfig } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { findConnectionOwner } from '../db/connections';
import { trackResult } from '../db/experiments';
import { recordDeliveryStatus } from '../db/jobs';
import { timingSafeEqual } from 'node:crypto';
import { parsePostmarkInbound } from '../channels/email-webhook';
import { settleUncertainSend } from '../temporal/settle-send';
import { parseInstagramWebhook } from '../channels/instagram-webhook';
import { parseWhatsAppWebhook } from '../channels/whatsapp-webhook';
import { verifyMetaSignature } from '../domain/webhook-signature';
import type { Channel } from '../domain/channels';
import type { ApiDeps, ApiEnv } from './deps';
import { ApiError, errorBody } from './errors';
import { acceptInbound, type NormalizedInbound } from './intake';
import { createRouter, errors, json, Uuid } from './openapi';
import { findUnstorableText, UNSTORABLE_TEXT } from './validation';

type Meta = 'whatsapp' | 'instagram';
const META_ENV: Record<Meta, string> = { whatsapp: 'WHATSAPP', instagram: 'INSTAGRAM' };

/** Meta's verification handshake: echo hub.challenge when hub.verify_token matches. */
function verifyHandshake(c: Context<ApiEnv>, platform: Meta) {
  const expected = c.var.deps.webhooks?.[platform]?.verifyToken;
  if (expected && c.req.query('hub.mode') === 'subscribe' && c.req.query('hub.verify_token') === expected) {
    return c.text(c.req.query('hub.challenge') ?? '', 200);
  }
  return c.json(errorBody('verification_failed', `hub.verify_token does not match ${META_ENV[platform]}_VERIFY_TOKEN`), 403);
}

/** The delivery's JSON, once its X-Hub-Signature-256 matches the raw bytes; nothing is read before that. */
async function signedJson(c: Context<ApiEnv>, platform: Meta): Promise<unknown> {
  const appSecret = c.var.deps.webhooks?.[platform]?.appSecret;
  if (!appSecret) throw new ApiError(503, 'webhook_not_configured', `${META_ENV[platform]}_APP_SECRET is not set, so deliveries cannot be verified`);
  const raw = Buffer.from(await c.req.arrayBuffer());
  if (!verifyMetaSignature(raw, c.req.header('x-hub-signature-256'), appSecret)) {
    c.var.deps.metrics.webhookAuthFailed(platform);
    throw new ApiError(401, 'invalid_signature', 'X-Hub-Signature-256 does not match the body');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ApiError(400, 'malformed_json', 'the request body is not valid JSON');
  }
  return storable(payload);
}

/** A delivery whose text PostgreSQL could not store is refused whole: storing part of it would lose messages silently. */
function storable(payload: unknown): unknown {
  const field = findUnstorableText(payload);
  if (field !== undefined) throw new ApiError(400, 'invalid_payload', `${field || 'the body'} ${UNSTORABLE_TEXT}`);
  return payload;
}

/** Each message for an account a user connected becomes that user's event; the rest are counted as skipped. */
async function acceptForAccounts(deps: ApiDeps, channel: Channel, messages: (NormalizedInbound & { accountId: string })[]) {
  const owners = new Map<string, string | undefined>();
  let accepted = 0;
  let duplicates = 0;
  let skipped = 0;
  for (const { accountId, ...message } of messages) {
    if (!owners.has(accountId)) owners.set(accountId, await findConnectionOwner(deps.db, channel, accountId));
    const userId = owners.get(accountId);
    if (!userId) {
      skipped += 1;
      continue;
    }
    const result = await acceptInbound(deps, userId, message);
    if (result.duplicate) duplicates += 1;
    else accepted += 1;
  }
  if (skipped) deps.logger.warn({ event: 'webhook.unknown_account', channel, count: skipped });
  return { accepted, duplicates, skipped };
}

/** A read receipt (or other delivery status) on the job it names; "read" counts as opened for its variant. */
async function applyStatus(
  deps: ApiDeps,
  channel: Channel,
  status: { accountId: string; providerMessageId: string; status: 'sent' | 'delivered' | 'read' | 'failed'; at: Date; error?: string; jobId?: string },
): Promise<boolean> {
  const userId = await findConnectionOwner(deps.db, channel, status.accountId);
  if (!userId) return false;
  // A status naming our job (WhatsApp's biz_opaque_callback_data) for a send whose answer was lost: the platform has
  // the message, so the send is settled as sent instead of waiting for a person (send_uncertain).
  if (status.jobId && status.status !== 'failed') {
    await settleUncertainSend(deps, { userId, channel, jobId: status.jobId, providerMessageId: status.providerMessageId, at: status.at });
  }
  const job = await recordDeliveryStatus(deps.db, { userId, channel, ...status });
  if (!job) return false;
  if (status.status === 'read' && job.experimentId && job.variantId) {
    await trackResult(deps.db, { userId, experimentId: job.experimentId, variantId: job.variantId, eventId: job.eventId, metric: 'opened' });
  }
  return true;
}

// The bodies are described here and checked by the channel parsers only after the signature or credentials
// are: a route validator would read (and answer for) a body before anyone knows who sent it.
type MediaType = NonNullable<NonNullable<NonNullable<RouteConfig['request']>['body']>['content'][string]>;
type MediaTypeSchema = Extract<MediaType, { schema?: unknown }>['schema'];
type DescribedSchema = Exclude<MediaTypeSchema, z.ZodType | { $ref: string }>;
const str = { type: 'string' } as const;
const WhatsAppDelivery: DescribedSchema = {
  type: 'object',
  description: 'A WhatsApp Cloud API webhook delivery; other `field`s than `messages` are ignored.',
  required: ['object', 'entry'],
  properties: {
    object: { const: 'whatsapp_business_account' },
    entry: {
      type: 'array',
      items: {
        type: 'object',
        required: ['changes'],
        properties: {
          id: str,
          changes: {
            type: 'array',
            items: {
              type: 'object',
              required: ['field', 'value'],
              properties: {
                field: str,
                value: {
                  type: 'object',
                  required: ['metadata'],
                  properties: {
                    metadata: { type: 'object', required: ['phone_number_id'], properties: { phone_number_id: str } },
                    contacts: {
                      type: 'array',
                      items: { type: 'object', required: ['wa_id'], properties: { wa_id: str, profile: { type: 'object', properties: { name: str } } } },
                    },
                    messages: {
                      type: 'array',
                      items: {
                        type: 'object',
                        required: ['from', 'id', 'timestamp', 'type'],
                        properties: { from: str, id: str, timestamp: str, type: str, text: { type: 'object', required: ['body'], properties: { body: str } } },
                      },
                    },
                    statuses: {
                      type: 'array',
                      items: {
                        type: 'object',
                        required: ['id', 'status', 'timestamp'],
                        properties: { id: str, status: { enum: ['sent', 'delivered', 'read', 'failed'] }, timestamp: str, recipient_id: str },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

const InstagramDelivery: DescribedSchema = {
  type: 'object',
  description: 'An Instagram messaging webhook delivery: messages and read receipts; echoes are skipped.',
  required: ['object', 'entry'],
  properties: {
    object: { const: 'instagram' },
    entry: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id'],
        properties: {
          id: str,
          time: { type: 'number' },
          messaging: {
            type: 'array',
            items: {
              type: 'object',
              required: ['sender', 'recipient', 'timestamp'],
              properties: {
                sender: { type: 'object', required: ['id'], properties: { id: str } },
                recipient: { type: 'object', required: ['id'], properties: { id: str } },
                timestamp: { type: 'number', description: 'milliseconds' },
                message: { type: 'object', required: ['mid'], properties: { mid: str, text: str, is_echo: { type: 'boolean' } } },
                read: { type: 'object', required: ['mid'], properties: { mid: str } },
              },
            },
          },
        },
      },
    },
  },
};

const address = { type: 'object' as const, required: ['Email'], properties: { Email: str, Name: str } };
const PostmarkInbound: DescribedSchema = {
  type: 'object',
  description: "Postmark's inbound-webhook JSON; the recipient addresses name the user's email connection.",
  required: ['FromFull', 'MessageID'],
  properties: {
    FromFull: address,
    ToFull: { type: 'array', items: address },
    CcFull: { type: 'array', items: address },
    OriginalRecipient: str,
    Subject: str,
    MessageID: str,
    Date: str,
    TextBody: str,
    StrippedTextReply: str,
    Headers: { type: 'array', items: { type: 'object', required: ['Name', 'Value'], properties: { Name: str, Value: str } } },
  },
};

const MetaDeliveryResult = z.object({
  accepted: z.number().int().openapi({ description: 'messages that became new events' }),
  duplicates: z.number().int().openapi({ description: 'messages delivered before' }),
  statuses: z.number().int().openapi({ description: 'delivery statuses applied to sent replies' }),
  skipped: z.number().int().openapi({ description: 'messages with nothing to answer, or for accounts no user connected' }),
});

const MailDeliveryResult = z.object({
  accepted: z.number().int(),
  duplicates: z.number().int(),
  eventId: Uuid.optional(),
  skipped: z.number().int().optional().openapi({ description: '1: no user connected any recipient address' }),
});

const HUB_QUERY = z.object({
  'hub.mode': z.string().optional().openapi({ example: 'subscribe' }),
  'hub.verify_token': z.string().optional(),
  'hub.challenge': z.string().optional(),
});

const verification = (platform: Meta) =>
  createRoute({
    method: 'get',
    path: `/${platform}`,
    tags: ['Webhooks'],
    summary: `Meta's webhook verification (${platform})`,
    description: `Echoes \`hub.challenge\` when \`hub.mode\` is \`subscribe\` and \`hub.verify_token\` is ${META_ENV[platform]}_VERIFY_TOKEN.`,
    security: [],
    request: { query: HUB_QUERY },
    responses: {
      200: { description: 'The challenge, echoed.', content: { 'text/plain': { schema: z.string() } } },
      ...errors(400, { 403: `\`hub.verify_token\` does not match ${META_ENV[platform]}_VERIFY_TOKEN (\`verification_failed\`).` }),
    },
  });

const delivery = (platform: Meta, schema: DescribedSchema) =>
  createRoute({
    method: 'post',
    path: `/${platform}`,
    tags: ['Webhooks'],
    summary: `A ${platform} webhook delivery`,
    description: 'Answered once every message is stored and its workflow started; a duplicate delivery changes nothing.',
    security: [{ metaSignature: [] }],
    request: { body: { required: true, content: { 'application/json': { schema } } } },
    responses: {
      200: json(MetaDeliveryResult, 'Taken.'),
      ...errors(413, {
        400: "The body is not JSON (`malformed_json`), not this platform's webhook, or holds text PostgreSQL cannot store (`invalid_payload`).",
        401: 'X-Hub-Signature-256 does not match the body (`invalid_signature`).',
        503: `${META_ENV[platform]}_APP_SECRET is not set (\`webhook_not_configured\`), or a workflow could not be started (\`temporal_unavailable\`).`,
      }),
    },
  });

const inboundMail = createRoute({
  method: 'post',
  path: '/email',
  tags: ['Webhooks'],
  summary: "Inbound mail (Postmark's inbound webhook)",
  description: "The sender's message becomes an event of the user whose email connection it was sent to.",
  security: [{ inboundMailBasic: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: PostmarkInbound } } } },
  responses: {
    200: json(MailDeliveryResult, 'Taken (or skipped: no user connected a recipient address).'),
    ...errors(413, {
      400: 'The body is not JSON (`malformed_json`), not a Postmark inbound message, or holds text PostgreSQL cannot store (`invalid_payload`).',
      401: 'No HTTP Basic credentials with EMAIL_INBOUND_TOKEN as the password (`unauthorized`).',
      503: 'EMAIL_INBOUND_TOKEN is not set (`webhook_not_configured`), or the workflow could not be started (`temporal_unavailable`).',
    }),
  },
});

/**
 * Platform webhooks, outside /v1: they authenticate by signature, not by API key. A delivery is answered
 * once it is stored and its workflow started (a 5xx makes the platform deliver again; duplicates are free).
 */
export const webhooks = createRouter()
  .openapi(verification('whatsapp'), (c) => verifyHandshake(c, 'whatsapp'))
  .openapi(verification('instagram'), (c) => verifyHandshake(c, 'instagram'))
  .openapi(delivery('whatsapp', WhatsAppDelivery), async (c) => {
    const deps = c.var.deps;
    const parsed = parseWhatsAppWebhook(await signedJson(c, 'whatsapp'));
    if (!parsed.ok) throw new ApiError(400, 'invalid_payload', parsed.message);

    const result = await acceptForAccounts(deps, 'whatsapp', parsed.messages);
    let statuses = 0;
    for (const { phoneNumberId, ...status } of parsed.statuses) {
      if (await applyStatus(deps, 'whatsapp', { accountId: phoneNumberId, ...status })) statuses += 1;
    }
    return c.json({ accepted: result.accepted, duplicates: result.duplicates, statuses, skipped: parsed.skipped + result.skipped }, 200);
  })
  .openapi(delivery('instagram', InstagramDelivery), async (c) => {
    const deps = c.var.deps;
    const parsed = parseInstagramWebhook(await signedJson(c, 'instagram'));
    if (!parsed.ok) throw new ApiError(400, 'invalid_payload', parsed.message);
    const result = await acceptForAccounts(deps, 'instagram', parsed.messages);
    let statuses = 0;
    for (const read of parsed.reads) {
      if (await applyStatus(deps, 'instagram', { accountId: read.accountId, providerMessageId: read.providerMessageId, status: 'read', at: read.at })) statuses += 1;
    }
    return c.json({ accepted: result.accepted, duplicates: result.duplicates, statuses, skipped: parsed.skipped + result.skipped }, 200);
  })
  // Inbound mail in Postmark's inbound-webhook JSON, authenticated with HTTP Basic auth (the password is
  // EMAIL_INBOUND_TOKEN), as Postmark sends credentials embedded in the webhook URL.
  .openapi(inboundMail, async (c) => {
    const deps = c.var.deps;
    const token = deps.webhooks?.email?.inboundToken;
    if (!token) throw new ApiError(503, 'webhook_not_configured', 'EMAIL_INBOUND_TOKEN is not set, so deliveries cannot be authenticated');
    const match = /^Basic\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    const password = match ? Buffer.from(match[1]!, 'base64').toString('utf8').split(':').slice(1).join(':') : '';
    const given = Buffer.from(password);
    const expected = Buffer.from(token);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      deps.metrics.webhookAuthFailed('email');
      c.header('WWW-Authenticate', 'Basic realm="autopilot-inbound-mail"');
      throw new ApiError(401, 'unauthorized', 'the inbound-mail webhook needs HTTP Basic auth with EMAIL_INBOUND_TOKEN');
    }
    let payload: unknown;
    try {
      payload = await c.req.json();
    } catch {
      throw new ApiError(400, 'malformed_json', 'the request body is not valid JSON');
    }
    const parsed = parsePostmarkInbound(storable(payload), { trustedAuthservId: deps.webhooks?.email?.authservId });
    if (!parsed.ok) throw new ApiError(400, 'invalid_payload', parsed.message);
    for (const recipient of parsed.recipients) {
      const userId = await findConnectionOwner(deps.db, 'email', recipient);
      if (!userId) continue;
      const result = await acceptInbound(deps, userId, parsed.message);
      return c.json({ accepted: result.duplicate ? 0 : 1, duplicates: result.duplicate ? 1 : 0, eventId: result.eventId }, 200);
    }
    deps.logger.warn({ event: 'webhook.unknown_account', channel: 'email' });
    return c.json({ accepted: 0, duplicates: 0, skipped: 1 }, 200);
  });
