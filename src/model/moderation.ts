import OpenAI from 'openai';
import { checkModerationLocally, type GateResult } from '../domain/quality-gates';

export interface Moderator {
  check(text: string): Promise<GateResult>;
}

/** Without a key: the local word list, labelled as such in the gate result. */
export const localModerator: Moderator = { check: async (text) => checkModerationLocally(text) };

/** The OpenAI moderation endpoint. A failure to answer throws, so the activity retries (bounded). */
export function createOpenAiModerator(options: { apiKey: string; baseURL?: string; timeoutMs: number }): Moderator {
  const client = new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL, maxRetries: 0, timeout: options.timeoutMs });
  return {
    async check(text) {
      const response = await client.moderations.create({ model: 'omni-moderation-latest', input: text });
      const result = response.results[0];
      if (!result?.flagged) return { gate: 'moderation', passed: true, detail: 'openai moderation' };
      const categories = Object.entries(result.categories).filter(([, v]) => v).map(([k]) => k);
      return { gate: 'moderation', passed: false, reason: 'moderation_flagged', detail: `openai moderation: ${categories.join(', ')}` };
    },
  };
}
