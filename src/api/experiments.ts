import { createRoute, z } from '@hono/zod-openapi';
import { createExperiment, findExperiment, listExperiments, setExperimentStatus, trackResult, type ExperimentRow } from '../db/experiments';
import { experimentReport } from '../experiments/evaluate';
import { findJobByEvent } from '../db/jobs';
import { INTENTS } from '../domain/intent';
import type { ApiEnv } from './deps';
import { ApiError, notFound } from './errors';
import { apiKeyAuth, BODY_ERRORS, createRouter, errors, idParam, json, jsonBody, TemplateText, Timestamp, Uuid } from './openapi';

const VariantSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'variant ids are 1-40 letters, digits, _ or -'),
    weight: z.number().min(0).max(1000).default(1),
    templates: z
      .object({ en: TemplateText.optional(), de: TemplateText.optional() })
      .strict()
      .refine((t) => t.en || t.de, 'a variant needs a template in en or de')
      .openapi({ minProperties: 1 }),
  })
  .strict();

const ExperimentSchema = z
  .object({
    name: z.string().max(200).trim().min(1),
    context: z.enum(INTENTS).nullable().default(null),
    algorithm: z.enum(['weighted', 'thompson']).default('weighted'),
    targetMetric: z.enum(['opened', 'replied', 'converted']).default('replied'),
    minSampleSize: z.number().int().min(0).max(1_000_000).default(30).openapi({ description: 'sends per variant before the split leaves its equal burn-in, and before a winner' }),
    minRunningHours: z.number().int().min(0).max(24 * 365).default(72).openapi({ description: 'no winner before the experiment has run this long' }),
    variants: z
      .array(VariantSchema)
      .min(2, 'an experiment needs at least two variants')
      .max(10)
      .refine((v) => new Set(v.map((x) => x.id)).size === v.length, 'variant ids must be unique')
      .refine((v) => v.some((x) => x.weight > 0), 'at least one variant needs a weight above 0'),
  })
  .strict();

const ConversionSchema = z.object({ eventId: z.guid('eventId must be an event id') }).strict();

const Counts = {
  sent: z.number().int(),
  opened: z.number().int(),
  replied: z.number().int().openapi({ description: 'leads who answered a reply of this variant (an opt-out is never counted here)' }),
  converted: z.number().int(),
  optedOut: z.number().int().openapi({ description: "leads who opted out after this variant's reply: a guardrail metric" }),
};

const VariantResult = z.object({
  variantId: z.string(),
  ...Counts,
  rate: z.number().openapi({ description: 'the posterior mean rate of the target metric, Beta(1, 1) prior' }),
  chanceToWin: z.number().openapi({ description: 'the probability this variant has the highest rate of all' }),
  expectedLoss: z.number().openapi({ description: 'the rate expected to be lost by choosing this variant, E[max − this]' }),
  lift: z
    .object({ mean: z.number(), lower: z.number(), upper: z.number() })
    .nullable()
    .openapi({ description: 'the relative lift against the first variant with its 95 % credible interval; null on the first' }),
  optOutRate: z.number(),
  paused: z.object({ reason: z.string(), at: Timestamp }).nullable().openapi({ description: 'paused by the opt-out guardrail, and why' }),
  weight: z.number().openapi({ description: "this variant's share of the traffic now" }),
});

const Experiment = z
  .object({
    id: Uuid,
    name: z.string(),
    context: z.string().nullable().openapi({ description: 'the intent whose replies it varies; null: every intent' }),
    status: z.enum(['active', 'paused', 'completed']),
    algorithm: z.enum(['weighted', 'thompson']),
    targetMetric: z.enum(['opened', 'replied', 'converted']),
    minSampleSize: z.number().int(),
    minRunningHours: z.number().int(),
    variants: z.array(z.object({ id: z.string(), weight: z.number(), templates: z.object({ en: z.string().optional(), de: z.string().optional() }) })),
    createdAt: Timestamp,
    results: z.array(VariantResult),
    srm: z
      .object({ pValue: z.number(), ok: z.boolean() })
      .openapi({ description: 'sample ratio mismatch: chi-square of the sends against the split; ok is false below p = 0.001' }),
    winner: z
      .object({ variantId: z.string(), decidedAt: Timestamp, reason: z.string() })
      .nullable()
      .openapi({ description: 'declared once a variant has ≥ 95 % chance to win, expected loss ≤ 0.25 % of its rate, the minimum sample and running time; then it gets all traffic' }),
    decision: z.string().openapi({ description: 'why there is a winner, or why not yet' }),
    allocation: z.object({
      method: z.string().openapi({ description: 'burn_in (equal split until every variant has minSampleSize sends), weighted, thompson (recomputed at most every 15 minutes) or winner' }),
      weights: z.array(z.object({ variantId: z.string(), weight: z.number() })),
      computedAt: Timestamp.nullable(),
    }),
  })
  .openapi('Experiment');

const Conversion = z.object({
  experimentId: Uuid,
  variantId: z.string(),
  eventId: Uuid,
  duplicate: z.boolean().openapi({ description: 'true: this conversion was counted before' }),
});

/** The experiment as its owner reads it: counts, the Bayesian statistics, the sample-ratio check, the winner. */
async function withCounts(db: ApiEnv['Variables']['deps']['db'], e: ExperimentRow) {
  const report = await experimentReport(db, e.userId, e, new Date());
  return {
    id: e.id,
    name: e.name,
    context: e.context,
    status: e.status,
    algorithm: e.algorithm,
    targetMetric: e.targetMetric,
    minSampleSize: e.minSampleSize,
    minRunningHours: e.minRunningHours,
    variants: e.variants,
    createdAt: e.createdAt.toISOString(),
    results: report.variants.map((v) => ({
      variantId: v.variantId,
      sent: v.counts.sent,
      opened: v.counts.opened,
      replied: v.counts.replied,
      converted: v.counts.converted,
      optedOut: v.counts.opted_out,
      rate: v.rate,
      chanceToWin: v.chanceToWin,
      expectedLoss: v.expectedLoss,
      lift: v.lift,
      optOutRate: v.optOutRate,
      paused: v.paused,
      weight: v.weight,
    })),
    srm: report.srm,
    winner: report.winner,
    decision: report.decision,
    allocation: report.allocation,
  };
}

async function load(c: { req: { param(n: 'id'): string }; var: ApiEnv['Variables'] }) {
  const experiment = await findExperiment(c.var.deps.db, c.var.userId, c.req.param('id'));
  if (!experiment) throw notFound('experiment');
  return experiment;
}

const createExperimentRoute = createRoute({
  method: 'post',
  path: '/',
  tags: ['Experiments'],
  summary: 'Start an A/B experiment',
  security: apiKeyAuth,
  request: { body: jsonBody(ExperimentSchema, { required: true }) },
  responses: { 201: json(Experiment, 'Started.'), ...errors(...BODY_ERRORS, 401) },
});

const listExperimentsRoute = createRoute({
  method: 'get',
  path: '/',
  tags: ['Experiments'],
  summary: "The user's experiments with their counts",
  security: apiKeyAuth,
  responses: { 200: json(z.object({ experiments: z.array(Experiment) }), 'The experiments.'), ...errors(401) },
});

const readExperiment = createRoute({
  method: 'get',
  path: '/{id}',
  tags: ['Experiments'],
  summary: 'One experiment with its counts',
  security: apiKeyAuth,
  request: { params: idParam('experiment') },
  responses: { 200: json(Experiment, 'The experiment.'), ...errors(401, 404) },
});

const pauseExperiment = createRoute({
  method: 'post',
  path: '/{id}/pause',
  tags: ['Experiments'],
  summary: 'Pause an experiment: replies use the templates again',
  security: apiKeyAuth,
  request: { params: idParam('experiment') },
  responses: { 200: json(Experiment, 'Paused.'), ...errors(401, 404) },
});

const resumeExperiment = createRoute({
  method: 'post',
  path: '/{id}/resume',
  tags: ['Experiments'],
  summary: 'Resume a paused experiment',
  security: apiKeyAuth,
  request: { params: idParam('experiment') },
  responses: { 200: json(Experiment, 'Active again.'), ...errors(401, 404) },
});

const recordConversion = createRoute({
  method: 'post',
  path: '/{id}/conversions',
  tags: ['Experiments'],
  summary: 'The reply to an event converted',
  description: 'Counted once per event.',
  security: apiKeyAuth,
  request: { params: idParam('experiment'), body: jsonBody(ConversionSchema, { required: true }) },
  responses: {
    201: json(Conversion, 'Counted.'),
    200: json(Conversion, 'Counted before (`duplicate: true`).'),
    ...errors(...BODY_ERRORS, 401, {
      404: 'No such experiment, or no reply of it answered that event (`field: eventId`).',
      409: 'The reply to that event has not been sent (`not_sent`).',
    }),
  },
});

export const experiments = createRouter()
  .openapi(createExperimentRoute, async (c) => {
    const created = await createExperiment(c.var.deps.db, c.var.userId, c.req.valid('json'));
    return c.json(await withCounts(c.var.deps.db, created), 201);
  })
  .openapi(listExperimentsRoute, async (c) => {
    const list = await listExperiments(c.var.deps.db, c.var.userId);
    return c.json({ experiments: await Promise.all(list.map((e) => withCounts(c.var.deps.db, e))) }, 200);
  })
  .openapi(readExperiment, async (c) => c.json(await withCounts(c.var.deps.db, await load(c)), 200))
  .openapi(pauseExperiment, async (c) => {
    const e = await load(c);
    return c.json(await withCounts(c.var.deps.db, (await setExperimentStatus(c.var.deps.db, c.var.userId, e.id, 'paused'))!), 200);
  })
  .openapi(resumeExperiment, async (c) => {
    const e = await load(c);
    return c.json(await withCounts(c.var.deps.db, (await setExperimentStatus(c.var.deps.db, c.var.userId, e.id, 'active'))!), 200);
  })
  .openapi(recordConversion, async (c) => {
    const e = await load(c);
    const { eventId } = c.req.valid('json');
    const job = await findJobByEvent(c.var.deps.db, c.var.userId, eventId);
    if (!job || job.experimentId !== e.id || !job.variantId) {
      throw new ApiError(404, 'not_found', 'no reply of this experiment answered that event', 'eventId');
    }
    if (job.status !== 'sent') throw new ApiError(409, 'not_sent', 'the reply to that event has not been sent', 'eventId');
    const counted = await trackResult(c.var.deps.db, { userId: c.var.userId, experimentId: e.id, variantId: job.variantId, eventId, metric: 'converted' });
    const body = { experimentId: e.id, variantId: job.variantId, eventId, duplicate: !counted };
    return counted ? c.json(body, 201) : c.json(body, 200);
  });
