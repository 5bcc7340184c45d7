import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiEnv } from './deps';
import { validate } from './validation';

/** What the sandbox transport recorded instead of sending: the exact outgoing messages, newest first. */
export const outbox = new Hono<ApiEnv>().get(
  '/',
  validate('query', z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) })),
  async (c) => {
    const { rows } = await c.var.deps.db.query(
      `SELECT o.id, o.channel, o.recipient, o.message, o.provider_message_id, o.created_at, j.message_event_id
         FROM outbox o JOIN autopilot_jobs j ON j.id = o.job_id
        WHERE o.user_id = $1 ORDER BY o.created_at DESC LIMIT $2`,
      [c.var.userId, c.req.valid('query').limit],
    );
    return c.json({
      sandbox: true,
      note: 'These messages were recorded by the sandbox transport and NOT delivered to anyone.',
      messages: rows.map((r) => ({
        id: r.id,
        eventId: r.message_event_id,
        channel: r.channel,
        recipient: r.recipient,
        message: r.message,
        providerMessageId: r.provider_message_id,
        createdAt: r.created_at.toISOString(),
      })),
    });
  },
);
