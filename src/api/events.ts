import { WorkflowNotFoundError } from '@temporalio/client';
import { Hono } from 'hono';
import { z } from 'zod';
import { findEvent } from '../db/events';
import { findJobByEvent } from '../db/jobs';
import { latestReviewForEvent } from '../db/reviews';
import { CHANNELS } from '../domain/channels';
import { normalizeHandle } from '../domain/contact-handle';
import type { Stage } from '../domain/stages';
import { stateQuery } from '../workflows';
import type { ApiDeps, ApiEnv } from './deps';
import { notFound } from './errors';
import { acceptInbound } from './intake';
import { isUuid } from './ids';
import { validate } from './validation';

export const MAX_TEXT_BYTES = 64 * 1024;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const InboundEventSchema = z
  .object({
    channel: z.enum(CHANNELS, { message: `channel must be one of ${CHANNELS.join(', ')}` }),
    externalId: z.string({ message: 'externalId is required' }).trim().min(1, 'externalId must not be empty').max(512),
    contact: z.object(
      {
        handle: z.string({ message: 'contact.handle is required' }).trim().min(1, 'contact.handle must not be empty'),
        name: z.string().trim().max(200).optional(),
        timezone: z.string().refine(isTimeZone, 'not an IANA time zone such as Europe/Berlin').optional(),
      },
      { message: 'contact is required' },
    ),
    text: z
      .string({ message: 'text is required' })
      .refine((t) => t.trim().length > 0, 'text must not be empty')
      .refine((t) => Buffer.byteLength(t, 'utf8') <= MAX_TEXT_BYTES, `text is longer than ${MAX_TEXT_BYTES / 1024} KiB`),
    timestamp: z.iso.datetime({ offset: true, message: 'timestamp must be an ISO 8601 date-time' }).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .transform((event, ctx) => {
    const handle = normalizeHandle(event.channel, event.contact.handle);
    if (!handle.ok) {
      ctx.addIssue({ code: 'custom', path: ['contact', 'handle'], message: handle.message });
      return z.NEVER;
    }
    return { ...event, contact: { ...event.contact, handle: handle.handle } };
  });



/** The stage from the running workflow's `state` query; once it has closed, the database has the final word. */
async function currentStage(deps: ApiDeps, workflowId: string | null, stored: { stage: Stage; reason: string | null }) {
  if (workflowId) {
    try {
      const handle = deps.temporal.workflow.getHandle(workflowId);
      const description = await handle.describe();
      if (description.status.name === 'RUNNING') {
        const state = await handle.query(stateQuery);
        return { stage: state.stage, reason: state.reason ?? null, source: 'workflow' as const };
      }
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) {
        deps.logger.warn({ event: 'api.stage_query_failed', workflowId, error: (err as Error).message });
      }
    }
  }
  return { stage: stored.stage, reason: stored.reason, source: 'database' as const };
}

export const events = new Hono<ApiEnv>()
  .post('/', validate('json', InboundEventSchema), async (c) => {
    const body = c.req.valid('json');
    const accepted = await acceptInbound(c.var.deps, c.var.userId, {
      channel: body.channel,
      externalId: body.externalId,
      text: body.text,
      contact: body.contact,
      occurredAt: body.timestamp ? new Date(body.timestamp) : new Date(),
      metadata: body.metadata ?? {},
    });
    return c.json(accepted, accepted.duplicate ? 200 : 202);
  })
  .get('/:id', async (c) => {
    const id = c.req.param('id');
    if (!isUuid(id)) throw notFound('event');
    const found = await findEvent(c.var.deps.db, c.var.userId, id);
    if (!found) throw notFound('event');
    // The stage first, then the row: a workflow writes the row before it moves its stage on, so the row read
    // after the stage is never older than the stage shown.
    const stage = await currentStage(c.var.deps, found.workflowId, { stage: found.stage, reason: found.stageReason });
    const event = (await findEvent(c.var.deps.db, c.var.userId, id)) ?? found;
    const job = await findJobByEvent(c.var.deps.db, c.var.userId, event.id);
    const review = await latestReviewForEvent(c.var.deps.db, c.var.userId, event.id);
    return c.json({
      id: event.id,
      workflowId: event.workflowId,
      channel: event.channel,
      externalId: event.externalId,
      text: event.text,
      contact: { id: event.contactId, ...event.contact },
      metadata: event.metadata,
      occurredAt: event.occurredAt.toISOString(),
      createdAt: event.createdAt.toISOString(),
      stage: stage.stage,
      stageReason: stage.reason,
      stageSource: stage.source,
      reply: job
        ? {
            text: job.replyText,
            confidence: event.replyConfidence ?? job.confidence,
            status: job.status,
            scheduledFor: job.scheduledFor?.toISOString() ?? null,
            sentAt: job.sentAt?.toISOString() ?? null,
            providerMessageId: job.providerMessageId,
            decidedBy: job.decidedBy,
            // true: recorded in the sandbox outbox (GET /v1/outbox), not delivered
            sandbox: job.sandbox,
            variantId: job.variantId,
          }
        : event.replyText === null
          ? null
          : { text: event.replyText, confidence: event.replyConfidence },
      review: review ? { id: review.id, status: review.status, reason: review.reason, deadline: review.deadline.toISOString() } : null,
    });
  });
