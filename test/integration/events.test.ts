import { AutopilotChannel, AutopilotContact, AutopilotStage, AutopilotUser } from '../../src/workflows/search-attributes';
import { createPool } from '../../src/db/pool';
import { createLogger } from '../../src/logger';
import { createMetrics } from '../../src/metrics';
import { startApiServer } from '../../src/server';
import { WorkflowStarter } from '../../src/temporal/starter';
import { freePort } from '../../src/temporal/dev-server';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
let counter = 0;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.close();
});

function inbound(overrides: Record<string, unknown> = {}) {
  counter += 1;
  return {
    channel: 'whatsapp',
    externalId: `wamid.test-${Date.now()}-${counter}`,
    // a contact per message: a newer message from the same contact would supersede the older one's reply
    contact: { handle: `+49 170 ${1000000 + counter}`, name: 'Erika Mustermann', timezone: 'Europe/Berlin' },
    text: 'Hallo, was kostet das Pro-Paket?',
    ...overrides,
  };
}

async function countRows(table: string, userId = stack.user.id): Promise<number> {
  const { rows } = await stack.db.query(`SELECT count(*)::int AS n FROM ${table} WHERE user_id = $1`, [userId]);
  return rows[0].n;
}

async function workflowsOf(userId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of stack.temporal.workflow.list({ query: `AutopilotUser = "${userId}"` })) ids.push(wf.workflowId);
  return ids;
}

describe('POST /v1/events', () => {
  it('accepts an event and takes it through the workflow to stage received', async () => {
    const event = inbound();
    const posted = await stack.request('POST', '/v1/events', { body: event });
    expect(posted.status).toBe(202);
    expect(posted.body).toEqual({ eventId: expect.any(String), workflowId: expect.stringMatching(/^autopilot\/whatsapp\//), duplicate: false });

    const read = await stack.waitForStage(posted.body.eventId, 'awaiting_review');
    expect(read).toMatchObject({
      id: posted.body.eventId,
      workflowId: posted.body.workflowId,
      channel: 'whatsapp',
      externalId: event.externalId,
      text: event.text,
      contact: { id: expect.any(String), handle: `49170${1000000 + counter}`, name: 'Erika Mustermann', timezone: 'Europe/Berlin' },
      stage: 'awaiting_review',
      reply: null,
    });

    const { rows } = await stack.db.query('SELECT handle, name, timezone FROM contacts WHERE id = $1 AND user_id = $2', [
      read.contact.id,
      stack.user.id,
    ]);
    expect(rows).toEqual([{ handle: `49170${1000000 + counter}`, name: 'Erika Mustermann', timezone: 'Europe/Berlin' }]);
  });

  it('keeps the stage and internal ids in search attributes, and no personal data in the id or attributes', async () => {
    const posted = await stack.request('POST', '/v1/events', { body: inbound() });
    const read = await stack.waitForStage(posted.body.eventId, 'awaiting_review');
    const description = await stack.temporal.workflow.getHandle(posted.body.workflowId).describe();
    const attributes = description.typedSearchAttributes;
    expect(attributes.get(AutopilotStage)).toBe('awaiting_review');
    expect(attributes.get(AutopilotChannel)).toBe('whatsapp');
    expect(attributes.get(AutopilotUser)).toBe(stack.user.id);
    expect(attributes.get(AutopilotContact)).toBe(read.contact.id);
    const visible = JSON.stringify({ id: posted.body.workflowId, attributes: description.searchAttributes });
    expect(visible).not.toMatch(new RegExp(`${1000000 + counter}|Erika|Mustermann|wamid`));
    expect(await description.staticSummary()).toContain('whatsapp');
    // the final stage is queryable from the workflow itself
    expect(await stack.temporal.workflow.getHandle(posted.body.workflowId).query<{ stage: string }>('state')).toMatchObject({
      stage: 'awaiting_review',
    });
  });

  it('answers a duplicate delivery with the same ids and starts no second workflow', async () => {
    const event = inbound();
    const first = await stack.request('POST', '/v1/events', { body: event });
    const second = await stack.request('POST', '/v1/events', { body: { ...event, text: 'a retried delivery' } });
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ eventId: first.body.eventId, workflowId: first.body.workflowId, duplicate: true });
    await stack.waitForStage(first.body.eventId, 'awaiting_review');

    const { rows } = await stack.db.query('SELECT count(*)::int AS n FROM message_events WHERE external_id = $1', [event.externalId]);
    expect(rows[0].n).toBe(1);
    const runs: string[] = [];
    for await (const wf of stack.temporal.workflow.list({ query: `WorkflowId = "${first.body.workflowId}"` })) runs.push(wf.runId);
    expect(runs).toHaveLength(1);
  });

  it('stores concurrent deliveries of one message once', async () => {
    const event = inbound();
    const responses = await Promise.all(Array.from({ length: 8 }, () => stack.request('POST', '/v1/events', { body: event })));
    expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 202]);
    expect(new Set(responses.map((r) => r.body.eventId)).size).toBe(1);
  });

  it('records an opt-out, marks the contact opted out on that channel and ends at opted_out', async () => {
    const posted = await stack.request('POST', '/v1/events', {
      body: inbound({ channel: 'email', contact: { handle: 'Lead@Example.com' }, text: 'Bitte keine Nachrichten mehr.' }),
    });
    const read = await stack.waitForStage(posted.body.eventId, 'opted_out');
    expect(read.stageReason).toBe('opt_out_phrase');
    const { rows } = await stack.db.query('SELECT channel, source, detail FROM contact_opt_outs WHERE contact_id = $1 AND user_id = $2', [
      read.contact.id,
      stack.user.id,
    ]);
    expect(rows).toEqual([{ channel: 'email', source: 'inbound_message', detail: 'keine nachrichten mehr' }]);
  });

  it('ends "STOP" at opted_out', async () => {
    const posted = await stack.request('POST', '/v1/events', { body: inbound({ text: 'STOP' }) });
    expect((await stack.waitForStage(posted.body.eventId, 'opted_out')).stageReason).toBe('opt_out_command');
  });

  it('skips with a reason when the autopilot is inactive or the channel is not enabled', async () => {
    const user = await stack.createUser();
    await stack.db.query(
      `INSERT INTO autopilot_settings (user_id, mode, channels, is_active) VALUES ($1, 'auto', ARRAY['email'], true)`,
      [user.id],
    );
    const whatsapp = await stack.request('POST', '/v1/events', { body: inbound(), key: user.key });
    expect((await stack.waitForStage(whatsapp.body.eventId, 'skipped', user.key)).stageReason).toBe('channel_not_enabled');

    await stack.db.query(`UPDATE autopilot_settings SET is_active = false WHERE user_id = $1`, [user.id]);
    const email = await stack.request('POST', '/v1/events', {
      body: inbound({ channel: 'email', contact: { handle: 'someone@example.org' } }),
      key: user.key,
    });
    expect((await stack.waitForStage(email.body.eventId, 'skipped', user.key)).stageReason).toBe('autopilot_inactive');
  });

  it("lets a contact's own settings override the user's default", async () => {
    const user = await stack.createUser();
    await stack.db.query(`INSERT INTO autopilot_settings (user_id, is_active) VALUES ($1, false)`, [user.id]);
    const firstEvent = inbound();
    const first = await stack.request('POST', '/v1/events', { body: firstEvent, key: user.key });
    const skipped = await stack.waitForStage(first.body.eventId, 'skipped', user.key);
    await stack.db.query(`INSERT INTO autopilot_settings (user_id, contact_id, mode, is_active) VALUES ($1, $2, 'auto', true)`, [
      user.id,
      skipped.contact.id,
    ]);
    const second = await stack.request('POST', '/v1/events', { body: inbound({ contact: firstEvent.contact }), key: user.key });
    await stack.waitForStage(second.body.eventId, 'scheduled', user.key);
    const state = await stack.temporal.workflow.getHandle(second.body.workflowId).query<{ mode: string; settingsSource: string }>('state');
    expect(state).toMatchObject({ mode: 'auto', settingsSource: 'contact' });
  });

  describe('rejects bad input with 400, naming the field, and writes nothing', () => {
    const cases: [string, { body?: unknown; rawBody?: string }, string | undefined, string][] = [
      ['an unknown channel', { body: inbound({ channel: 'fax' }) }, 'channel', 'invalid_request'],
      ['a missing text', { body: { ...inbound(), text: undefined } }, 'text', 'invalid_request'],
      ['an empty text', { body: inbound({ text: '   ' }) }, 'text', 'invalid_request'],
      ['a text over 64 KiB', { body: inbound({ text: 'ä'.repeat(32 * 1024 + 1) }) }, 'text', 'invalid_request'],
      ['a missing contact', { body: { ...inbound(), contact: undefined } }, 'contact', 'invalid_request'],
      ['a missing handle', { body: inbound({ contact: { name: 'No Handle' } }) }, 'contact.handle', 'invalid_request'],
      ['a WhatsApp handle that is no phone number', { body: inbound({ contact: { handle: 'hello' } }) }, 'contact.handle', 'invalid_request'],
      ['an email handle that is no address', { body: inbound({ channel: 'email', contact: { handle: 'nobody' } }) }, 'contact.handle', 'invalid_request'],
      ['an unknown time zone', { body: inbound({ contact: { handle: '+4917012345', timezone: 'Mars/Olympus' } }) }, 'contact.timezone', 'invalid_request'],
      ['a missing externalId', { body: { ...inbound(), externalId: undefined } }, 'externalId', 'invalid_request'],
      ['a timestamp that is no date', { body: inbound({ timestamp: 'yesterday' }) }, 'timestamp', 'invalid_request'],
      ['malformed JSON', { rawBody: '{"channel": "whatsapp", "text": ' }, undefined, 'malformed_json'],
    ];

    it.each(cases)('%s', async (_name, payload, field, code) => {
      const user = await stack.createUser();
      const response = await stack.request('POST', '/v1/events', { ...payload, key: user.key });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe(code);
      expect(response.body.error.message).toEqual(expect.any(String));
      if (field) expect(response.body.error.field).toBe(field);
      expect(await countRows('message_events', user.id)).toBe(0);
      expect(await countRows('contacts', user.id)).toBe(0);
      expect(await workflowsOf(user.id)).toEqual([]);
    });
  });
});

describe('authentication and scoping', () => {
  it('answers 401 without a key or with a wrong one', async () => {
    for (const key of [null, 'ap_not-a-real-key', '']) {
      const post = await stack.request('POST', '/v1/events', { body: inbound(), key });
      expect(post.status).toBe(401);
      expect(post.body.error.code).toBe('unauthorized');
      const get = await stack.request('GET', '/v1/events/00000000-0000-0000-0000-000000000000', { key });
      expect(get.status).toBe(401);
    }
  });

  it("answers 404 for another user's event", async () => {
    const event = inbound();
    const posted = await stack.request('POST', '/v1/events', { body: event });
    await stack.waitForStage(posted.body.eventId, 'awaiting_review');
    const other = await stack.createUser();
    const read = await stack.request('GET', `/v1/events/${posted.body.eventId}`, { key: other.key });
    expect(read.status).toBe(404);
    expect(read.body.error.code).toBe('not_found');
    // and the same externalId from another user is that user's own event
    const theirs = await stack.request('POST', '/v1/events', { body: event, key: other.key });
    expect(theirs.status).toBe(202);
    expect(theirs.body.eventId).not.toBe(posted.body.eventId);
  });

  it('answers 404 for an id that is no event', async () => {
    expect((await stack.request('GET', '/v1/events/not-a-uuid')).status).toBe(404);
    expect((await stack.request('GET', '/v1/events/6f1c1b1e-0000-4000-8000-000000000000')).status).toBe(404);
  });
});

describe('health', () => {
  it('answers /healthz and /readyz when Postgres and Temporal answer', async () => {
    expect(await stack.request('GET', '/healthz', { key: null })).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await stack.request('GET', '/readyz', { key: null })).toEqual({ status: 200, body: { status: 'ready' } });
    // The details with an admin key.
    expect(await stack.request('GET', '/readyz')).toEqual({
      status: 200,
      body: { status: 'ready', checks: { postgres: 'ok', temporal: 'ok' }, channels: { brokenConnections: {}, secretKey: false } },
    });
  });

  it('answers /readyz with 503 when the database does not answer, the key then being uncheckable', async () => {
    const deadDb = createPool(`postgres://nobody:nothing@127.0.0.1:${await freePort()}/none`);
    const logger = createLogger('silent');
    const starter = new WorkflowStarter(stack.temporal, stack.taskQueue, logger);
    const api = await startApiServer(
      { db: deadDb, temporal: stack.temporal, taskQueue: stack.taskQueue, starter, logger, metrics: createMetrics(), confidenceThreshold: 0.85 },
      '127.0.0.1',
      0,
    );
    try {
      for (const headers of [{}, { authorization: `Bearer ${stack.user.key}` }] as Record<string, string>[]) {
        const response = await fetch(`${api.url}/readyz`, { headers });
        expect(response.status).toBe(503);
        expect(await response.json()).toEqual({ status: 'unavailable' });
      }
    } finally {
      await api.close();
      await deadDb.end();
    }
  });
});
