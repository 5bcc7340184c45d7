import { createMiddleware } from 'hono/factory';
import { findApiKeyOwner } from '../db/users';
import type { ApiEnv } from './deps';
import { ApiError } from './errors';

/** `Authorization: Bearer <key>` → the key's user; every handler after this scopes its queries to that user. */
export const requireApiKey = createMiddleware<ApiEnv>(async (c, next) => {
  const header = c.req.header('authorization') ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) {
    c.header('WWW-Authenticate', 'Bearer');
    throw new ApiError(401, 'unauthorized', 'an Authorization: Bearer <api key> header is required');
  }
  const owner = await findApiKeyOwner(c.var.deps.db, match[1]!);
  if (!owner) {
    c.header('WWW-Authenticate', 'Bearer error="invalid_token"');
    throw new ApiError(401, 'unauthorized', 'the API key is not valid');
  }
  c.set('userId', owner.userId);
  c.set('apiKeyId', owner.keyId);
  await next();
});
