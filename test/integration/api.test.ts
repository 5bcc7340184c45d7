import { startStack, type Stack } from '../helpers/stack';

/** Settings, contacts, reviews, experiments and outbox routes: what they accept, refuse, and who may see what. */

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => stack?.close());

async function contactOf(key: string): Promise<{ contactId: string; eventId: string }> {
  const posted = await stack.request('POST', '/v1/events', {
    key,
    body: { channel: 'email', externalId: `<${Math.random()}@x.org>`, contact: { handle: `c${Math.random().toString(36).slice(2)}@x.org` }, text: 'Hmm.' },
  });
  const read = await stack.waitForStage(posted.body.eventId, 'awaiting_review', key);
  return { contactId: read.contact.id, eventId: posted.body.eventId };
}

describe('settings', () => {
  it('shows the built-in defaults, then what a PUT changed, keeping the rest', async () => {
    const user = await stack.createUser();
    const initial = await stack.request('GET', '/v1/settings', { key: user.key });
    expect(initial.body).toEqual({
      mode: 'assist',
      channels: ['whatsapp', 'email', 'linkedin', 'instagram'],
      maxAutoRepliesPerDay: 20,
      isActive: true,
      confidenceThreshold: null,
      effectiveConfidenceThreshold: 0.85,
      sendTiming: 'best_time',
      sendingHours: { start: 8, end: 20 },
      templates: {},
      timezone: 'UTC',
      optOutScope: 'person',
      disclosure: null,
      source: 'default',
    });
    const put = await stack.request('PUT', '/v1/settings', {
      key: user.key,
      body: { mode: 'one_click', confidenceThreshold: 0.9, sendingHours: { start: 9, end: 18 }, templates: { thanks: { en: 'Cheers, {{firstName}}!' } } },
    });
    expect(put.status).toBe(200);
    const read = await stack.request('GET', '/v1/settings', { key: user.key });
    expect(read.body).toMatchObject({
      mode: 'one_click',
      isActive: true,
      confidenceThreshold: 0.9,
      effectiveConfidenceThreshold: 0.9,
      sendingHours: { start: 9, end: 18 },
      templates: { thanks: { en: 'Cheers, {{firstName}}!' } },
      source: 'user',
    });
  });

  it.each([
    [{ mode: 'yolo' }, 'mode'],
    [{ channels: ['fax'] }, 'channels.0'],
    [{ channels: ['email', 'email'] }, 'channels'],
    [{ confidenceThreshold: 1.5 }, 'confidenceThreshold'],
    [{ maxAutoRepliesPerDay: -1 }, 'maxAutoRepliesPerDay'],
    [{ sendingHours: { start: 20, end: 8 } }, 'sendingHours'],
    [{ sendTiming: 'whenever' }, 'sendTiming'],
    [{ templates: { gossip: { en: 'x' } } }, 'templates'],
  ])('refuses %p with 400 naming %s, and changes nothing', async (body, field) => {
    const user = await stack.createUser();
    const response = await stack.request('PUT', '/v1/settings', { key: user.key, body });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'invalid_request', field });
    expect((await stack.request('GET', '/v1/settings', { key: user.key })).body.source).toBe('default');
  });

  it("overrides a contact's settings, and only for the user's own contacts", async () => {
    const user = await stack.createUser();
    const { contactId } = await contactOf(user.key);
    const put = await stack.request('PUT', `/v1/contacts/${contactId}/settings`, { key: user.key, body: { mode: 'auto', isActive: true } });
    expect(put.body).toMatchObject({ mode: 'auto', source: 'contact' });
    const contact = await stack.request('GET', `/v1/contacts/${contactId}`, { key: user.key });
    expect(contact.body.settings).toMatchObject({ mode: 'auto', source: 'contact' });

    const other = await stack.createUser();
    expect((await stack.request('PUT', `/v1/contacts/${contactId}/settings`, { key: other.key, body: { mode: 'auto' } })).status).toBe(404);
    expect((await stack.request('GET', `/v1/contacts/${contactId}`, { key: other.key })).status).toBe(404);
    expect((await stack.request('DELETE', `/v1/contacts/${contactId}/settings`, { key: other.key })).status).toBe(404);
    expect((await stack.request('DELETE', `/v1/contacts/${contactId}/settings`, { key: user.key })).status).toBe(204);
  });
});

describe('reviews', () => {
  it("hides another user's review and refuses their decision", async () => {
    const user = await stack.createUser();
    const { eventId } = await contactOf(user.key);
    const review = (await stack.request('GET', `/v1/events/${eventId}`, { key: user.key })).body.review;
    const other = await stack.createUser();
    expect((await stack.request('GET', `/v1/reviews/${review.id}`, { key: other.key })).status).toBe(404);
    expect((await stack.request('POST', `/v1/reviews/${review.id}/approve`, { key: other.key, body: {} })).status).toBe(404);
    expect((await stack.request('GET', '/v1/reviews', { key: other.key })).body.reviews).toEqual([]);
    expect((await stack.request('GET', `/v1/reviews/${review.id}`, { key: user.key })).body.status).toBe('open');
  });

  it('refuses an empty edit and unknown fields with 400', async () => {
    const user = await stack.createUser();
    const { eventId } = await contactOf(user.key);
    const review = (await stack.request('GET', `/v1/events/${eventId}`, { key: user.key })).body.review;
    const empty = await stack.request('POST', `/v1/reviews/${review.id}/approve`, { key: user.key, body: { text: '  ' } });
    expect(empty.status).toBe(400);
    expect(empty.body.error.field).toBe('text');
    const unknown = await stack.request('POST', `/v1/reviews/${review.id}/skip`, { key: user.key, body: { because: 'x' } });
    expect(unknown.status).toBe(400);
    expect((await stack.request('GET', `/v1/reviews/${review.id}`, { key: user.key })).body.status).toBe('open');
  });

  it('lists open reviews oldest deadline first', async () => {
    const user = await stack.createUser();
    await contactOf(user.key);
    await contactOf(user.key);
    const { reviews } = (await stack.request('GET', '/v1/reviews', { key: user.key })).body;
    expect(reviews).toHaveLength(2);
    expect(reviews[0].deadline <= reviews[1].deadline).toBe(true);
  });

  it('answers 404 for a review that does not exist', async () => {
    const user = await stack.createUser();
    expect((await stack.request('POST', '/v1/reviews/6f1c1b1e-0000-4000-8000-000000000000/approve', { key: user.key, body: {} })).status).toBe(404);
    expect((await stack.request('POST', '/v1/reviews/nope/skip', { key: user.key, body: {} })).status).toBe(404);
  });
});

describe('experiments', () => {
  const body = {
    name: 'opener',
    context: 'pricing',
    variants: [
      { id: 'a', weight: 1, templates: { en: 'A' } },
      { id: 'b', weight: 1, templates: { en: 'B' } },
    ],
  };

  it('creates, reads, pauses and resumes an experiment', async () => {
    const user = await stack.createUser();
    const created = await stack.request('POST', '/v1/experiments', { key: user.key, body });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'opener', status: 'active', algorithm: 'weighted', targetMetric: 'replied', minSampleSize: 30 });
    const paused = await stack.request('POST', `/v1/experiments/${created.body.id}/pause`, { key: user.key });
    expect(paused.body.status).toBe('paused');
    expect((await stack.request('POST', `/v1/experiments/${created.body.id}/resume`, { key: user.key })).body.status).toBe('active');
    expect((await stack.request('GET', '/v1/experiments', { key: user.key })).body.experiments).toHaveLength(1);
  });

  it.each([
    [{ ...body, variants: [body.variants[0]] }, 'variants'],
    [{ ...body, variants: [body.variants[0], body.variants[0]] }, 'variants'],
    [{ ...body, context: 'weather' }, 'context'],
    [{ ...body, algorithm: 'epsilon' }, 'algorithm'],
    [{ ...body, variants: [{ id: 'a', weight: 1, templates: {} }, body.variants[1]] }, 'variants.0.templates'],
  ])('refuses %p with 400 naming %s', async (payload, field) => {
    const user = await stack.createUser();
    const response = await stack.request('POST', '/v1/experiments', { key: user.key, body: payload });
    expect(response.status).toBe(400);
    expect(response.body.error.field).toBe(field);
    expect((await stack.request('GET', '/v1/experiments', { key: user.key })).body.experiments).toEqual([]);
  });

  it("hides another user's experiment", async () => {
    const user = await stack.createUser();
    const created = await stack.request('POST', '/v1/experiments', { key: user.key, body });
    const other = await stack.createUser();
    expect((await stack.request('GET', `/v1/experiments/${created.body.id}`, { key: other.key })).status).toBe(404);
    expect((await stack.request('POST', `/v1/experiments/${created.body.id}/pause`, { key: other.key })).status).toBe(404);
  });
});

describe('authentication', () => {
  it.each([
    ['GET', '/v1/settings'],
    ['PUT', '/v1/settings'],
    ['GET', '/v1/reviews'],
    ['POST', '/v1/reviews/6f1c1b1e-0000-4000-8000-000000000000/approve'],
    ['GET', '/v1/experiments'],
    ['GET', '/v1/outbox'],
    ['GET', '/v1/contacts/6f1c1b1e-0000-4000-8000-000000000000'],
  ])('%s %s answers 401 without a key', async (method, path) => {
    const response = await stack.request(method, path, { key: null, body: method === 'GET' ? undefined : {} });
    expect(response.status).toBe(401);
  });
});
