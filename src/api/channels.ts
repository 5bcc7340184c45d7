import { createRoute, z } from '@hono/zod-openapi';
import { ChannelAccountTaken, deleteConnection, findConnection, saveConnection, type Connection } from '../db/connections';
import { CHANNELS, type Channel } from '../domain/channels';
import type { ApiEnv } from './deps';
import { ApiError, notFound } from './errors';
import { apiKeyAuth, BODY_ERRORS, createRouter, errors, json, jsonBody, Timestamp } from './openapi';

// Ids that have a pattern are taken as sent (no trimming), so the documented pattern is the whole rule.
const WhatsAppConnection = z
  .object({
    phoneNumberId: z.string().regex(/^\d{5,20}$/, 'phoneNumberId is the numeric WhatsApp phone-number id'),
    accessToken: z.string().trim().min(20, 'accessToken is a Cloud API access token'),
    // The approved template sent when the 24-hour window has closed.
    template: z.object({ name: z.string().trim().min(1), language: z.string().trim().min(2).default('en') }).strict().optional(),
  })
  .strict();

const InstagramConnection = z
  .object({
    accountId: z.string().regex(/^\d{5,32}$/, 'accountId is the numeric Instagram professional account id'),
    accessToken: z.string().trim().min(20, 'accessToken is an Instagram access token'),
  })
  .strict();

const LinkedInConnection = z
  .object({
    memberUrn: z.string().regex(/^urn:li:(person|member):[\w-]+$/, 'memberUrn is the sending member, urn:li:person:…'),
    accessToken: z.string().trim().min(20),
    refreshToken: z.string().trim().min(20).optional(),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

const EmailConnection = z
  .object({
    fromAddress: z.string().trim().toLowerCase().email('fromAddress is the sending address'),
    fromName: z.string().max(100).trim().min(1).optional(),
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

type ConnectionInput = {
  accountId: string;
  credentials: Record<string, string>;
  settings: Record<string, unknown>;
  tokenExpiresAt?: Date | null;
};

/** How each channel is connected: what the body holds, and what of it is the account, the secrets, the settings. */
function connectionOf<S extends z.ZodType>(summary: string, schema: S, toConnection: (body: z.output<S>) => ConnectionInput) {
  // The route validates the body with this same schema before the handler calls this.
  return { summary, schema, toConnection: (body: unknown) => toConnection(body as z.output<S>) };
}

const CONNECTIONS = {
  whatsapp: connectionOf('Connect WhatsApp (Cloud API)', WhatsAppConnection, (b) => ({
    accountId: b.phoneNumberId,
    credentials: { accessToken: b.accessToken },
    settings: b.template ? { template: b.template } : {},
  })),
  instagram: connectionOf('Connect Instagram', InstagramConnection, (b) => ({
    accountId: b.accountId,
    credentials: { accessToken: b.accessToken },
    settings: {},
  })),
  linkedin: connectionOf('Connect LinkedIn (partner mode)', LinkedInConnection, (b) => ({
    accountId: b.memberUrn,
    credentials: { accessToken: b.accessToken, ...(b.refreshToken ? { refreshToken: b.refreshToken } : {}) },
    settings: {},
    tokenExpiresAt: b.expiresAt ? new Date(b.expiresAt) : null,
  })),
  email: connectionOf('Connect email (SMTP)', EmailConnection, (b) => ({
    accountId: b.fromAddress,
    credentials: { ...(b.smtp.user ? { user: b.smtp.user } : {}), ...(b.smtp.pass ? { pass: b.smtp.pass } : {}) },
    settings: { host: b.smtp.host, port: b.smtp.port, secure: b.smtp.secure, ...(b.fromName ? { fromName: b.fromName } : {}) },
  })),
} satisfies Record<Channel, ReturnType<typeof connectionOf>>;

/** A connection as the API shows it: never its secrets. */
const ConnectionView = z
  .object({
    channel: z.enum(CHANNELS),
    connected: z.boolean(),
    status: z.enum(['active', 'broken']).optional(),
    brokenReason: z.string().nullable().optional(),
    accountId: z.string().optional(),
    settings: z.record(z.string(), z.unknown()).optional(),
    credentials: z.array(z.string()).optional().openapi({ description: 'the names of the stored secrets, never their values' }),
    tokenExpiresAt: Timestamp.nullable().optional(),
    updatedAt: Timestamp.optional(),
  })
  .openapi('ChannelConnection');

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

const ChannelParam = z.object({
  channel: z.enum(CHANNELS, { message: 'no such channel' }).openapi({ param: { description: 'the channel' } }),
});

const readConnection = createRoute({
  method: 'get',
  path: '/{channel}',
  tags: ['Channels'],
  summary: "The user's connection on a channel (never its secrets)",
  security: apiKeyAuth,
  request: { params: ChannelParam },
  responses: { 200: json(ConnectionView, 'The connection, or `connected: false`.'), ...errors(401, 404) },
});

const removeConnection = createRoute({
  method: 'delete',
  path: '/{channel}',
  tags: ['Channels'],
  summary: 'Disconnect a channel',
  security: apiKeyAuth,
  request: { params: ChannelParam },
  responses: { 204: { description: 'Removed.' }, ...errors(401, { 404: 'No such channel, or no connection on it.' }) },
});

export const channels = createRouter()
  .openapi(readConnection, async (c) => {
    const { channel } = c.req.valid('param');
    const connection = c.var.deps.secrets ? await findConnection(c.var.deps.db, c.var.deps.secrets, c.var.userId, channel) : undefined;
    return c.json(view(channel, connection), 200);
  })
  .openapi(removeConnection, async (c) => {
    if (!(await deleteConnection(c.var.deps.db, c.var.userId, c.req.valid('param').channel))) throw notFound('connection');
    return c.body(null, 204);
  });

// One PUT per channel, so each documents (and validates) the body that channel takes.
for (const channel of CHANNELS) {
  const { summary, schema, toConnection } = CONNECTIONS[channel];
  const connect = createRoute({
    method: 'put',
    path: `/${channel}`,
    tags: ['Channels'],
    summary,
    description: 'Stores the connection, its secrets sealed with AUTOPILOT_SECRET_KEY; replaces an earlier one.',
    security: apiKeyAuth,
    request: { body: jsonBody(schema, { required: true }) },
    responses: {
      200: json(ConnectionView, 'Connected.'),
      ...errors(...BODY_ERRORS, 401, {
        409: 'Another user has connected this platform account (`channel_account_taken`): one account belongs to one user.',
        503: 'AUTOPILOT_SECRET_KEY is not set, so credentials cannot be stored (`secret_key_missing`).',
      }),
    },
  });
  channels.openapi(connect, async (c) => {
    const connection = toConnection(c.req.valid('json'));
    try {
      const saved = await saveConnection(c.var.deps.db, secretsOf(c.var.deps), { userId: c.var.userId, channel, ...connection });
      return c.json(view(channel, saved), 200);
    } catch (err) {
      // An inbound webhook names the platform account and the account names the user: a second claim would let one
      // tenant read another's leads and send in their name.
      if (err instanceof ChannelAccountTaken) throw new ApiError(409, 'channel_account_taken', `this ${channel} account is connected by another user`);
      throw err;
    }
  });
}
