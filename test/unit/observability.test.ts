import pino from 'pino';
import { ConfigError, loadConfig } from '../../src/config';
import { requestIdFrom } from '../../src/api/observe';
import { createMetrics, reasonCode, reasonForLog } from '../../src/metrics';
import { sdkLine, TemporalLogRouter } from '../../src/temporal/runtime-logger';

describe('reason codes', () => {
  it.each([
    ['gate_failed:spam_pattern', 'gate_failed'],
    ['send_failed:ModelError.timeout', 'send_failed'],
    ['contact_opted_out', 'contact_opted_out'],
    [null, 'none'],
    ['Erika ruft unter +49 171 1234567 zurück', 'other'],
    ['Kein Interesse: später', 'other'],
    ['x'.repeat(65), 'other'],
  ])('labels %p as %p', (reason, code) => {
    expect(reasonCode(reason)).toBe(code);
  });

  it('keeps a reason of codes and error types whole in a log line, and only the code of anything else', () => {
    expect(reasonForLog('gate_failed:spam_pattern')).toBe('gate_failed:spam_pattern');
    expect(reasonForLog('generate_failed:ModelError.timeout')).toBe('generate_failed:ModelError.timeout');
    expect(reasonForLog('blocked:gate_failed:compliance_phrase')).toBe('blocked:gate_failed:compliance_phrase');
    expect(reasonForLog('already called them')).toBe('other');
    expect(reasonForLog('gate_failed:erika@example.org')).toBe('gate_failed');
    expect(reasonForLog(null)).toBeNull();
  });
});

describe('metrics', () => {
  it('files free-text reasons under other, so a reviewer cannot grow the series', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.outcomeRecorded('skipped', 'call Erika back on +49 171 1234567');
    metrics.outcomeRecorded('skipped', 'not today');
    metrics.outcomeRecorded('skipped', 'gate_failed:spam_pattern');
    const text = await metrics.render();
    expect(text).toContain('autopilot_outcomes_total{stage="skipped",reason="other"} 2');
    expect(text).toContain('autopilot_outcomes_total{stage="skipped",reason="gate_failed"} 1');
    expect(text).not.toContain('Erika');
  });

  it('counts each send attempt by result, with the refusal reason only where there is one', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.sendAttempted('whatsapp', 'rate_limited');
    metrics.sendAttempted('whatsapp', 'rejected', 'invalid_recipient');
    const text = await metrics.render();
    expect(text).toContain('autopilot_sends_total{channel="whatsapp",result="rate_limited"} 1');
    expect(text).toContain('autopilot_sends_total{channel="whatsapp",result="rejected",reason="invalid_recipient"} 1');
  });

  it('reads the review queue at each scrape, shows every kind, and drops the series when the read fails', async () => {
    let reads = 0;
    let fail = false;
    const metrics = createMetrics({
      processMetrics: false,
      reviewQueue: async () => {
        reads += 1;
        if (fail) throw new Error('connection refused');
        return [{ kind: 'review', open: 3, oldestAgeSeconds: 120 }];
      },
    });
    const text = await metrics.render();
    expect(reads).toBe(2); // one read per gauge
    expect(text).toContain('autopilot_review_queue_depth{kind="review"} 3');
    expect(text).toContain('autopilot_review_queue_depth{kind="send_uncertain"} 0');
    expect(text).toContain('autopilot_review_queue_oldest_age_seconds{kind="review"} 120');
    fail = true;
    const failed = await metrics.render();
    expect(failed).not.toContain('autopilot_review_queue_depth{');
    expect(failed).not.toContain('autopilot_review_queue_oldest_age_seconds{');
    fail = false;
    expect(await metrics.render()).toContain('autopilot_review_queue_depth{kind="review"} 3');
  });

  it('keeps registries apart: one process’s counters never show in another’s', async () => {
    const a = createMetrics({ processMetrics: false });
    const b = createMetrics({ processMetrics: false });
    a.inboundAccepted('email', false);
    expect(await b.render()).not.toContain('autopilot_inbound_events_total{');
  });
});

describe('request ids', () => {
  it('keeps a printable id of up to 128 characters and makes up one otherwise', () => {
    expect(requestIdFrom('abc-123 / retry 2')).toBe('abc-123 / retry 2');
    expect(requestIdFrom('x'.repeat(128))).toBe('x'.repeat(128));
    for (const bad of [undefined, '', '   ', 'x'.repeat(129), 'line\nbreak', 'tab\there', 'grüße']) {
      expect(requestIdFrom(bad)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });
});

describe('SDK log lines', () => {
  it("keeps a workflow's event name and ids, and only the code of its reason", () => {
    const { fields, msg } = sdkLine('autopilot.finished', {
      sdkComponent: 'workflow',
      workflowId: 'autopilot/whatsapp/u/abc',
      eventId: 'e1',
      stage: 'skipped',
      reason: 'Erika will call back',
      [Symbol.for('log_timestamp')]: 1n,
    });
    expect(msg).toBeUndefined();
    expect(fields).toEqual({ event: 'autopilot.finished', sdkComponent: 'workflow', workflowId: 'autopilot/whatsapp/u/abc', eventId: 'e1', stage: 'skipped', reason: 'other' });
  });

  it("names the SDK's own sentences by component and passes errors as err", () => {
    const error = new Error('boom');
    const { fields, msg } = sdkLine('Activity failed', { sdkComponent: 'worker', taskQueue: 'q', error, taskToken: 'AAAA' });
    expect(msg).toBe('Activity failed');
    expect(fields).toEqual({ event: 'temporal.worker', sdkComponent: 'worker', taskQueue: 'q', err: error });
  });
});

describe('the SDK log router', () => {
  function capture() {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    return { lines, router: new TemporalLogRouter(logger) };
  }

  it("writes the activity-only send workers' notice at info and every other warning at warn", () => {
    const { lines, router } = capture();
    router.warn('No workflows registered, not polling for workflow tasks', { sdkComponent: 'worker', taskQueue: 'q-send-email' });
    router.warn('Activity failed', { sdkComponent: 'worker', taskQueue: 'q' });
    router.debug('Activation', { sdkComponent: 'worker', taskQueue: 'q' });
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [30, 'No workflows registered, not polling for workflow tasks'],
      [40, 'Activity failed'],
    ]);
  });
});

describe('metrics configuration', () => {
  it('reads the bind addresses and the token', () => {
    const config = loadConfig({
      AUTOPILOT_WORKER_METRICS_BIND: '0.0.0.0:9464',
      TEMPORAL_METRICS_BIND: '[::1]:9465',
      AUTOPILOT_METRICS_TOKEN: 'a-token-of-enough-length',
    });
    expect(config.metrics).toEqual({ workerBind: { host: '0.0.0.0', port: 9464 }, temporalBind: '[::1]:9465', token: 'a-token-of-enough-length' });
    expect(loadConfig({}).metrics).toEqual({ workerBind: undefined, temporalBind: undefined, token: undefined });
  });

  it.each([
    ['AUTOPILOT_WORKER_METRICS_BIND', '9464'],
    ['AUTOPILOT_WORKER_METRICS_BIND', '0.0.0.0:99999'],
    ['TEMPORAL_METRICS_BIND', 'http://0.0.0.0:9465'],
  ])('refuses %s=%p, naming the variable', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(new RegExp(`${variable}: expected host:port`));
  });

  it('refuses a short metrics token without showing it', () => {
    expect(() => loadConfig({ AUTOPILOT_METRICS_TOKEN: 'short-secret' })).toThrow(ConfigError);
    expect(() => loadConfig({ AUTOPILOT_METRICS_TOKEN: 'short-secret' })).toThrow(/AUTOPILOT_METRICS_TOKEN: .*a secret of 12 characters \(not shown\)/);
  });
});
