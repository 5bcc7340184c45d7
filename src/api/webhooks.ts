import { Hono, type Context } from 'hono';
import { findConnectionOwner } from '../db/connections';
import { trackResult } from '../db/experiments';
import { recordDeliveryStatus } from '../db/jobs';
import { timingSafeEqual } from 'node:crypto';
import { parsePostmarkInbound } from '../channels/email-webhook';
import { parseInstagramWebhook } from '../channels/instagram-webhook';
import { parseWhatsAppWebhook } from '../channels/whatsapp-webhook';
import { isChannel } from '../domain/channels';
import { verifyMetaSignature } from '../domain/webhook-signature';
import type { Channel } from '../domain/channels';
import type { ApiDeps, ApiEnv } from './deps';
import { ApiError, errorBody } from './errors';
import { acceptInbound, type NormalizedInbound } from './intake';

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
    throw new ApiError(401, 'invalid_signature', 'X-Hub-Signature-256 does not match the body');
  }
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ApiError(400, 'malformed_json', 'the request body is not valid JSON');
  }
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
  status: { accountId: string; providerMessageId: string; status: 'sent' | 'delivered' | 'read' | 'failed'; at: Date; error?: string },
): Promise<boolean> {
  const userId = await findConnectionOwner(deps.db, channel, status.accountId);
  if (!userId) return false;
  const job = await recordDeliveryStatus(deps.db, { userId, channel, ...status });
  if (!job) return false;
  if (status.status === 'read' && job.experimentId && job.variantId) {
    await trackResult(deps.db, { userId, experimentId: job.experimentId, variantId: job.variantId, eventId: job.eventId, metric: 'opened' });
  }
  return true;
}

/**
 * Platform webhooks, outside /v1: they authenticate by signature, not by API key. A delivery is answered
 * once it is stored and its workflow started (a 5xx makes the platform deliver again; duplicates are free).
 */
export const webhooks = new Hono<ApiEnv>()
  .get('/whatsapp', (c) => verifyHandshake(c, 'whatsapp'))
  .get('/instagram', (c) => verifyHandshake(c, 'instagram'))
  .post('/whatsapp', async (c) => {
    const deps = c.var.deps;
    const parsed = parseWhatsAppWebhook(await signedJson(c, 'whatsapp'));
    if (!parsed.ok) throw new ApiError(400, 'invalid_payload', parsed.message);

    const result = await acceptForAccounts(deps, 'whatsapp', parsed.messages);
    let statuses = 0;
    for (const { phoneNumberId, ...status } of parsed.statuses) {
      if (await applyStatus(deps, 'whatsapp', { accountId: phoneNumberId, ...status })) statuses += 1;
    }
    return c.json({ accepted: result.accepted, duplicates: result.duplicates, statuses, skipped: parsed.skipped + result.skipped });
  })
  .post('/instagram', async (c) => {
    const deps = c.var.deps;
    const parsed = parseInstagramWebhook(await signedJson(c, 'instagram'));
    if (!parsed.ok) throw new ApiError(400, 'invalid_payload', parsed.message);
    const result = await acceptForAccounts(deps, 'instagram', parsed.messages);
    let statuses = 0;
    for (const read of parsed.reads) {
      if (await applyStatus(deps, 'instagram', { accountId: read.accountId, providerMessageId: read.providerMessageId, status: 'read', at: read.at })) statuses += 1;
    }
    return c.json({ accepted: result.accepted, duplicates: result.duplicates, statuses, skipped: parsed.skipped + result.skipped });
  })
  // Inbound mail in Postmark's inbound-webhook JSON, authenticated with HTTP Basic auth (the password is
  // EMAIL_INBOUND_TOKEN), as Postmark sends credentials embedded in the webhook URL.
  .post('/email', async (c) => {
    const deps = c.var.deps;
    const token = deps.webhooks?.email?.inboundToken;
    if (!token) throw new ApiError(503, 'webhook_not_configured', 'EMAIL_INBOUND_TOKEN is not set, so deliveries cannot be authenticated');
    const match = /^Basic\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    const password = match ? Buffer.from(match[1]!, 'base64').toString('utf8').split(':').slice(1).join(':') : '';
    const given = Buffer.from(password);
    const expected = Buffer.from(token);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      c.header('WWW-Authenticate', 'Basic realm="autopilot-inbound-mail"');
      throw new ApiError(401, 'unauthorized', 'the inbound-mail webhook needs HTTP Basic auth with EMAIL_INBOUND_TOKEN');
    }
    let payload: unknown;
    try {
      payload = await c.req.json();
    } catch {
      throw new ApiError(400, 'malformed_json', 'the request body is not valid JSON');
    }
    const parsed = parsePostmarkInbound(payload);
    if (!parsed.ok) throw new ApiError(400, 'invalid_payload', parsed.message);
    for (const recipient of parsed.recipients) {
      const userId = await findConnectionOwner(deps.db, 'email', recipient);
      if (!userId) continue;
      const result = await acceptInbound(deps, userId, parsed.message);
      return c.json({ accepted: result.duplicate ? 0 : 1, duplicates: result.duplicate ? 1 : 0, eventId: result.eventId });
    }
    deps.logger.warn({ event: 'webhook.unknown_account', channel: 'email' });
    return c.json({ accepted: 0, duplicates: 0, skipped: 1 });
  })
  .all('/:channel', (c) => {
    const channel = c.req.param('channel');
    const message = isChannel(channel) ? `no webhook for ${channel} yet` : `unknown channel ${channel}`;
    return c.json(errorBody('not_found', message), 404);
  });
