import { startStack, type Stack, type TestUser } from '../helpers/stack';

/**
 * LinkedIn forbids automated messages: the reply becomes a ready-to-send task for a person, and the workflow
 * waits at awaiting_human_send until they confirm it was sent (or skip it).
 */

let stack: Stack;
let user: TestUser;
let counter = 0;

beforeAll(async () => {
  stack = await startStack({ env: { AUTOPILOT_ASAP_DELAY_SECONDS: '1' } });
  user = await stack.createUser();
  await stack.request('PUT', '/v1/settings', { key: user.key, body: { mode: 'auto', sendTiming: 'asap', sendingHours: { start: 0, end: 24 } } });
});
afterAll(async () => stack?.close());

async function post(text: string) {
  counter += 1;
  const response = await stack.request('POST', '/v1/events', {
    key: user.key,
    body: {
      channel: 'linkedin',
      externalId: `urn:li:message:${counter}-${Date.now()}`,
      contact: { handle: `urn:li:person:lead${counter}`, name: 'Erika Mustermann' },
      text,
      metadata: { linkedin: { threadId: `2-ZTk${counter}YzQ=` } },
    },
  });
  expect(response.status).toBe(202);
  return response.body as { eventId: string; workflowId: string };
}

it('hands a ready reply and the conversation link to a person, and records it sent when they confirm', async () => {
  const { eventId } = await post('What does the Pro plan cost?');
  const waiting = await stack.waitForStage(eventId, 'awaiting_human_send', user.key);
  const { reviews } = (await stack.request('GET', '/v1/reviews', { key: user.key })).body;
  const task = reviews.find((r: any) => r.eventId === eventId);
  expect(task).toMatchObject({ kind: 'human_send', reason: 'human_send', actionUrl: `https://www.linkedin.com/messaging/thread/2-ZTk${counter}YzQ=/` });
  expect(task.draft.text).toMatch(/^Hi Erika, thanks for asking about pricing!/);
  expect(waiting.review.id).toBe(task.id);

  // approving is for drafts; a human send is confirmed
  const approve = await stack.request('POST', `/v1/reviews/${task.id}/approve`, { key: user.key, body: {} });
  expect(approve.status).toBe(400);
  expect(approve.body.error.code).toBe('invalid_decision');

  const sent = await stack.request('POST', `/v1/reviews/${task.id}/sent`, { key: user.key, body: {} });
  expect(sent.body).toEqual({ reviewId: task.id, outcome: 'sent' });
  const read = await stack.waitForStage(eventId, 'sent', user.key);
  expect(read.reply).toMatchObject({ status: 'sent', sandbox: false, providerMessageId: expect.stringMatching(/^manual-/) });
  expect((await stack.request('GET', '/v1/outbox', { key: user.key })).body.messages).toEqual([]);
  const again = await stack.request('POST', `/v1/reviews/${task.id}/sent`, { key: user.key, body: {} });
  expect(again.status).toBe(409);
});

it('ends at skipped when the person skips the send', async () => {
  const { eventId } = await post('Can we schedule a demo next week?');
  const waiting = await stack.waitForStage(eventId, 'awaiting_human_send', user.key);
  const skipped = await stack.request('POST', `/v1/reviews/${waiting.review.id}/skip`, { key: user.key, body: { reason: 'called instead' } });
  expect(skipped.body).toMatchObject({ outcome: 'skipped', reason: 'called instead' });
  expect((await stack.waitForStage(eventId, 'skipped', user.key)).stageReason).toBe('called instead');
});

it('withdraws a waiting hand-send task when the lead writes again', async () => {
  counter += 1;
  const contact = { handle: `urn:li:person:again${counter}`, name: 'Erika Mustermann' };
  const first = await stack.request('POST', '/v1/events', {
    key: user.key,
    body: { channel: 'linkedin', externalId: `urn:li:message:again-${Date.now()}`, contact, text: 'What does it cost?' },
  });
  await stack.waitForStage(first.body.eventId, 'awaiting_human_send', user.key);
  await stack.request('POST', '/v1/events', {
    key: user.key,
    body: { channel: 'linkedin', externalId: `urn:li:message:again2-${Date.now()}`, contact, text: 'And is there a discount for 20 seats?' },
  });
  const cancelled = await stack.waitForStage(first.body.eventId, 'cancelled', user.key);
  expect(cancelled.stageReason).toBe('superseded');
  expect(cancelled.review.status).toBe('cancelled');
});

it('refuses "sent" for an ordinary review', async () => {
  await stack.request('PUT', '/v1/settings', { key: user.key, body: { mode: 'assist' } });
  const { eventId } = await post('Hmm.');
  const waiting = await stack.waitForStage(eventId, 'awaiting_review', user.key);
  const sent = await stack.request('POST', `/v1/reviews/${waiting.review.id}/sent`, { key: user.key, body: {} });
  expect(sent.status).toBe(400);
  await stack.request('PUT', '/v1/settings', { key: user.key, body: { mode: 'auto' } });
});
