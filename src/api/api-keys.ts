import { createRoute, z } from '@hono/zod-openapi';
import { apiKeyJson, createApiKey, listApiKeys, revokeApiKey } from '../db/users';
import { API_KEY_ROLES } from '../domain/roles';
import { ApiError, notFound } from './errors';
import { apiKeyAuth, BODY_ERRORS, createRouter, errors, idParam, json, jsonBody, Timestamp, Uuid } from './openapi';

const CreateApiKeySchema = z
  .object({
    name: z.string({ message: 'name is required' }).max(100).trim().min(1, 'name must not be empty').openapi({ example: 'Anna (reviews)' }),
    role: z.enum(API_KEY_ROLES, { message: `role must be one of ${API_KEY_ROLES.join(', ')}` }).openapi({
      description: '`admin`: every route. `reviewer`: review tasks (list, read, approve, skip, sent), reading events and contacts, stopping a reply.',
    }),
  })
  .strict();

const ApiKey = z
  .object({
    id: Uuid,
    name: z.string(),
    role: z.enum(API_KEY_ROLES),
    prefix: z.string().openapi({ description: "the key's first characters, to tell keys apart", example: 'ap_x7Kq2m' }),
    createdAt: Timestamp,
    lastUsedAt: Timestamp.nullable().openapi({ description: 'refreshed at most once a minute' }),
    revokedAt: Timestamp.nullable(),
  })
  .openapi('ApiKey');

const CreatedApiKey = ApiKey.extend({
  key: z.string().openapi({ description: 'the key itself: shown here once, stored only as its hash', example: 'ap_x7Kq2m…' }),
}).openapi('CreatedApiKey');

const createKey = createRoute({
  method: 'post',
  path: '/',
  tags: ['API keys'],
  summary: 'Make an API key for this user, with a role',
  description: 'The answer is the only place the key appears: only its hash is stored.',
  security: apiKeyAuth,
  request: { body: jsonBody(CreateApiKeySchema, { required: true }) },
  responses: { 201: json(CreatedApiKey, 'Made; keep `key`, it is not shown again.'), ...errors(...BODY_ERRORS, 401) },
});

const listKeys = createRoute({
  method: 'get',
  path: '/',
  tags: ['API keys'],
  summary: "This user's API keys, revoked ones included (never a key or its hash)",
  security: apiKeyAuth,
  responses: { 200: json(z.object({ apiKeys: z.array(ApiKey) }), 'The keys, oldest first.'), ...errors(401) },
});

const revokeKey = createRoute({
  method: 'delete',
  path: '/{id}',
  tags: ['API keys'],
  summary: 'Revoke an API key: refused from the next request on, by every API process',
  description: 'Revoking a revoked key changes nothing (204 again).',
  security: apiKeyAuth,
  request: { params: idParam('API key') },
  responses: {
    204: { description: 'Revoked.' },
    ...errors(401, 404, {
      409:
        "It is the user's last admin key (`last_admin_key`): without it nobody could change settings or keys. Make another " +
        'admin key first; an operator can still revoke it with `npm run keys -- revoke`.',
    }),
  },
});

export const apiKeys = createRouter()
  .openapi(createKey, async (c) => {
    const created = await createApiKey(c.var.deps.db, c.var.userId, c.req.valid('json'));
    c.var.deps.logger.info({ event: 'api.api_key_created', keyId: created.id, role: created.role, by: `apikey:${c.var.apiKeyId}` });
    return c.json({ ...apiKeyJson(created), key: created.key }, 201);
  })
  .openapi(listKeys, async (c) => c.json({ apiKeys: (await listApiKeys(c.var.deps.db, c.var.userId)).map(apiKeyJson) }, 200))
  .openapi(revokeKey, async (c) => {
    const { id } = c.req.valid('param');
    const revocation = await revokeApiKey(c.var.deps.db, c.var.userId, id, { keepAnAdmin: true });
    if (revocation.outcome === 'not_found') throw notFound('API key');
    if (revocation.outcome === 'last_admin_key') {
      throw new ApiError(409, 'last_admin_key', "this is the user's last admin key: make another admin key before revoking it");
    }
    c.var.deps.logger.info({ event: 'api.api_key_revoked', keyId: id, by: `apikey:${c.var.apiKeyId}` });
    return c.body(null, 204);
  });
