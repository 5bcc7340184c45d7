import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from 'pino';
import { TASK_KINDS } from './db/reviews';
import type { Channel } from './domain/channels';
import type { Stage } from './domain/stages';

/**
 * What the system does, counted for Prometheus: one registry per process, made once by the entry point
 * (server.ts, worker.ts, dev.ts) and handed to the API and the activities in their deps; tests make their own.
 * Every label takes a bounded set of values: channels, stages, gates, route patterns, reason codes (free text
 * becomes `other`). Nothing here names a user, a contact or a message.
 */

/** How one send attempt ended (per attempt: a rate-limited attempt that Temporal retries counts again). */
export type SendResult =
  | 'sent'
  | 'already_sent'
  | 'sent_by_hand'
  | 'confirmed_sent'
  | 'stopped'
  | 'rate_limited'
  | 'not_sent'
  | 'rejected'
  | 'uncertain'
  | 'not_sendable'
  | 'error';

/** Why a reply's send moved later than planned: the contact's or the user's daily cap, or the contact cooldown. */
export type DeferralCause = 'contact_day_full' | 'user_day_full' | 'cooldown';

/** Open review tasks of one kind: how many, and how long the oldest has waited. */
export interface ReviewQueueDepth {
  kind: string;
  open: number;
  oldestAgeSeconds: number;
}

export interface Metrics {
  readonly registry: Registry;
  /** The text exposition format, as GET /metrics answers it. */
  render(): Promise<string>;
  readonly contentType: string;
  inboundAccepted(channel: Channel, duplicate: boolean): void;
  outcomeRecorded(stage: Stage, reason: string | null | undefined): void;
  sendAttempted(channel: Channel, result: SendResult, reason?: string): void;
  /** One model call: its duration, and the error's reason when it failed. */
  modelCalled(model: string, seconds: number, errorReason?: string): void;
  gateFailed(gate: string, channel: Channel): void;
  sendDeferred(channel: Channel, cause: DeferralCause): void;
  webhookAuthFailed(channel: Channel): void;
  httpRequest(method: string, route: string, status: number, seconds: number): void;
}

export interface MetricsOptions {
  /**
   * The review queue as it stands, read at every scrape (one process per installation should have it: the API).
   * Without it the review-queue gauges are not exported.
   */
  reviewQueue?: () => Promise<ReviewQueueDepth[]>;
  /** Where a failed review-queue read is reported. */
  logger?: Logger;
  /** Node's process metrics (CPU, memory, event-loop lag, GC); on unless a test turns them off. */
  processMetrics?: boolean;
}

const CODE = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * A reason as a label value: its code, the part before the first ':' (`gate_failed:spam_pattern` → `gate_failed`,
 * `send_failed:SendUncertain` → `send_failed`). Every reason the system writes starts with a snake_case code;
 * anything else (a reviewer's own words when skipping) is `other`, so no free text becomes a time series.
 */
export function reasonCode(reason: string | null | undefined): string {
  if (!reason) return 'none';
  const code = reason.split(':', 1)[0]!.trim();
  return CODE.test(code) ? code : 'other';
}

/**
 * A reason as it may appear in a log line at info: kept whole when it is made of codes and error types
 * (`gate_failed:spam_pattern`, `send_failed:ModelError.timeout`), else only its code: a reviewer's own words when
 * skipping may name the lead.
 */
export function reasonForLog(reason: string | null | undefined): string | null {
  if (reason === null || reason === undefined) return null;
  return /^[a-z][a-z0-9_]*(:[A-Za-z][A-Za-z0-9_.]*)*$/.test(reason) && reason.length <= 160 ? reason : reasonCode(reason);
}

// Seconds. Model calls take from milliseconds (the template engine) to tens of seconds (a remote model near its timeout).
const MODEL_BUCKETS = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });

  const inbound = new Counter({
    name: 'autopilot_inbound_events_total',
    help: 'Inbound messages accepted (API and webhooks), by channel and whether it was a duplicate delivery',
    labelNames: ['channel', 'duplicate'] as const,
    registers,
  });
  const outcomes = new Counter({
    name: 'autopilot_outcomes_total',
    help: 'Replies that reached their final stage, by stage and reason code',
    labelNames: ['stage', 'reason'] as const,
    registers,
  });
  const sends = new Counter({
    name: 'autopilot_sends_total',
    help: 'Send attempts by channel and result (reason: why a platform refused for good)',
    labelNames: ['channel', 'result', 'reason'] as const,
    registers,
  });
  const modelLatency = new Histogram({
    name: 'autopilot_model_latency_seconds',
    help: 'Time a reply model took to answer, by model and outcome (ok or error)',
    labelNames: ['model', 'outcome'] as const,
    buckets: MODEL_BUCKETS,
    registers,
  });
  const modelErrors = new Counter({
    name: 'autopilot_model_errors_total',
    help: 'Model calls that failed, by model and reason (timeout, server_error, refusal, invalid_output, ...)',
    labelNames: ['model', 'reason'] as const,
    registers,
  });
  const gateFailures = new Counter({
    name: 'autopilot_gate_failures_total',
    help: 'Quality-gate checks that failed, by gate and channel',
    labelNames: ['gate', 'channel'] as const,
    registers,
  });
  const deferrals = new Counter({
    name: 'autopilot_send_deferrals_total',
    help: 'Planned sends moved by a rate limit: a daily cap full (moved a day) or the contact cooldown (moved behind the previous reply)',
    labelNames: ['channel', 'cause'] as const,
    registers,
  });
  const webhookAuth = new Counter({
    name: 'autopilot_webhook_auth_failures_total',
    help: 'Webhook deliveries refused because their signature (Meta) or credentials (inbound mail) did not match, by channel',
    labelNames: ['channel'] as const,
    registers,
  });
  const httpRequests = new Counter({
    name: 'autopilot_http_requests_total',
    help: 'HTTP requests answered by the API, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: 'autopilot_http_request_duration_seconds',
    help: 'Time the API took to answer, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: HTTP_BUCKETS,
    registers,
  });

  const reviewQueue = options.reviewQueue;
  if (reviewQueue) {
    // Each gauge reads on its own (two small queries per scrape): a read shared between them would need to know
    // where one scrape ends, and a stale one would repeat old values.
    const set = (gauge: Gauge<'kind'>, value: (row: ReviewQueueDepth) => number) => async () => {
      const rows = await reviewQueue().catch((err: Error) => {
        options.logger?.warn({ event: 'metrics.review_queue_failed', error: err.message });
        return undefined;
      });
      gauge.reset();
      // Without an answer from PostgreSQL the series go absent rather than repeat a stale value.
      if (!rows) return;
      for (const kind of TASK_KINDS) {
        const row = rows.find((r) => r.kind === kind);
        gauge.set({ kind }, row ? value(row) : 0);
      }
    };
    const depth: Gauge<'kind'> = new Gauge({
      name: 'autopilot_review_queue_depth',
      help: 'Open review tasks by kind (review, human_send, send_uncertain), read from PostgreSQL at scrape time',
      labelNames: ['kind'] as const,
      registers,
      collect: () => set(depth, (r) => r.open)(),
    });
    const oldest: Gauge<'kind'> = new Gauge({
      name: 'autopilot_review_queue_oldest_age_seconds',
      help: 'How long the oldest open review task of each kind has waited, in seconds (0 when none is open)',
      labelNames: ['kind'] as const,
      registers,
      collect: () => set(oldest, (r) => r.oldestAgeSeconds)(),
    });
  }

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    inboundAccepted: (channel, duplicate) => inbound.inc({ channel, duplicate: String(duplicate) }),
    outcomeRecorded: (stage, reason) => outcomes.inc({ stage, reason: reasonCode(reason) }),
    sendAttempted: (channel, result, reason) => sends.inc(reason ? { channel, result, reason: reasonCode(reason) } : { channel, result }),
    modelCalled: (model, seconds, errorReason) => {
      modelLatency.observe({ model, outcome: errorReason === undefined ? 'ok' : 'error' }, seconds);
      if (errorReason !== undefined) modelErrors.inc({ model, reason: reasonCode(errorReason) });
    },
    gateFailed: (gate, channel) => gateFailures.inc({ gate: reasonCode(gate), channel }),
    sendDeferred: (channel, cause) => deferrals.inc({ channel, cause }),
    webhookAuthFailed: (channel) => webhookAuth.inc({ channel }),
    httpRequest: (method, route, status, seconds) => {
      httpRequests.inc({ method, route, status: String(status) });
      httpDuration.observe({ method, route }, seconds);
    },
  };
}
