import { createRoute, z } from '@hono/zod-openapi';
import { reviewerDecisions } from '../db/calibration';
import { AUTONOMY_MIN_DECISIONS, AUTONOMY_MIN_LOWER_BOUND, CALIBRATION_WINDOW, calibrationFor } from '../domain/calibration';
import { apiKeyAuth, createRouter, errors, json } from './openapi';


const Calibration = z
  .object({
    window: z.number().int().openapi({ description: 'the newest reviewer decisions counted per intent and channel' }),
    minLowerBound: z.number(),
    minDecisions: z.number().int(),
    pairs: z.array(
      z.object({
        intent: z.string(),
        channel: z.string(),
        approvedUnedited: z.number().int(),
        edited: z.number().int(),
        skipped: z.number().int(),
        decisions: z.number().int(),
        rate: z.number().openapi({ description: 'the share approved unedited' }),
        lowerBound: z.number().openapi({ description: 'the Wilson score lower bound (95 %) of that share' }),
        autonomous: z.boolean().openapi({ description: 'with confidenceThreshold "learned", replies of this intent on this channel go out by themselves' }),
      }),
    ),
  })
  .openapi('Calibration');

const readCalibration = createRoute({
  method: 'get',
  path: '/',
  tags: ['Calibration'],
  summary: "How often reviewers approve each intent's drafts unedited, per channel",
  description:
    'From reviewers\' decisions (approved unedited, edited, skipped): the unedited-approval rate with its Wilson lower bound. With ' +
    `confidenceThreshold "learned", auto mode sends by itself only where the bound is at least ${AUTONOMY_MIN_LOWER_BOUND} over at ` +
    `least ${AUTONOMY_MIN_DECISIONS} decisions.`,
  security: apiKeyAuth,
  responses: { 200: json(Calibration, 'Per intent and channel.'), ...errors(401) },
});

export const calibration = createRouter().openapi(readCalibration, async (c) => {
  const pairs = await reviewerDecisions(c.var.deps.db, c.var.userId, CALIBRATION_WINDOW);
  return c.json(
    {
      window: CALIBRATION_WINDOW,
      minLowerBound: AUTONOMY_MIN_LOWER_BOUND,
      minDecisions: AUTONOMY_MIN_DECISIONS,
      pairs: pairs.map((p) => {
        const calibrated = calibrationFor(p);
        return { ...p, decisions: calibrated.n, rate: calibrated.rate, lowerBound: calibrated.lowerBound, autonomous: calibrated.autonomous };
      }),
    },
    200,
  );
});
