import { ApplicationFailure } from '@temporalio/activity';
import { findEvent } from '../db/events';
import { findActiveExperiment } from '../db/experiments';
import { pickByWeights } from '../domain/experiment-stats';
import { refreshExperiment } from '../experiments/evaluate';
import { detectIntent } from '../domain/intent';
import { firstNameOf, renderTemplate, type TemplateSet } from '../domain/templates';
import { ModelError } from '../model/types';
import type { ActivityDeps } from './deps';
import { withHeartbeat } from './heartbeat';
import { activityLogger } from './logger';

export interface GeneratedReply {
  text: string;
  confidence: number;
  intent: string;
  language: 'en' | 'de';
  detectedAction: string;
  reasoning: string;
  model: string;
  /** Set when the model produced nothing usable: the reply goes to review with this reason. */
  modelError?: string;
  /** The model's text is usable but its label or confidence was broken (named here): a person decides. */
  issues?: string[];
  /** The variant drawn, and the split it was drawn from (variant id → share). */
  experiment?: { experimentId: string; variantId: string; method: string; shares?: Record<string, number> };
}

/**
 * Step 3: the reply and its confidence. A retryable model failure (timeout, 5xx) throws, so Temporal retries
 * the activity with its bounded policy; a refusal or invalid output is returned as `modelError`. An active
 * experiment for the detected intent picks the variant here, once: the choice is in this activity's recorded
 * result, so a replay never draws again.
 */
export function createGenerateReply({ db, model, random, logger: processLogger, clock, metrics }: ActivityDeps) {
  return async function generateReply(input: { userId: string; eventId: string; templates: TemplateSet }): Promise<GeneratedReply> {
    const logger = activityLogger(processLogger, input);
    const event = await findEvent(db, input.userId, input.eventId);
    if (!event) throw ApplicationFailure.nonRetryable(`message event ${input.eventId} does not exist`, 'EventNotFound');
    const intent = detectIntent(event.text);
    const firstName = firstNameOf(event.contact.name);

    let generated: GeneratedReply;
    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    try {
      const reply = await withHeartbeat(() => model.generate({
        inboundText: event.text,
        channel: event.channel,
        contactFirstName: firstName,
        language: intent.language,
        intentHint: intent.intent,
        templates: input.templates,
      }));
      metrics.modelCalled(model.name, elapsed());
      generated = {
        text: reply.reply,
        confidence: reply.confidence,
        intent: reply.detectedAction,
        language: intent.language,
        detectedAction: reply.detectedAction,
        reasoning: reply.reasoning,
        model: model.name,
        ...(reply.issues?.length ? { issues: [...reply.issues] } : {}),
      };
      if (generated.issues) logger.warn({ event: 'reply.model_output_repaired', issues: generated.issues, model: model.name });
    } catch (err) {
      metrics.modelCalled(model.name, elapsed(), err instanceof ModelError ? err.reason : 'unexpected');
      if (err instanceof ModelError && !err.retryable) {
        logger.warn({ event: 'reply.model_error', reason: err.reason, model: model.name });
        return {
          text: '',
          confidence: 0,
          intent: intent.intent,
          language: intent.language,
          detectedAction: 'unclear',
          reasoning: err.message,
          model: model.name,
          modelError: err.reason,
        };
      }
      if (err instanceof ModelError) throw ApplicationFailure.retryable(err.message, `ModelError.${err.reason}`);
      throw err;
    }

    const found = await findActiveExperiment(db, input.userId, generated.intent);
    if (found && found.variants.length > 0) {
      // The split is computed in batches (at most every 15 minutes); each reply only draws from the stored one.
      const experiment = await refreshExperiment(db, input.userId, found, clock.now());
      const weights = experiment.allocation?.weights ?? [];
      if (weights.some((w) => w.weight > 0)) {
        const picked = pickByWeights(weights, random);
        const variant = experiment.variants.find((v) => v.id === picked)!;
        const template = variant.templates[generated.language] ?? variant.templates.en ?? variant.templates.de;
        if (template) generated.text = renderTemplate(template, { firstName }, generated.language);
        const total = weights.reduce((sum, w) => sum + Math.max(0, w.weight), 0);
        const shares = Object.fromEntries(weights.map((w) => [w.variantId, Math.max(0, w.weight) / total]));
        generated.experiment = { experimentId: experiment.id, variantId: variant.id, method: experiment.allocation!.method, shares };
      }
    }
    logger.info({
      event: 'reply.generated',
      model: model.name,
      intent: generated.intent,
      confidence: generated.confidence,
      variantId: generated.experiment?.variantId,
    });
    return generated;
  };
}
