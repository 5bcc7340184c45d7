import { Writable } from 'node:stream';
import { startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

/**
 * Following one lead through the logs: the API's lines carry the request id (the caller's, or one made up), and the
 * API's, the workflow's and the activities' lines carry the lead's eventId, in one pino JSON stream. At info nothing
 * names the lead: no phone number, no address, no message text.
 */

type Line = Record<string, any>;
const INFO = 30;

const lines: Line[] = [];
const destination = new Writable({
  write(chunk, _encoding, done) {
    for (const text of chunk.toString().split('\n')) if (text.trim()) lines.push(JSON.parse(text));
    done();
  },
});

const FAST = { sendTiming: 'asap', sendingHours: { start: 0, end: 24 } };
const PHONE = '+49 171 5550123';
const ADDRESS = 'erika.lead-5550177@example.org';
const NAME = 'Erika Leadfrau';
const WHATSAPP_TEXT = 'Hallo, was kostet das Pro-Paket für unser Büro in der Lindenstraße?';
const EMAIL_TEXT = 'Guten Tag, was kostet das Team-Paket für zwölf Personen im Lager Ost?';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { AUTOPILOT_ASAP_DELAY_SECONDS: '1', AUTOPILOT_COOLDOWN: '1s' }, logDestination: destination });
});
afterAll(async () => stack?.close());

const linesOf = (eventId: string) => lines.filter((l) => l.eventId === eventId);

describe('request ids', () => {
  it('sends back a usable X-Request-Id and logs the request with it, once', async () => {
    const response = await fetch(`${stack.url}/v1/settings`, { headers: { authorization: `Bearer ${stack.user.key}`, 'x-request-id': 'support-ticket 4711/a' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('support-ticket 4711/a');
    const logged = await waitFor(async () => {
      const found = lines.filter((l) => l.requestId === 'support-ticket 4711/a' && l.event === 'http.request');
      return found.length ? found : undefined;
    }, 'the request line');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: INFO, method: 'GET', route: '/v1/settings', status: 200, userId: stack.user.id, durationMs: expect.any(Number) });
  });

  it('makes up an id for a missing, over-long or non-ASCII one, and sends it back on errors too', async () => {
    for (const given of [undefined, 'x'.repeat(129), 'anfrage-ü']) {
      const response = await fetch(`${stack.url}/v1/settings`, { headers: given === undefined ? {} : { 'x-request-id': given } });
      expect(response.status).toBe(401);
      const id = response.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const line = await waitFor(async () => lines.find((l) => l.requestId === id && l.event === 'http.request'), 'the request line');
      expect(line).toMatchObject({ status: 401, route: '/v1/settings' });
    }
  });
});

describe('one lead through the logs', () => {
  it('follows a WhatsApp lead by its eventId across the API, the workflow and the activities, and never names the lead at info', async () => {
    expect((await stack.request('PUT', '/v1/settings', { body: { mode: 'auto', ...FAST } })).status).toBe(200);
    const response = await fetch(`${stack.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.user.key}`, 'content-type': 'application/json', 'x-request-id': 'lead-trace-1' },
      body: JSON.stringify({
        channel: 'whatsapp',
        externalId: `wamid.logs-${Date.now()}`,
        contact: { handle: PHONE, name: NAME, timezone: 'Europe/Berlin' },
        text: WHATSAPP_TEXT,
      }),
    });
    expect(response.status).toBe(202);
    const { eventId, workflowId } = (await response.json()) as { eventId: string; workflowId: string };
    await stack.waitForStage(eventId, 'sent');

    // The workflow's last line and the outcome's arrive once the SDK's log buffer (100 ms) is flushed.
    const followed = await waitFor(async () => {
      const found = linesOf(eventId);
      const events = new Set(found.map((l) => l.event));
      return ['api.event_accepted', 'inbound.recorded', 'reply.generated', 'reply.scheduled', 'reply.sent', 'event.outcome', 'autopilot.finished'].every((e) => events.has(e))
        ? found
        : undefined;
    }, "the lead's lines from the API, the activities and the workflow");

    const api = followed.find((l) => l.event === 'api.event_accepted')!;
    expect(api).toMatchObject({ level: INFO, requestId: 'lead-trace-1', workflowId, userId: stack.user.id, channel: 'whatsapp' });
    const workflow = followed.find((l) => l.event === 'autopilot.finished')!;
    expect(workflow).toMatchObject({ level: INFO, sdkComponent: 'workflow', workflowId, userId: stack.user.id, workflowType: 'autopilotWorkflow', stage: 'sent' });
    for (const event of ['inbound.recorded', 'reply.generated', 'reply.scheduled', 'reply.sent', 'event.outcome']) {
      expect([event, followed.find((l) => l.event === event)]).toEqual([event, expect.objectContaining({ level: INFO, workflowId, userId: stack.user.id })]);
    }
    // Each key once: the child logger's bindings and a line's own fields do not repeat one another.
    expect(followed.find((l) => l.event === 'reply.sent')).toMatchObject({ activity: 'sendReply', channel: 'whatsapp', adapter: expect.any(String) });

    const request = lines.find((l) => l.requestId === 'lead-trace-1' && l.event === 'http.request');
    expect(request).toMatchObject({ level: INFO, method: 'POST', route: '/v1/events', status: 202 });
  });

  it("keeps an email lead unnamed too, and a reviewer's own words when skipping it", async () => {
    const response = await stack.request('POST', '/v1/events', {
      body: { channel: 'email', externalId: `<logs-${Date.now()}@mail.test>`, contact: { handle: ADDRESS, name: NAME }, text: EMAIL_TEXT },
    });
    expect(response.status).toBe(202);
    const { eventId } = response.body;
    const read = await stack.waitForStage(eventId, 'awaiting_review');
    const skipped = await stack.request('POST', `/v1/reviews/${read.review.id}/skip`, { body: { reason: `${NAME} ruft selbst an: ${PHONE}` } });
    expect(skipped.status).toBe(200);
    await stack.waitForStage(eventId, 'skipped');
    // The reason is kept whole in the audit log and on the event; the logs say only that it was not a code.
    const finished = await waitFor(async () => linesOf(eventId).find((l) => l.event === 'autopilot.finished'), "the workflow's last line");
    expect(finished).toMatchObject({ stage: 'skipped', reason: 'other' });
    expect(linesOf(eventId).find((l) => l.event === 'event.outcome')).toMatchObject({ stage: 'skipped', reason: 'other' });
  });

  it('writes no phone number, address, name or message text at info or above in the whole run', () => {
    const shown = lines.filter((l) => l.level >= INFO).map((l) => JSON.stringify(l));
    expect(shown.length).toBeGreaterThan(20);
    const personal = [PHONE, PHONE.replace(/\D/g, ''), '5550123', ADDRESS, 'example.org', NAME, 'Leadfrau', WHATSAPP_TEXT, 'Lindenstraße', EMAIL_TEXT, 'Lager Ost'];
    for (const line of shown) for (const value of personal) expect([value, line.includes(value)]).toEqual([value, false]);
  });
});
