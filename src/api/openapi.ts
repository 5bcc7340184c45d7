import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { ApiEnv } from './deps';
import { rejectInvalidRequest } from './validation';

/**
 * The pieces every route description shares: the router (with the one validation hook), the error body, the
 * error responses by status, the security schemes, and id path parameters. See the comment at the top of
 * app.ts for how a route is written with them.
 */

/** The one error body: `{ error: { code, message, field? } }`. */
export const ErrorBody = z
  .object({
    error: z
      .object({
        code: z.string().openapi({ example: 'invalid_request' }),
        message: z.string().openapi({ example: 'contact.handle: contact.handle is required' }),
        field: z.string().optional().openapi({ description: 'the dotted path of the request field at fault', example: 'contact.handle' }),
      })
      .strict(),
  })
  .strict()
  .openapi('Error');

/** The security schemes, by the names routes list in `security`. */
export const SECURITY_SCHEMES = {
  apiKey: {
    type: 'http',
    scheme: 'bearer',
    description:
      'An API key (`npm run user:create`, the dev key `npm start` prints, or `POST /v1/api-keys` / `npm run keys`). Its role, ' +
      '`admin` or `reviewer`, decides which routes it reaches: each route\'s 403 names the role it needs.',
  },
  metaSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Hub-Signature-256',
    description:
      '`sha256=` and the hex HMAC-SHA256 of the raw request body, keyed with the app secret (WHATSAPP_APP_SECRET or ' +
      'INSTAGRAM_APP_SECRET), as Meta signs webhook deliveries.',
  },
  metricsToken: {
    type: 'http',
    scheme: 'bearer',
    description: 'AUTOPILOT_METRICS_TOKEN, asked for by GET /metrics when it is set.',
  },
  inboundMailBasic: {
    type: 'http',
    scheme: 'basic',
    description: 'HTTP Basic auth whose password is EMAIL_INBOUND_TOKEN (Postmark puts the credentials in the webhook URL).',
  },
} as const;

export const apiKeyAuth = [{ apiKey: [] }];

/** What each error status means across the API; a route may say more for its own case. */
const ERROR_MEANINGS = {
  400:
    'The request is invalid: `invalid_request` names the field at fault (text must not contain U+0000 or unpaired ' +
    'surrogates, which PostgreSQL cannot store), `malformed_json` a body that is not JSON.',
  401: 'No API key, or one that is not valid (`unauthorized`).',
  403: 'Refused.',
  404: 'Nothing here by that id for this API key (`not_found`).',
  409: 'The request conflicts with the current state.',
  413: 'The body is larger than the API takes (`payload_too_large`).',
  415: 'The body is not `application/json` (`unsupported_media_type`).',
  503: 'A service the request needs is not available.',
} as const;
type ErrorStatus = keyof typeof ERROR_MEANINGS;

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ErrorBody } } });
type ErrorResponse = ReturnType<typeof errorResponse>;
type ErrorSpec = ErrorStatus | Partial<Record<ErrorStatus, string>>;
type StatusesOf<T> = T extends ErrorStatus ? T : keyof T & ErrorStatus;

/**
 * Error responses by status: `errors(401, 404)` takes the shared meanings, `errors({ 409: 'why here' })` says
 * what the status means for this route. Routes throw `ApiError`; `handleError` writes these bodies.
 */
export function errors<const T extends readonly ErrorSpec[]>(...specs: T): Record<StatusesOf<T[number]>, ErrorResponse> {
  const responses: Partial<Record<ErrorStatus, ErrorResponse>> = {};
  for (const spec of specs) {
    if (typeof spec === 'object') {
      for (const [status, description] of Object.entries(spec)) responses[Number(status) as ErrorStatus] = errorResponse(description);
    } else {
      responses[spec] = errorResponse(ERROR_MEANINGS[spec]);
    }
  }
  return responses as Record<StatusesOf<T[number]>, ErrorResponse>;
}

/** The statuses every route with a JSON body can answer besides its own: bad JSON, too large, not JSON. */
export const BODY_ERRORS = [400, 413, 415] as const;

/** A JSON response (or request body) description. */
export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

/** A JSON request body; `required: false` where an absent body means `{}` (every field optional). */
export function jsonBody<T extends z.ZodType>(schema: T, options: { required: boolean; description?: string }) {
  return { required: options.required, description: options.description, content: { 'application/json': { schema } } };
}

/**
 * `{ id }` path parameters: an id that is no UUID cannot name a row, so it answers 404 (not 400), the same as an
 * id that names nothing; the validation hook (validation.ts) answers a failed path parameter with that 404 and this
 * message.
 */
export function idParam(what: string) {
  return z.object({
    id: z.guid({ message: `${what} not found` }).openapi({ param: { description: `the ${what} id` }, example: '6f1c1b1e-0000-4000-8000-000000000000' }),
  });
}

/** Timestamps in responses: ISO 8601 in UTC, as `Date#toISOString` writes them. */
export const Timestamp = z.string().openapi({ format: 'date-time', example: '2025-11-03T09:30:00.000Z' });
export const Uuid = z.string().openapi({ format: 'uuid' });
/**
 * A reply template (settings, experiment variants). max before trim: the documented maxLength holds for the bytes
 * sent, not only for what is left after trimming.
 */
export const TemplateText = z.string().max(4000).trim().min(1);

/** A router for one resource: its routes are described with `createRoute` and validated by their schemas. */
export function createRouter() {
  return new OpenAPIHono<ApiEnv>({ defaultHook: rejectInvalidRequest });
}
