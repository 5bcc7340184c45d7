import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requireApiKey } from './auth';
import { provideDeps, type ApiDeps, type ApiEnv } from './deps';
import { ApiError, errorBody, handleError } from './errors';
import { events } from './events';
import { channels } from './channels';
import { experiments } from './experiments';
import { health } from './health';
import { outbox } from './outbox';
import { reviewPage } from './review-page';
import { reviews } from './reviews';
import { createSettingsRoutes } from './settings';
import { unsubscribe } from './unsubscribe';
import { webhooks } from './webhooks';

const MAX_BODY_BYTES = 1024 * 1024;

/** The HTTP API. Built from its dependencies so tests call `app.request(...)` against real ones. */
export function createApp(deps: ApiDeps) {
  const settingsRoutes = createSettingsRoutes(deps.confidenceThreshold);
  const v1 = new Hono<ApiEnv>()
    .use(requireApiKey)
    .use(
      bodyLimit({
        maxSize: MAX_BODY_BYTES,
        onError: () => {
          throw new ApiError(413, 'payload_too_large', `the request body is larger than ${MAX_BODY_BYTES / 1024} KiB`);
        },
      }),
    )
    .route('/events', events)
    .route('/reviews', reviews)
    .route('/settings', settingsRoutes.settings)
    .route('/contacts', settingsRoutes.contacts)
    .route('/experiments', experiments)
    .route('/outbox', outbox)
    .route('/channels', channels);

  return new Hono<ApiEnv>()
    .use(provideDeps(deps))
    .route('/', health)
    .use('/webhooks/*', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: () => { throw new ApiError(413, 'payload_too_large', 'the webhook body is too large'); } }))
    .route('/webhooks', webhooks)
    .route('/unsubscribe', unsubscribe)
    .route('/review', reviewPage)
    .route('/v1', v1)
    .notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404))
    .onError(handleError(deps.logger));
}

export type App = ReturnType<typeof createApp>;
