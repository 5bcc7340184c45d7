import type { Hook } from '@hono/zod-openapi';
import type { ApiEnv } from './deps';
import { ApiError } from './errors';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The dotted path of the first string (value or key) PostgreSQL cannot store: text and jsonb refuse U+0000, and
 * jsonb refuses an unpaired UTF-16 surrogate ("\ud800"), which JSON.parse lets through. Undefined when none.
 */
export function findUnstorableText(value: unknown, path: (string | number)[] = []): string | undefined {
  const bad = (text: string) => text.includes('\u0000') || LONE_SURROGATE.test(text);
  if (typeof value === 'string') return bad(value) ? path.join('.') : undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUnstorableText(item, [...path, index]);
      if (found !== undefined) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (bad(key)) return [...path, key].join('.');
      const found = findUnstorableText(item, [...path, key]);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

export const UNSTORABLE_TEXT = 'must not contain U+0000 or unpaired surrogates';

/**
 * Validation, one way for every route (the routers' defaultHook): a path parameter that names nothing answers
 * 404 `not_found` with the parameter's own message; anything else 400 `invalid_request`, the field being the
 * dotted path of the first problem ("contact.handle"). Valid input still has to be storable text.
 */
export const rejectInvalidRequest: Hook<unknown, ApiEnv, string, void> = (result) => {
  if (result.success) {
    const field = findUnstorableText(result.data);
    if (field === undefined) return;
    if (result.target === 'param') throw new ApiError(404, 'not_found', 'not found');
    throw new ApiError(400, 'invalid_request', `${field || 'the request'} ${UNSTORABLE_TEXT}`, field || undefined);
  }
  const issue = result.error.issues[0];
  if (result.target === 'param') throw new ApiError(404, 'not_found', issue?.message ?? 'not found');
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : undefined;
  const said = issue?.message ?? 'invalid request';
  // zod's own messages ("Invalid input") do not say where; ours already name the field.
  const message = field && !said.includes(field) ? `${field}: ${said}` : said;
  throw new ApiError(400, 'invalid_request', message, field);
};
