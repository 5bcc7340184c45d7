import { Hono } from 'hono';
import { z } from 'zod';
import { deleteConnection, findConnection, saveConnection, type Connection } from '../db/connections';
import { CHANNELS, type Channel } from '../domain/channels';
import type { ApiEnv } from './deps';
import { ApiError, notFound } from './errors';
import { validate } from './validation';

const WhatsAppConnection = z
  .object({
    phoneNumberId: z.string().trim().regex(/^\d{5,20}$/, 'phoneNumberId is the numeric WhatsApp phone-number id'),
    accessToken: z.string().trim().min(20, 'accessToken is a Cloud API access token'),
    // The approved template sent when the 24-hour window has closed.
    template: z.object({ name: z.string().trim().min(1), language: z.string().trim().min(2).default('en') }).strict().optional(),
  })
  .strict();

const InstagramConnection = z
  .object({
    accountId: z.string().trim().regex(/^\d{5,32}$/, 'accountId is the numeric Instagram professional account id'),
    accessToken: z.string().trim().min(20, 'accessToken is an Instagram access token'),
  })
  .strict();

const LinkedInConnection = z
  .object({
    memberUrn: z.string().trim().regex(/^urn:li:(person|member):[\w-]+$/, 'memberUrn is the sending member, urn:li:person:…'),
    accessToken: z.string().trim().min(20),
    refreshToken: z.string().trim().min(20).optional(),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

const EmailConnection = z
  .object({
    fromAddress: z.string().trim().toLowerCase().email('fromAddress is the sending address'),
    fromName: z.string().trim().min(1).max(100).optional(),
    smtp: z
      .object({
        host: z.string().trim().min(1),
        port: z.number().int().min(1).max(65535).default(587),
        secure: z.boolean().default(false),
        user: z.string().optional(),
        pass: z.string().optional(),
      })
      .strict(),
  })
  .strict();

function channelParam(value: string): Channel {
  if (!(CHANNELS as readonly string[]).includes(value)) throw notFound(`channel ${value}`);
  return value as Channel;
}

/** A connection as the API shows it: never its secrets. */
function view(channel: Channel, connection: Connection | undefined) {
  if (!connection) return { channel, connected: false };
  return {
    channel,
    connected: connection.status === 'active',
    status: connection.status,
    brokenReason: connection.brokenReason,
    accountId: connection.accountId,
    settings: connection.settings,
    credentials: Object.keys(connection.credentials).sort(),
    tokenExpiresAt: connection.tokenExpiresAt?.toISOString() ?? null,
    updatedAt: connection.updatedAt.toISOString(),
  };
}

function secretsOf(deps: ApiEnv['Variables']['deps']) {
  if (!deps.secrets) throw new ApiError(503, 'secret_key_missing', 'set AUTOPILOT_SECRET_KEY to store channel credentials');
  return deps.secrets;
}

export const channels = new Hono<ApiEnv>()
  .get('/:channel', async (c) => {
    const channel = channelParam(c.req.param('channel'));
    const connection = c.var.deps.secrets ? await findConnection(c.var.deps.db, c.var.deps.secrets, c.var.userId, channel) : undefined;
    return c.json(view(channel, connection));
  })
  .put('/:channel', validate('json', z.record(z.string(), z.unknown())), async (c) => {
    const channel = channelParam(c.req.param('channel'));
    const fail = (error: z.ZodError) => {
      const issue = error.issues[0]!;
      return new ApiError(400, 'invalid_request', issue.message, issue.path.join('.') || undefined);
    };
    let connection: { accountId: string; credentials: Record<string, string>; settings: Record<string, unknown>; tokenExpiresAt?: Date | null };
    if (channel === 'whatsapp') {
      const parsed = WhatsAppConnection.safeParse(c.req.valid('json'));
      if (!parsed.success) throw fail(parsed.error);
      connection = {
        accountId: parsed.data.phoneNumberId,
        credentials: { accessToken: parsed.data.accessToken },
        settings: parsed.data.template ? { template: parsed.data.template } : {},
      };
    } else if (channel === 'instagram') {
      const parsed = InstagramConnection.safeParse(c.req.valid('json'));
      if (!parsed.success) throw fail(parsed.error);
      connection = { accountId: parsed.data.accountId, credentials: { accessToken: parsed.data.accessToken }, settings: {} };
    } else if (channel === 'linkedin') {
      const parsed = LinkedInConnection.safeParse(c.req.valid('json'));
      if (!parsed.success) throw fail(parsed.error);
      connection = {
        accountId: parsed.data.memberUrn,
        credentials: { accessToken: parsed.data.accessToken, ...(parsed.data.refreshToken ? { refreshToken: parsed.data.refreshToken } : {}) },
        settings: {},
        tokenExpiresAt: parsed.data.expiresAt ? new Date(parsed.data.expiresAt) : null,
      };
    } else if (channel === 'email') {
      const parsed = EmailConnection.safeParse(c.req.valid('json'));
      if (!parsed.success) throw fail(parsed.error);
      const { smtp } = parsed.data;
      connection = {
        accountId: parsed.data.fromAddress,
        credentials: { ...(smtp.user ? { user: smtp.user } : {}), ...(smtp.pass ? { pass: smtp.pass } : {}) },
        settings: { host: smtp.host, port: smtp.port, secure: smtp.secure, ...(parsed.data.fromName ? { fromName: parsed.data.fromName } : {}) },
      };
    } else {
      throw new ApiError(400, 'channel_not_supported', `connections for ${channel} are not supported yet`, 'channel');
    }
    const saved = await saveConnection(c.var.deps.db, secretsOf(c.var.deps), { userId: c.var.userId, channel, ...connection });
    return c.json(view(channel, saved));
  })
  .delete('/:channel', async (c) => {
    const channel = channelParam(c.req.param('channel'));
    if (!(await deleteConnection(c.var.deps.db, c.var.userId, channel))) throw notFound('connection');
    return c.body(null, 204);
  });
