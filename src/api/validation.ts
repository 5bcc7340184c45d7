import { zValidator } from '@hono/zod-validator';
import type { ValidationTargets } from 'hono';
import type { z } from 'zod';
import { ApiError } from './errors';

/**
 * zValidator whose failures become `400 { error: { code: "invalid_request", message, field } }`, the field
 * being the dotted path of the first problem ("contact.handle").
 */
export function validate<Target extends keyof ValidationTargets, Schema extends z.ZodType>(target: Target, schema: Schema) {
  return zValidator(target, schema, (result) => {
    if (result.success) return;
    const issue = result.error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.join('.') : undefined;
    const said = issue?.message ?? 'invalid request';
    // zod's own messages ("Invalid input") do not say where; ours already name the field.
    const message = field && !said.includes(field) ? `${field}: ${said}` : said;
    throw new ApiError(400, 'invalid_request', message, field);
  });
}
