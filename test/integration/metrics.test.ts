import { createApp } from '../../src/api/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { serveMetrics } from '../../src/metrics-server';
import { apiDepsFromConfig } from '../../src/server';
import { freePort } from '../../src/temporal/dev-server';
import { startStack, type Stack, type TestUser } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

/**
 * What an operator sees: an inbound message's way through the API, the workflow and the activities shows in GET
 * /metrics with bounded labels, and the Temporal SDK's own exporter answers where TEMPORAL_METRICS_BIND says.
 */

const FAST = { sendTiming: 'asap', sendingHours: { start: 0, end: 24 } };
const APP_SECRET = 'metrics-test-app-secret';

/** The samples of one metric in the text exposition format: `name{a="b"} value` lines. */
function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .map((line) => {
      const match = /^[^{ ]+(?:\{(.*)\})? (\S+)$/.exec(line)!;
      const labels = Object.fromEntries([...(match[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
      return { labels, value: Number(match[2]) };
    });
}

/** The value of the one sample with exactly these labels (0 when the series does not exist yet). */
function valueOf(text: string, name: string, labels: Record<string, string>): number {
  const found = samples(text, name).filter((s) => JSON.stringify(Object.entries(s.labels).sort()) === JSON.stringify(Object.entries(labels).sort()));
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0]?.value ?? 0;
}

let counter = 0;
function inbound(handle: string, overrides: Record<string, unknown> = {}) {
  counter += 1;
  return {
    channel: 'whatsapp',
    externalId: `wamid.metrics-${Date.now()}-${counter}`,
    contact: { handle, name: 'Erika Mustermann', timezone: 'Europe/Berlin' },
    text: 'Hallo, was kostet das Pro-Paket?',
    ...overrides,
  };
}

describe('GET /metrics', () => {
  let stack: Stack;
  let sdkBind: string;
  beforeAll(async () => {
    sdkBind = `127.0.0.1:${await freePort()}`;
    stack = await startStack({
      env: {
        AUTOPILOT_ASAP_DELAY_SECONDS: '1',
        AUTOPILOT_COOLDOWN: '1s',
        AUTOPILOT_LIMIT_WHATSAPP_PER_DAY: '1',
        WHATSAPP_APP_SECRET: APP_SECRET,
        TEMPORAL_METRICS_BIND: sdkBind,
      },
    });
  });
  afterAll(async () => stack?.close());

  async function scrape(): Promise<string> {
    const response = await fetch(`${stack.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return response.text();
  }

  async function configure(user: TestUser, settings: Record<string, unknown>) {
    expect((await stack.request('PUT', '/v1/settings', { body: settings, key: user.key })).status).toBe(200);
  }

  it("shows a message's way: accepted, waiting in the review queue, sent, its outcome, the model call and the requests", async () => {
    const user = await stack.createUser();
    await configure(user, { mode: 'assist', ...FAST });
    const before = await scrape();
    const event = inbound('+49 171 3000001');
    const posted = await stack.request('POST', '/v1/events', { body: event, key: user.key });
    expect(posted.status).toBe(202);
    const read = await stack.waitForStage(posted.body.eventId, 'awaiting_review', user.key);

    const waiting = await scrape();
    expect(valueOf(waiting, 'autopilot_inbound_events_total', { channel: 'whatsapp', duplicate: 'false' }) - valueOf(before, 'autopilot_inbound_events_total', { channel: 'whatsapp', duplicate: 'false' })).toBe(1);
    // Read from PostgreSQL at scrape time: this stack's database holds this one open task.
    expect(valueOf(waiting, 'autopilot_review_queue_depth', { kind: 'review' })).toBe(1);
    expect(valueOf(waiting, 'autopilot_review_queue_depth', { kind: 'send_uncertain' })).toBe(0);
    expect(valueOf(waiting, 'autopilot_review_queue_oldest_age_seconds', { kind: 'review' })).toBeGreaterThanOrEqual(0);
    expect(samples(waiting, 'autopilot_review_queue_oldest_age_seconds')).toHaveLength(3);
    expect(valueOf(waiting, 'autopilot_model_latency_seconds_count', { model: 'template-engine', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(waiting, 'autopilot_http_requests_total', { method: 'POST', route: '/v1/events', status: '202' })).toBeGreaterThanOrEqual(1);

    const approved = await stack.request('POST', `/v1/reviews/${read.review.id}/approve`, { body: {}, key: user.key });
    expect(approved.status).toBe(200);
    await stack.waitForStage(posted.body.eventId, 'sent', user.key);
    const sent = await scrape();
    expect(valueOf(sent, 'autopilot_sends_total', { channel: 'whatsapp', result: 'sent' }) - valueOf(before, 'autopilot_sends_total', { channel: 'whatsapp', result: 'sent' })).toBe(1);
    expect(valueOf(sent, 'autopilot_outcomes_total', { stage: 'sent', reason: 'none' }) - valueOf(before, 'autopilot_outcomes_total', { stage: 'sent', reason: 'none' })).toBe(1);
    expect(valueOf(sent, 'autopilot_review_queue_depth', { kind: 'review' })).toBe(0);
    // Route patterns, never paths: the review's id is not a label.
    expect(valueOf(sent, 'autopilot_http_requests_total', { method: 'POST', route: '/v1/reviews/:id/approve', status: '200' })).toBe(1);
    expect(sent).not.toContain(read.review.id);

    const again = await stack.request('POST', '/v1/events', { body: event, key: user.key });
    expect(again.status).toBe(200);
    const duplicate = await scrape();
    expect(valueOf(duplicate, 'autopilot_inbound_events_total', { channel: 'whatsapp', duplicate: 'true' }) - valueOf(before, 'autopilot_inbound_events_total', { channel: 'whatsapp', duplicate: 'true' })).toBe(1);
  });

  it("counts a failed gate by gate, and files a reviewer's own words as reason other", async () => {
    const user = await stack.createUser();
    await configure(user, { mode: 'assist', ...FAST });
    const before = await scrape();
    const { body } = await stack.request('POST', '/v1/events', { body: inbound('+49 171 3000002'), key: user.key });
    const first = await stack.waitForStage(body.eventId, 'awaiting_review', user.key);
    // The edit fails the spam gate: a new review round opens instead of a send.
    await stack.request('POST', `/v1/reviews/${first.review.id}/approve`, { body: { text: 'Jetzt zugreifen!!!' }, key: user.key });
    const second = await waitFor(async () => {
      const read = (await stack.request('GET', `/v1/events/${body.eventId}`, { key: user.key })).body;
      return read.review && read.review.id !== first.review.id ? read : undefined;
    }, 'a second review round');
    await stack.request('POST', `/v1/reviews/${second.review.id}/skip`, { body: { reason: 'Erika ruft unter +49 171 3000002 zurück' }, key: user.key });
    await stack.waitForStage(body.eventId, 'skipped', user.key);

    const after = await scrape();
    expect(valueOf(after, 'autopilot_gate_failures_total', { gate: 'spam', channel: 'whatsapp' }) - valueOf(before, 'autopilot_gate_failures_total', { gate: 'spam', channel: 'whatsapp' })).toBe(1);
    expect(valueOf(after, 'autopilot_outcomes_total', { stage: 'skipped', reason: 'other' }) - valueOf(before, 'autopilot_outcomes_total', { stage: 'skipped', reason: 'other' })).toBe(1);
    expect(after).not.toMatch(/Erika|\+49 171/);
    // Every outcome reason is a code.
    for (const { labels } of samples(after, 'autopilot_outcomes_total')) expect(labels.reason).toMatch(/^[a-z][a-z0-9_]*$/);
  });

  it("counts a send moved to the next day by the contact's daily cap", async () => {
    const user = await stack.createUser();
    await configure(user, { mode: 'auto', ...FAST });
    const before = await scrape();
    const first = await stack.request('POST', '/v1/events', { body: inbound('+49 171 3000003'), key: user.key });
    await stack.waitForStage(first.body.eventId, 'sent', user.key);
    // AUTOPILOT_LIMIT_WHATSAPP_PER_DAY=1: the second reply to the same contact today waits for tomorrow.
    const second = await stack.request('POST', '/v1/events', { body: inbound('+49 171 3000003', { text: 'Was kostet das Team-Paket?' }), key: user.key });
    await stack.waitForStage(second.body.eventId, 'scheduled', user.key);
    const after = await scrape();
    const cause = { channel: 'whatsapp', cause: 'contact_day_full' };
    expect(valueOf(after, 'autopilot_send_deferrals_total', cause) - valueOf(before, 'autopilot_send_deferrals_total', cause)).toBeGreaterThanOrEqual(1);
  });

  it('counts webhook deliveries whose signature does not match, by channel', async () => {
    const before = await scrape();
    const response = await fetch(`${stack.url}/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
      body: JSON.stringify({ object: 'whatsapp_business_account', entry: [] }),
    });
    expect(response.status).toBe(401);
    const after = await scrape();
    expect(valueOf(after, 'autopilot_webhook_auth_failures_total', { channel: 'whatsapp' }) - valueOf(before, 'autopilot_webhook_auth_failures_total', { channel: 'whatsapp' })).toBe(1);
    expect(valueOf(after, 'autopilot_http_requests_total', { method: 'POST', route: '/webhooks/whatsapp', status: '401' })).toBeGreaterThanOrEqual(1);
  });

  it('labels a request no route matched as unmatched, not by its path', async () => {
    expect((await fetch(`${stack.url}/no/such/path-4711`)).status).toBe(404);
    const after = await scrape();
    expect(valueOf(after, 'autopilot_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(after).not.toContain('path-4711');
  });

  it('asks for the bearer token when AUTOPILOT_METRICS_TOKEN is set', async () => {
    const token = 'a-metrics-token-of-32-characters';
    const deps = apiDepsFromConfig(loadConfig({ AUTOPILOT_METRICS_TOKEN: token }), { db: stack.db, temporal: stack.temporal, logger: createLogger('silent'), metrics: stack.metrics });
    const app = createApp(deps);
    const missing = await app.request('/metrics');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(((await missing.json()) as any).error.code).toBe('unauthorized');
    expect((await app.request('/metrics', { headers: { authorization: 'Bearer not-the-token-at-all-000000000' } })).status).toBe(401);
    const allowed = await app.request('/metrics', { headers: { authorization: `Bearer ${token}` } });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('autopilot_inbound_events_total');
  });

  it("serves a worker's registry on a port of its own", async () => {
    const server = await serveMetrics(stack.metrics, { host: '127.0.0.1', port: 0 }, createLogger('silent'));
    try {
      const response = await fetch(server.url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const text = await response.text();
      expect(samples(text, 'autopilot_sends_total').length).toBeGreaterThan(0);
      expect((await fetch(server.url.replace(/\/metrics$/, '/'))).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it("exports the Temporal SDK's own worker metrics on TEMPORAL_METRICS_BIND", async () => {
    const user = await stack.createUser();
    const { body } = await stack.request('POST', '/v1/events', { body: inbound('+49 171 3000004'), key: user.key });
    await stack.waitForStage(body.eventId, 'awaiting_review', user.key);
    const text = await waitFor(async () => {
      const response = await fetch(`http://${sdkBind}/metrics`);
      const body = await response.text();
      return response.status === 200 && samples(body, 'temporal_workflow_task_execution_latency_count').some((s) => s.value > 0) ? body : undefined;
    }, 'the SDK exporter to report workflow task latency');
    const taskQueues = samples(text, 'temporal_workflow_task_execution_latency_count').map((s) => s.labels.task_queue);
    expect(taskQueues).toContain(stack.taskQueue);
  });
});
