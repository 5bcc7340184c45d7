import type { Hook } from '@hono/zod-openapi';
import type { ApiEnv } from './deps';
import { ApiError } from './errors';

/**
 * Validation failures, one way for every route (the routers' defaultHook): a path parameter that names nothing
 * answers 404 `not_found` with the parameter's own message; anything else 400 `invalid_request`, the field
 * being the dotted path of the first problem ("contact.handle").
 */
export const rejectInvalidRequest: Hook<unknown, ApiEnv, string, void> = (result) => {
  if (result.success) return;
  const issue = result.error.issues[0];
  if (result.target === 'param') throw new ApiError(404, 'not_found', issue?.message ?? 'not found');
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : undefined;
  const said = issue?.message ?? 'invalid request';
  // zod's own messages ("Invalid input") do not say where; ours already name the field.
  const message = field && !said.includes(field) ? `${field}: ${said}` : said;
  throw new ApiError(400, 'invalid_request', message, field);
};
