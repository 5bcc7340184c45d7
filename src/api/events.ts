import { WorkflowNotFoundError } from '@temporalio/client';
import { createRoute, z } from '@hono/zod-openapi';
import { findEvent } from '../db/events';
import { findJobByEvent } from '../db/jobs';
import { latestReviewForEvent } from '../db/reviews';
import { CHANNELS } from '../domain/channels';
import { normalizeHandle } from '../domain/contact-handle';
import { STAGES, type Stage } from '../domain/stages';
import { stateQuery } from '../workflows';
import type { ApiDeps } from './deps';
import { notFound } from './errors';
import { acceptInbound } from './intake';
import { apiKeyAuth, BODY_ERRORS, createRouter, errors, idParam, json, jsonBody, Timestamp, Uuid } from './openapi';

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
    externalId: z.string({ message: 'externalId is required' }).max(512).trim().min(1, 'externalId must not be empty'),
    contact: z.object(
      {
        handle: z.string({ message: 'contact.handle is required' }).trim().min(1, 'contact.handle must not be empty'),
        name: z.string().max(200).trim().optional(),
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

const Accepted = z
  .object({
    eventId: Uuid,
    workflowId: z.string().openapi({ example: 'autopilot/whatsapp/…' }),
    duplicate: z.boolean().openapi({ description: 'true: this user, channel and externalId were accepted before (same ids)' }),
  })
  .openapi('EventAccepted');

const JOB_STATUSES = ['pending', 'sending', 'sent', 'failed', 'cancelled'] as const;
const REVIEW_STATUSES = ['open', 'approved', 'skipped', 'expired', 'cancelled', 'sent'] as const;

const Event = z
  .object({
    id: Uuid,
    workflowId: z.string().nullable(),
    channel: z.enum(CHANNELS),
    externalId: z.string(),
    text: z.string(),
    contact: z.object({ id: Uuid.nullable(), handle: z.string(), name: z.string().optional(), timezone: z.string().optional() }),
    metadata: z.record(z.string(), z.unknown()),
    occurredAt: Timestamp,
    createdAt: Timestamp,
    stage: z.enum(STAGES),
    stageReason: z.string().nullable(),
    stageSource: z.enum(['workflow', 'database']).openapi({ description: "the running workflow's state query, or the database once it has closed" }),
    reply: z
      .union([
        z
          .object({
            text: z.string().nullable(),
            confidence: z.number().nullable(),
            status: z.enum(JOB_STATUSES),
            scheduledFor: Timestamp.nullable(),
            sentAt: Timestamp.nullable(),
            providerMessageId: z.string().nullable(),
            decidedBy: z.string().nullable(),
            sandbox: z.boolean().openapi({ description: 'true: recorded in the sandbox outbox (GET /v1/outbox), not delivered' }),
            variantId: z.string().nullable(),
          })
          .openapi({ title: 'planned reply' }),
        z.object({ text: z.string(), confidence: z.number().nullable() }).openapi({ title: 'draft' }),
      ])
      .nullable(),
    review: z.object({ id: Uuid, status: z.enum(REVIEW_STATUSES), reason: z.string(), deadline: Timestamp }).nullable(),
  })
  .openapi('Event');

const acceptEvent = createRoute({
  method: 'post',
  path: '/',
  tags: ['Events'],
  summary: 'Accept an inbound message',
  description: 'Stores the message once per user, channel and externalId and starts its workflow.',
  security: apiKeyAuth,
  request: { body: jsonBody(InboundEventSchema, { required: true }) },
  responses: {
    202: json(Accepted, 'Accepted: the workflow is started.'),
    200: json(Accepted, 'Accepted before (`duplicate: true`): the same ids, nothing new.'),
    ...errors(...BODY_ERRORS, 401, { 503: 'Stored, but its workflow could not be started (`temporal_unavailable`): retry.' }),
  },
});

const readEvent = createRoute({
  method: 'get',
  path: '/{id}',
  tags: ['Events'],
  summary: 'Read an event, its stage and its reply',
  security: apiKeyAuth,
  request: { params: idParam('event') },
  responses: { 200: json(Event, 'The event.'), ...errors(401, 404) },
});

export const events = createRouter()
  .openapi(acceptEvent, async (c) => {
    const body = c.req.valid('json');
    const accepted = await acceptInbound(c.var.deps, c.var.userId, {
      channel: body.channel,
      externalId: body.externalId,
      text: body.text,
      contact: body.contact,
      occurredAt: body.timestamp ? new Date(body.timestamp) : new Date(),
      metadata: body.metadata ?? {},
    });
    return accepted.duplicate ? c.json(accepted, 200) : c.json(accepted, 202);
  })
  .openapi(readEvent, async (c) => {
    const { id } = c.req.valid('param');
    const event = await findEvent(c.var.deps.db, c.var.userId, id);
    if (!event) throw notFound('event');
    const stage = await currentStage(c.var.deps, event.workflowId, { stage: event.stage, reason: event.stageReason });
    const job = await findJobByEvent(c.var.deps.db, c.var.userId, event.id);
    const review = await latestReviewForEvent(c.var.deps.db, c.var.userId, event.id);
    return c.json(
      {
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
      },
      200,
    );
  });
