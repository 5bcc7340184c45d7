import { Hono } from 'hono';
import { z } from 'zod';
import { createExperiment, findExperiment, listExperiments, metricCounts, setExperimentStatus, trackResult, type ExperimentRow } from '../db/experiments';
import { findJobByEvent } from '../db/jobs';
import { INTENTS } from '../domain/intent';
import type { ApiEnv } from './deps';
import { ApiError, notFound } from './errors';
import { isUuid } from './ids';
import { validate } from './validation';

const VariantSchema = z
  .object({
    id: z.string().trim().regex(/^[A-Za-z0-9_-]{1,40}$/, 'variant ids are 1-40 letters, digits, _ or -'),
    weight: z.number().min(0).max(1000).default(1),
    templates: z
      .object({ en: z.string().trim().min(1).max(4000).optional(), de: z.string().trim().min(1).max(4000).optional() })
      .strict()
      .refine((t) => t.en || t.de, 'a variant needs a template in en or de'),
  })
  .strict();

const ExperimentSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    context: z.enum(INTENTS).nullable().default(null),
    algorithm: z.enum(['weighted', 'thompson']).default('weighted'),
    targetMetric: z.enum(['opened', 'replied', 'converted']).default('replied'),
    minSampleSize: z.number().int().min(0).max(1_000_000).default(30),
    variants: z
      .array(VariantSchema)
      .min(2, 'an experiment needs at least two variants')
      .max(10)
      .refine((v) => new Set(v.map((x) => x.id)).size === v.length, 'variant ids must be unique')
      .refine((v) => v.some((x) => x.weight > 0), 'at least one variant needs a weight above 0'),
  })
  .strict();

async function withCounts(db: ApiEnv['Variables']['deps']['db'], e: ExperimentRow) {
  const counts = await metricCounts(db, e.id);
  return {
    ...e,
    createdAt: e.createdAt.toISOString(),
    results: e.variants.map((v) => ({ variantId: v.id, ...(counts[v.id] ?? { sent: 0, opened: 0, replied: 0, converted: 0 }) })),
  };
}

async function load(c: { req: { param(n: 'id'): string }; var: ApiEnv['Variables'] }) {
  const id = c.req.param('id');
  const experiment = isUuid(id) ? await findExperiment(c.var.deps.db, c.var.userId, id) : undefined;
  if (!experiment) throw notFound('experiment');
  return experiment;
}

export const experiments = new Hono<ApiEnv>()
  .post('/', validate('json', ExperimentSchema), async (c) => {
    const created = await createExperiment(c.var.deps.db, c.var.userId, c.req.valid('json'));
    return c.json(await withCounts(c.var.deps.db, created), 201);
  })
  .get('/', async (c) => {
    const list = await listExperiments(c.var.deps.db, c.var.userId);
    return c.json({ experiments: await Promise.all(list.map((e) => withCounts(c.var.deps.db, e))) });
  })
  .get('/:id', async (c) => c.json(await withCounts(c.var.deps.db, await load(c))))
  .post('/:id/pause', async (c) => {
    const e = await load(c);
    return c.json(await withCounts(c.var.deps.db, (await setExperimentStatus(c.var.deps.db, c.var.userId, e.id, 'paused'))!));
  })
  .post('/:id/resume', async (c) => {
    const e = await load(c);
    return c.json(await withCounts(c.var.deps.db, (await setExperimentStatus(c.var.deps.db, c.var.userId, e.id, 'active'))!));
  })
  .post('/:id/conversions', validate('json', z.object({ eventId: z.string().refine(isUuid, 'eventId must be an event id') }).strict()), async (c) => {
    const e = await load(c);
    const { eventId } = c.req.valid('json');
    const job = await findJobByEvent(c.var.deps.db, c.var.userId, eventId);
    if (!job || job.experimentId !== e.id || !job.variantId) {
      throw new ApiError(404, 'not_found', 'no reply of this experiment answered that event', 'eventId');
    }
    if (job.status !== 'sent') throw new ApiError(409, 'not_sent', 'the reply to that event has not been sent', 'eventId');
    const counted = await trackResult(c.var.deps.db, { userId: c.var.userId, experimentId: e.id, variantId: job.variantId, eventId, metric: 'converted' });
    return c.json({ experimentId: e.id, variantId: job.variantId, eventId, duplicate: !counted }, counted ? 201 : 200);
  });
