import { z } from 'zod';
import type { Channel } from '../domain/channels';
import type { Intent, Language } from '../domain/intent';
import type { TemplateSet } from '../domain/templates';

export const DETECTED_ACTIONS = ['pricing', 'meeting_request', 'information_request', 'objection', 'thanks', 'unclear'] as const;

/** What every model must answer, validated before it is believed. */
export const ReplySchema = z.object({
  reply: z.string().min(1).max(8000),
  confidence: z.number().min(0).max(1),
  detectedAction: z.enum(DETECTED_ACTIONS),
  reasoning: z.string().max(2000),
});
/**
 * What a model found wrong with its own answer when the reply text was usable but a label was not (an unknown
 * detectedAction, a confidence that is missing, not a number or outside 0..1, no reasoning, an over-long reply).
 * The text is kept, the confidence is 0, and a person reviews it: a blank draft helps nobody.
 */
export const REPLY_ISSUES = [
  'confidence_missing',
  'confidence_not_a_number',
  'confidence_out_of_range',
  'detected_action_missing',
  'detected_action_unknown',
  'reasoning_missing',
  'reply_too_long',
] as const;
export type ReplyIssue = (typeof REPLY_ISSUES)[number];

export type ModelReply = z.infer<typeof ReplySchema> & {
  /** Present (non-empty) only when the answer was repaired; the confidence is then 0. */
  issues?: ReplyIssue[];
};

export interface ReplyRequest {
  /** The lead's message: user content only, never part of the instructions. */
  inboundText: string;
  channel: Channel;
  contactFirstName?: string;
  language: Language;
  intentHint: Intent;
  templates: TemplateSet;
}

/** Why a model produced nothing usable; the reply then goes to review with this reason. */
export class ModelError extends Error {
  override name = 'ModelError';
  constructor(
    readonly reason: 'refusal' | 'invalid_output' | 'timeout' | 'server_error' | 'connection_error' | 'request_failed',
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface ReplyModel {
  readonly name: string;
  generate(request: ReplyRequest): Promise<ModelReply>;
}
