import { ServiceError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { createRoute, z } from '@hono/zod-openapi';
import { isTimeZone } from '../domain/time-zone';
import { findEvent } from '../db/events';
import { findJobByEvent, JOB_STATUSES } from '../db/jobs';
import { latestReviewForEvent, REVIEW_STATUSES } from '../db/reviews';
import { CHANNELS } from '../domain/channels';
import { normalizeHandle } from '../domain/contact-handle';
import { senderAuthenticationFromMetadata } from '../domain/email-auth';
import { STAGES, type Stage } from '../domain/stages';
import { cancelReplyUpdate, stateQuery } from '../workflows';
import { workflowStartOptions } from '../temporal/start';
import type { ApiDeps } from './deps';
import { ApiError, notFound } from './errors';
import { acceptInbound } from './intake';
import { apiKeyAuth, BODY_ERRORS, createRouter, errors, idParam, json, jsonBody, Timestamp, Uuid } from './openapi';

export const MAX_TEXT_BYTES = 64 * 1024;

export const InboundEventSchema = z
  .object({
    channel: z.enum(CHANNELS, { message: `channel must be one of ${CHANNELS.join(', ')}` }),
    externalId: z.string({ message: 'externalId is required' }).max(512).trim().min(1, 'externalId must not be empty'),
    contact: z.object(
      {
        handle: z.string({ message: 'contact.handle is required' }).trim().min(1, 'contact.handle must not be empty'),
        name: z.string().max(200).trim().optional(),
        timezone: z.string().refine(isTimeZone, 'not an IANA time zone such as Europe/Berlin').optional(),
        // What else the sender knows of the lead: the same phone number or address joins their contacts on other
        // channels into one person (a STOP on one suppresses replies on all).
        phone: z.string().max(40).optional().openapi({ description: 'the lead\'s phone number, international form' }),
        email: z.string().max(320).optional().openapi({ description: "the lead's email address" }),
      },
      { message: 'contact is required' },
    ),
    text: z
      .string({ message: 'text is required' })
      .refine((t) => t.trim().length > 0, 'text must not be empty')
      .refine((t) => Buffer.byteLength(t, 'utf8') <= MAX_TEXT_BYTES, `text is longer than ${MAX_TEXT_BYTES / 1024} KiB`),
    timestamp: z.iso.datetime({ offset: true, message: 'timestamp must be an ISO 8601 date-time' }).optional(),
    metadata: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({
        description:
          'Anything the source knows. For email: `email.subject`, `email.messageId`, `email.references` (threading) and ' +
          "`email.authenticationResults` (the inbound provider's Authentication-Results header): only a sender that passed DMARC, " +
          'or SPF or DKIM aligned with From, gets an automatic reply.',
      }),
  })
  .transform((event, ctx) => {
    const handle = normalizeHandle(event.channel, event.contact.handle);
    if (!handle.ok) {
      ctx.addIssue({ code: 'custom', path: ['contact', 'handle'], message: handle.message });
      return z.NEVER;
    }
    const phone = event.contact.phone === undefined ? undefined : normalizeHandle('whatsapp', event.contact.phone);
    if (phone && !phone.ok) {
      ctx.addIssue({ code: 'custom', path: ['contact', 'phone'], message: 'contact.phone is a phone number in international form, e.g. +491701234567' });
      return z.NEVER;
    }
    const email = event.contact.email === undefined ? undefined : normalizeHandle('email', event.contact.email);
    if (email && !email.ok) {
      ctx.addIssue({ code: 'custom', path: ['contact', 'email'], message: 'contact.email is an email address' });
      return z.NEVER;
    }
    return {
      ...event,
      contact: { ...event.contact, handle: handle.handle, ...(phone?.ok ? { phone: phone.handle } : {}), ...(email?.ok ? { email: email.handle } : {}) },
    };
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

const Event = z
  .object({
    id: Uuid,
    workflowId: z.string().nullable(),
    channel: z.enum(CHANNELS),
    externalId: z.string(),
    text: z.string(),
    contact: z.object({
      id: Uuid.nullable(),
      handle: z.string(),
      name: z.string().optional(),
      timezone: z.string().optional(),
      phone: z.string().optional(),
      email: z.string().optional(),
    }),
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
  description:
    'Stores the message once per user, channel and externalId and answers at once; its workflow starts moments later ' +
    '(retried while Temporal is unreachable; a stored message always gets its workflow).',
  security: apiKeyAuth,
  request: { body: jsonBody(InboundEventSchema, { required: true }) },
  responses: {
    202: json(Accepted, 'Accepted: stored, its workflow starting.'),
    200: json(Accepted, 'Accepted before (`duplicate: true`): the same ids, nothing new.'),
    ...errors(...BODY_ERRORS, 401),
  },
});

const CancelSchema = z.object({ reason: z.string().max(500).trim().min(1, 'reason must not be empty').optional() }).strict();

const Cancelled = z
  .object({
    eventId: Uuid,
    stage: z.enum(STAGES).openapi({ description: 'the stage the reply was stopped at; it ends `cancelled` moments later' }),
    reason: z.string(),
  })
  .openapi('EventCancelled');

const cancelEvent = createRoute({
  method: 'post',
  path: '/{id}/cancel',
  tags: ['Events'],
  summary: 'Stop the reply to this message, at any stage before it is sent',
  description: 'The workflow ends `cancelled` with the reason given (default `cancelled_by_user`); the audit log names the API key.',
  security: apiKeyAuth,
  request: { params: idParam('event'), body: jsonBody(CancelSchema, { required: false }) },
  responses: {
    202: json(Cancelled, 'Stopped; the workflow ends `cancelled`.'),
    ...errors(...BODY_ERRORS, 401, 404, {
      409: 'Too late: the reply is being sent or was sent (`already_sent`), or it has ended otherwise (`already_ended`).',
      503: 'Temporal did not answer (`temporal_unavailable`): retry.',
    }),
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
    const metadata = body.metadata ?? {};
    if (body.channel === 'email') {
      // Only a sender the inbound provider authenticated gets an automatic reply; the verdict is computed here.
      const senderAuthentication = senderAuthenticationFromMetadata(metadata, body.contact.handle, { trustedAuthservId: c.var.deps.webhooks?.email?.authservId });
      metadata.email = { ...((metadata.email as object | undefined) ?? {}), senderAuthentication };
    }
    const accepted = await acceptInbound(c.var.deps, c.var.userId, {
      channel: body.channel,
      externalId: body.externalId,
      text: body.text,
      contact: body.contact,
      occurredAt: body.timestamp ? new Date(body.timestamp) : new Date(),
      metadata,
    });
    return accepted.duplicate ? c.json(accepted, 200) : c.json(accepted, 202);
  })
  .openapi(cancelEvent, async (c) => {
    const { id } = c.req.valid('param');
    const { deps } = c.var;
    const event = await findEvent(deps.db, c.var.userId, id);
    if (!event || !event.workflowId) throw notFound('event');
    const reason = c.req.valid('json').reason ?? 'cancelled_by_user';
    const request = { reason, by: `apikey:${c.var.apiKeyId}` };
    try {
      // Update-with-start: a message whose workflow has not started yet (it starts off the request path) is started
      // and stopped at once. The update id makes a retried request one cancellation.
      const answer = await deps.temporal.workflow.executeUpdateWithStart(cancelReplyUpdate, {
        args: [request],
        updateId: `cancel:${event.id}`,
        startWorkflowOperation: workflowStartOptions(deps.taskQueue, event.workflowId, { eventId: event.id, userId: c.var.userId, channel: event.channel }),
      });
      deps.logger.info({ event: 'api.reply_cancelled', eventId: event.id, stage: answer.stage, by: request.by });
      return c.json({ eventId: event.id, stage: answer.stage as Stage, reason }, 202);
    } catch (err) {
      const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
      if (cause instanceof ApplicationFailure && cause.type === 'TooLateToCancel') throw new ApiError(409, 'already_sent', cause.message);
      if (cause instanceof ApplicationFailure && cause.type === 'AlreadyEnded') throw new ApiError(409, 'already_ended', cause.message);
      if (err instanceof WorkflowNotFoundError || err instanceof WorkflowExecutionAlreadyStartedError || /already completed/i.test((err as Error).message)) {
        const final = (await findEvent(deps.db, c.var.userId, id)) ?? event;
        if (final.stage === 'sent') throw new ApiError(409, 'already_sent', 'the reply was sent');
        throw new ApiError(409, 'already_ended', `the reply has ended (${final.stage})`);
      }
      if (err instanceof ServiceError) throw new ApiError(503, 'temporal_unavailable', 'Temporal did not answer; retry the request');
      throw err;
    }
  })
  .openapi(readEvent, async (c) => {
    const { id } = c.req.valid('param');
    const found = await findEvent(c.var.deps.db, c.var.userId, id);
    if (!found) throw notFound('event');
    // The stage first, then the row: a workflow writes the row before it moves its stage on, so the row read
    // after the stage is never older than the stage shown.
    const stage = await currentStage(c.var.deps, found.workflowId, { stage: found.stage, reason: found.stageReason });
    const event = (await findEvent(c.var.deps.db, c.var.userId, id)) ?? found;
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
