import type { Client } from '@temporalio/client';
import { createMiddleware } from 'hono/factory';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { SecretBox } from '../domain/secrets';
import type { Metrics } from '../metrics';
import type { WorkflowStarter } from '../temporal/starter';

export interface ApiDeps {
  db: Pool;
  temporal: Client;
  taskQueue: string;
  /** Starts the workflows of accepted events off the request path. */
  starter: WorkflowStarter;
  /** The process's logger; handlers get a child bound to the request id (`c.var.logger`, and `c.var.deps.logger`). */
  logger: Logger;
  /** The process's Prometheus registry, served on GET /metrics. */
  metrics: Metrics;
  /** GET /metrics asks for `Authorization: Bearer <token>` when set (AUTOPILOT_METRICS_TOKEN). */
  metricsToken?: string;
  /** The installation's AUTOPILOT_CONFIDENCE_THRESHOLD, shown beside a user's own. */
  confidenceThreshold: number;
  /** Seals channel credentials; absent without AUTOPILOT_SECRET_KEY (connections cannot be stored then). */
  secrets?: SecretBox;
  /** Webhook secrets: the app secret that signs deliveries, the token the platform echoes on verification. */
  webhooks?: {
    whatsapp?: { appSecret?: string; verifyToken?: string };
    instagram?: { appSecret?: string; verifyToken?: string };
    /** authservId: the inbound provider's Authentication-Results authserv-id, the one header trusted (EMAIL_AUTHSERV_ID). */
    email?: { inboundToken?: string; authservId?: string };
  };
  /** The keys one-click unsubscribe links are verified against: every key a link may have been signed with. */
  unsubscribeKeys?: readonly string[];
}

export interface ApiEnv {
  Variables: {
    deps: ApiDeps;
    userId: string;
    apiKeyId: string;
    /** The request's id: the caller's X-Request-Id when it is a usable one, else a new UUID (src/api/observe.ts). */
    requestId: string;
    /** The process's logger bound to the request id. */
    logger: Logger;
  };
}

export const provideDeps = (deps: ApiDeps) =>
  createMiddleware<ApiEnv>(async (c, next) => {
    c.set('deps', deps);
    await next();
  });
