/*
 * How a route is written: the description is the validation. One file per resource (events.ts is the model):
 *  1. Request and response shapes are zod schemas (`.openapi('Name')` makes a shared component); `.strict()` where
 *     unknown fields are refused, `max` before `trim` so a documented maxLength holds for what is sent.
 *  2. `createRoute({ method, path: '/{id}', tags, summary, security: apiKeyAuth, request: { params: idParam('thing'),
 *     query, body: jsonBody(Schema, { required }) }, responses: { 200: json(View, '…'), ...errors(401, 404) } })`
 *     lists every status the route really answers: `errors(...BODY_ERRORS)` for a JSON body (400, 413, 415),
 *     `errors({ 409: 'what it means here' })` for a route's own case. Public routes say `security: []`.
 *  3. `createRouter().openapi(route, async (c) => { … c.req.valid('json') …; return c.json(view, 200) })`: the
 *     handler gets validated input and its return is type-checked against the response schemas. Failures
 *     throw `ApiError`; the routers' one validation hook (validation.ts) answers 400 invalid_request naming the
 *     field, or 404 for a path parameter that names nothing.
 *  4. Mount the router below; /openapi.json then lists it, /docs shows it, and `npm run test:fuzz` checks the
 *     running API against it (test/integration/openapi.test.ts fails for a route served but not described).
 */
import fs from 'node:fs';
import path from 'node:path';
import { bodyLimit } from 'hono/body-limit';
import { apiKeys } from './api-keys';
import { describeRouteRoles, requireApiKey } from './auth';
import type { ApiDeps } from './deps';
import { createReferenceRoutes } from './docs';
import { ApiError, errorBody, handleError } from './errors';
import { events } from './events';
import { channels } from './channels';
import { experiments } from './experiments';
import { health } from './health';
import { metricsRoutes } from './metrics';
import { observeRequests } from './observe';
import { createRouter, SECURITY_SCHEMES } from './openapi';
import { outbox } from './outbox';
import { reviewPage } from './review-page';
import { reviews } from './reviews';
import { calibration } from './calibration';
import { createContactRoutes } from './contacts';
import { facts } from './facts';
import { createSettingsRoutes } from './settings';
import { unsubscribe } from './unsubscribe';
import { webhooks } from './webhooks';

const MAX_BODY_BYTES = 1024 * 1024;

// src/api or dist/api: the package root is two folders up in both.
const PACKAGE_VERSION = (JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;

const tooLarge = (what: string) => () => {
  throw new ApiError(413, 'payload_too_large', `${what} is larger than ${MAX_BODY_BYTES / 1024} KiB`);
};

/** The HTTP API. Built from its dependencies so tests call `app.request(...)` against real ones. */
export function createApp(deps: ApiDeps) {
  const v1 = createRouter();
  v1.use(requireApiKey);
  v1.use(bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge('the request body') }));
  v1.route('/events', events)
    .route('/reviews', reviews)
    .route('/settings', createSettingsRoutes(deps.confidenceThreshold))
    .route('/contacts', createContactRoutes(deps.confidenceThreshold))
    .route('/facts', facts)
    .route('/calibration', calibration)
    .route('/experiments', experiments)
    .route('/outbox', outbox)
    .route('/channels', channels)
    .route('/api-keys', apiKeys);

  const app = createRouter();
  let document: object | undefined;
  app.use(observeRequests(deps));
  app.use('/webhooks/*', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge('the webhook body') }));
  app
    .route('/', health)
    .route('/', metricsRoutes)
    .route('/', createReferenceRoutes(() => (document ??= describeApp(app))))
    .route('/webhooks', webhooks)
    .route('/unsubscribe', unsubscribe)
    .route('/review', reviewPage)
    .route('/v1', v1)
    .notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404))
    .onError(handleError(deps.logger));
  return app;
}

/** The OpenAPI 3.1 document of every route mounted on `app`. */
function describeApp(app: ReturnType<typeof createRouter>) {
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) app.openAPIRegistry.registerComponent('securitySchemes', name, scheme);
  const document = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'Autopilot API',
      version: PACKAGE_VERSION,
      description:
        'Sales-reply autopilot: inbound messages in, replies drafted, reviewed and sent on Temporal. Every `/v1` route needs ' +
        '`Authorization: Bearer <api key>` and sees only that key\'s user\'s data; a key\'s role (`admin` or `reviewer`) decides ' +
        'which routes it reaches (403 `forbidden` names the role needed). Errors are `{ "error": { "code", "message", "field"? } }`.',
    },
  });
  describeRouteRoles(document);
  return document;
}

export type App = ReturnType<typeof createApp>;
