import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { findApiKeyOwner, type ApiKeyOwner } from '../db/users';
import { roleAllows, type ApiKeyRole } from '../domain/roles';
import type { ApiEnv } from './deps';
import { ApiError } from './errors';
import { answeringRoute } from './observe';
import type { createRouter } from './openapi';

/**
 * The role each /v1 route needs, by method and path as Hono mounts them (`:id`, not `{id}`). This table is the one
 * place a key's reach is decided: an admin key reaches every route, a reviewer key the routes marked `reviewer`.
 * A route missing here needs admin, and test/integration/api-keys.test.ts fails for a /v1 route missing here, so
 * every new route gets a role someone chose.
 */
export const ROUTE_ROLES = {
  // A reviewer's work: the tasks and their decisions.
  'GET /v1/reviews': 'reviewer',
  'GET /v1/reviews/:id': 'reviewer',
  'GET /v1/reviews/:id/thread': 'reviewer',
  'POST /v1/reviews/approve': 'reviewer',
  'POST /v1/reviews/:id/approve': 'reviewer',
  'POST /v1/reviews/:id/skip': 'reviewer',
  'POST /v1/reviews/:id/sent': 'reviewer',
  // The message and the lead a task is about, read for context; the contact is not theirs to change.
  'GET /v1/events/:id': 'reviewer',
  'GET /v1/contacts/:id': 'reviewer',
  // Stopping a reply at any stage: a reviewer is there to keep bad replies from going out.
  'POST /v1/events/:id/cancel': 'reviewer',

  // What the autopilot does and for whom, its channels' credentials, and who may use the API: the owner's.
  'POST /v1/events': 'admin',
  'PUT /v1/contacts/:id/links': 'admin',
  'PUT /v1/contacts/:id/settings': 'admin',
  'DELETE /v1/contacts/:id/settings': 'admin',
  'GET /v1/settings': 'admin',
  'PUT /v1/settings': 'admin',
  'GET /v1/facts': 'admin',
  'PUT /v1/facts': 'admin',
  'GET /v1/calibration': 'admin',
  'GET /v1/experiments': 'admin',
  'POST /v1/experiments': 'admin',
  'GET /v1/experiments/:id': 'admin',
  'POST /v1/experiments/:id/pause': 'admin',
  'POST /v1/experiments/:id/resume': 'admin',
  'POST /v1/experiments/:id/conversions': 'admin',
  'GET /v1/outbox': 'admin',
  'GET /v1/channels/:channel': 'admin',
  'DELETE /v1/channels/:channel': 'admin',
  'PUT /v1/channels/whatsapp': 'admin',
  'PUT /v1/channels/email': 'admin',
  'PUT /v1/channels/linkedin': 'admin',
  'PUT /v1/channels/instagram': 'admin',
  'GET /v1/api-keys': 'admin',
  'POST /v1/api-keys': 'admin',
  'DELETE /v1/api-keys/:id': 'admin',
} as const satisfies Record<string, ApiKeyRole>;

/** The role a route needs: its entry in ROUTE_ROLES, else admin. `path` as Hono mounts it (`/v1/events/:id`). */
export function roleNeededFor(method: string, path: string): ApiKeyRole {
  return (ROUTE_ROLES as Record<string, ApiKeyRole>)[`${method.toUpperCase()} ${path}`] ?? 'admin';
}

/**
 * The role the request's route needs (HEAD is answered by the GET route, and listed as GET). A request that reaches
 * no route (or only an `all()` handler) needs admin as well.
 */
function roleNeeded(c: Context<ApiEnv>): ApiKeyRole {
  const route = answeringRoute(c);
  return route ? roleNeededFor(route.method, route.path) : 'admin';
}

/** 403 `forbidden` naming the role needed, unless the key's role allows it. */
export function requireRole(owner: ApiKeyOwner, needed: ApiKeyRole): void {
  if (!roleAllows(owner.role, needed)) {
    throw new ApiError(403, 'forbidden', `this needs an API key with role ${needed}; this key has role ${owner.role}`);
  }
}

/** The token of an `Authorization: Bearer <token>` header, or undefined when the header is not one. */
export function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
}

/**
 * The owner of the request's `Authorization: Bearer <key>`: undefined without the header, 401 for a malformed
 * header or a key that is unknown or revoked. The key row is read on every request (one indexed SELECT, no write:
 * see findApiKeyOwner), with no cache, so a revocation holds at once in every API process.
 */
export async function readApiKey(c: Context<ApiEnv>): Promise<ApiKeyOwner | undefined> {
  const header = c.req.header('authorization');
  if (header === undefined) return undefined;
  const key = bearerToken(header);
  if (key === undefined) {
    c.header('WWW-Authenticate', 'Bearer');
    throw new ApiError(401, 'unauthorized', 'an Authorization: Bearer <api key> header is required');
  }
  const owner = await findApiKeyOwner(c.var.deps.db, key);
  if (!owner) {
    c.header('WWW-Authenticate', 'Bearer error="invalid_token"');
    throw new ApiError(401, 'unauthorized', 'the API key is not valid');
  }
  return owner;
}

/**
 * `Authorization: Bearer <key>` → the key's user, if the key's role reaches the route (ROUTE_ROLES); every handler
 * after this scopes its queries to that user.
 */
export const requireApiKey = createMiddleware<ApiEnv>(async (c, next) => {
  const owner = await readApiKey(c);
  if (!owner) {
    c.header('WWW-Authenticate', 'Bearer');
    throw new ApiError(401, 'unauthorized', 'an Authorization: Bearer <api key> header is required');
  }
  requireRole(owner, roleNeeded(c));
  c.set('userId', owner.userId);
  c.set('apiKeyId', owner.keyId);
  await next();
});

const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;

type OpenApiDocument = ReturnType<ReturnType<typeof createRouter>['getOpenAPI31Document']>;

/**
 * Writes each /v1 operation's 403 into the OpenAPI document from ROUTE_ROLES, so the document names the role each
 * route needs from the same table that enforces it.
 */
export function describeRouteRoles(document: OpenApiDocument): void {
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    if (!path.startsWith('/v1/')) continue;
    for (const method of OPERATION_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const role = roleNeededFor(method, path.replace(/\{(\w+)\}/g, ':$1'));
      const who = role === 'admin' ? 'an API key with role `admin`' : `an API key with role \`${role}\` or \`admin\``;
      operation.responses = {
        ...operation.responses,
        403: {
          description: `This route needs ${who}; another key is refused (\`forbidden\`, naming the role needed).`,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      };
    }
  }
}
