import { createRoute, z } from '@hono/zod-openapi';
import { listOutbox } from '../db/outbox';
import { apiKeyAuth, createRouter, errors, json, Timestamp, Uuid } from './openapi';

const Outbox = z
  .object({
    sandbox: z.literal(true),
    note: z.string(),
    messages: z.array(
      z.object({
        id: Uuid,
        eventId: Uuid,
        channel: z.string(),
        recipient: z.string(),
        message: z.unknown().openapi({ description: 'the exact outgoing message, as the channel would have sent it' }),
        providerMessageId: z.string().nullable(),
        createdAt: Timestamp,
      }),
    ),
  })
  .openapi('Outbox');

const readOutbox = createRoute({
  method: 'get',
  path: '/',
  tags: ['Outbox'],
  summary: 'What the sandbox transport recorded instead of sending, newest first',
  security: apiKeyAuth,
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }) },
  responses: { 200: json(Outbox, 'The recorded messages; none of them was delivered.'), ...errors(400, 401) },
});

/** What the sandbox transport recorded instead of sending: the exact outgoing messages, newest first. */
export const outbox = createRouter().openapi(readOutbox, async (c) => {
  const rows = await listOutbox(c.var.deps.db, c.var.userId, c.req.valid('query').limit);
  return c.json(
    {
      sandbox: true as const,
      note: 'These messages were recorded by the sandbox transport and NOT delivered to anyone.',
      messages: rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })),
    },
    200,
  );
});
