import { detectIntent } from '../domain/intent';
import { renderTemplate, templateFor } from '../domain/templates';
import type { ModelReply, ReplyModel, ReplyRequest } from './types';

/** The offline model: the detected intent picks the user's template; the confidence is how clear the intent was. */
export function createTemplateEngine(): ReplyModel {
  return {
    name: 'template-engine',
    async generate(request: ReplyRequest): Promise<ModelReply> {
      const intent = detectIntent(request.inboundText);
      const template = templateFor(intent.intent, intent.language, request.templates);
      return {
        reply: renderTemplate(template, { firstName: request.contactFirstName }, intent.language),
        confidence: intent.confidence,
        detectedAction: intent.intent,
        reasoning: intent.cues.length
          ? `template for ${intent.intent} (${intent.language}); cues: ${intent.cues.join(', ')}`
          : `no clear request recognised (${intent.language})`,
      };
    },
  };
}
