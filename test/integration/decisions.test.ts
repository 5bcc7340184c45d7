import crypto from 'node:crypto';
import { startStack, type Stack } from '../helpers/stack';
import { startFakeOpenAi, type FakeOpenAi } from '../helpers/fake-openai';
import { authenticatedSender } from '../helpers/mail-auth';
import { waitFor } from '../helpers/wait';

/**
 * Better decisions, through the HTTP API: an experiment names its winner from the evidence and counts opt-outs apart
 * from replies; autonomy is earned per intent and channel from reviewers' decisions; every price and date in an
 * automatic reply is one the user vouches for; the AI-disclosure line goes under automatic replies.
 */

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { AUTOPILOT_ASAP_DELAY_SECONDS: '0', AUTOPILOT_COOLDOWN: '1ms', AUTOPILOT_LIMIT_USER_PER_DAY: '100000' } });
});
afterAll(async () => stack?.close());

let counter = 0;
function whatsapp(text: string, handle = `+49 174 ${5000000 + ++counter}`) {
  return { channel: 'whatsapp', externalId: `wamid.decisions-${crypto.randomUUID()}`, contact: { handle, name: 'Erika Mustermann', timezone: 'Europe/Berlin' }, text };
}

async function inBatches<T, R>(items: T[], size: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(run))));
  return out;
}

const FAST = { mode: 'auto', sendTiming: 'asap', sendingHours: { start: 0, end: 24 }, maxAutoRepliesPerDay: 10_000 };

it('names the variant converting 45 % the winner over one converting 8 %, with its chance to win and expected loss, and counts STOPs as opt-outs', async () => {
  const user = await stack.createUser();
  await stack.put(user, '/v1/settings', FAST);
  const created = await stack.request('POST', '/v1/experiments', {
    key: user.key,
    body: {
      name: 'pricing opener',
      context: 'pricing',
      targetMetric: 'converted',
      minSampleSize: 40,
      minRunningHours: 0,
      variants: [
        { id: 'A', templates: { de: 'Hallo {{firstName}}, gern! Für wie viele Nutzer?' } },
        { id: 'B', templates: { de: 'Hallo {{firstName}}, danke! Die Preise hängen von der Nutzerzahl ab.' } },
      ],
    },
  });
  expect(created.status).toBe(201);
  const experimentId = created.body.id;

  const leads = Array.from({ length: 160 }, () => whatsapp('Hallo, was kostet das Pro-Paket?'));
  const posted = await inBatches(leads, 16, (lead) => stack.postEvent(user, lead));
  const sent = await inBatches(posted, 16, async ({ eventId }) => ({ eventId, read: await stack.waitForStage(eventId, 'sent', user.key) }));
  const byVariant = (id: string) => sent.filter((s) => s.read.reply.variantId === id);
  const a = byVariant('A');
  const b = byVariant('B');
  expect(a.length + b.length).toBe(160);

  // A converts 45 %, B 8 %; three of B's leads answer STOP
  const convert = async (list: typeof a, share: number) =>
    inBatches(list.slice(0, Math.round(list.length * share)), 8, async ({ eventId }) =>
      expect((await stack.request('POST', `/v1/experiments/${experimentId}/conversions`, { key: user.key, body: { eventId } })).status).toBe(201),
    );
  await convert(a, 0.45);
  await convert(b, 0.08);
  const stops = b.slice(-3);
  for (const s of stops) {
    const lead = leads.find((l) => l.externalId === s.read.externalId)!;
    await stack.waitForStage((await stack.postEvent(user, whatsapp('STOP', lead.contact.handle))).eventId, 'opted_out', user.key);
  }

  const experiment = await waitFor(async () => {
    const e = (await stack.request('GET', `/v1/experiments/${experimentId}`, { key: user.key })).body;
    return e.results[1].optedOut === 3 ? e : undefined;
  }, 'the opt-outs to count');
  const [resultA, resultB] = experiment.results;
  expect(resultA).toMatchObject({ variantId: 'A', sent: a.length, converted: Math.round(a.length * 0.45) });
  expect(resultB).toMatchObject({ variantId: 'B', sent: b.length, converted: Math.round(b.length * 0.08), optedOut: 3, replied: 0 });
  expect(resultA.chanceToWin).toBeGreaterThan(0.999);
  expect(resultA.expectedLoss).toBeLessThan(0.0001);
  expect(resultB.lift.upper).toBeLessThan(0); // B is credibly worse than A
  expect(experiment.decision).toMatch(/^winner: /);
  expect(experiment.winner).toMatchObject({ variantId: 'A', decidedAt: expect.any(String) });
  expect(experiment.allocation).toMatchObject({ method: 'winner', weights: [{ variantId: 'A', weight: 1 }, { variantId: 'B', weight: 0 }] });
  expect(experiment.srm.ok).toBe(true);

  // once declared, every reply gets the winner
  const after = await stack.postEvent(user, whatsapp('Was kostet das Basis-Paket?'));
  expect((await stack.waitForStage(after.eventId, 'sent', user.key)).reply.variantId).toBe('A');
});

it('pauses a variant whose opt-outs are credibly higher than the first variant\'s, with the reason', async () => {
  const user = await stack.createUser();
  await stack.put(user, '/v1/settings', FAST);
  const created = await stack.request('POST', '/v1/experiments', {
    key: user.key,
    body: {
      name: 'pushy opener',
      context: 'pricing',
      minSampleSize: 10,
      variants: [
        { id: 'calm', templates: { de: 'Hallo {{firstName}}, gern! Für wie viele Nutzer?' } },
        { id: 'pushy', templates: { de: 'Hallo {{firstName}}, jetzt zuschlagen! Für wie viele Nutzer?' } },
      ],
    },
  });
  const experimentId = created.body.id;
  const leads = Array.from({ length: 40 }, () => whatsapp('Hallo, was kostet das Pro-Paket?'));
  const sent = await inBatches(await inBatches(leads, 10, (lead) => stack.postEvent(user, lead)), 10, async ({ eventId }) => stack.waitForStage(eventId, 'sent', user.key));
  const pushy = sent.filter((s) => s.reply.variantId === 'pushy');
  expect(pushy.length).toBeGreaterThanOrEqual(10);
  // pushy's leads opt out one after another; the guardrail looks after each opt-out
  let stopped = 0;
  for (const s of pushy.slice(0, 8)) {
    const lead = leads.find((l) => l.externalId === s.externalId)!;
    await stack.waitForStage((await stack.postEvent(user, whatsapp('STOP', lead.contact.handle))).eventId, 'opted_out', user.key);
    stopped += 1;
    const e = (await stack.request('GET', `/v1/experiments/${experimentId}`, { key: user.key })).body;
    if (e.results[1].paused) break;
  }
  const experiment = (await stack.request('GET', `/v1/experiments/${experimentId}`, { key: user.key })).body;
  const [calm, paused] = experiment.results;
  expect(paused.paused.reason).toBe(
    `opt-outs: ${stopped} of ${paused.sent} against 0 of ${calm.sent} for calm; ${expect.any(String) && paused.paused.reason.split('; ')[1]}`,
  );
  expect(paused.paused.reason).toMatch(/; (9[5-9]|100)\.\d % likely higher$/);
  expect(paused).toMatchObject({ optedOut: stopped, weight: 0 });
  expect(calm.weight).toBe(1);
  // the next replies all get the calm variant
  const next = await stack.postEvent(user, whatsapp('Was kostet das Basis-Paket?'));
  expect((await stack.waitForStage(next.eventId, 'sent', user.key)).reply.variantId).toBe('calm');
});

describe('autonomy earned per intent and channel', () => {
  it('shows unedited-approval rates with their Wilson bound, and with a learned threshold sends by itself only where it was earned', async () => {
    const user = await stack.createUser();
    await stack.put(user, '/v1/settings', { ...FAST, mode: 'assist' });
    const pricing = await inBatches(
      Array.from({ length: 36 }, () => whatsapp('Hallo, was kostet das Pro-Paket?')),
      12,
      (lead) => stack.postEvent(user, lead),
    );
    const meetings = await inBatches(
      Array.from({ length: 4 }, () => whatsapp('Können wir diese Woche telefonieren?')),
      4,
      (lead) => stack.postEvent(user, lead),
    );
    await inBatches(pricing, 12, async ({ eventId }) => {
      const review = (await stack.waitForStage(eventId, 'awaiting_review', user.key)).review;
      expect((await stack.request('POST', `/v1/reviews/${review.id}/approve`, { key: user.key, body: {} })).body.outcome).toBe('scheduled');
    });
    await inBatches(meetings, 4, async ({ eventId }, ) => {
      const review = (await stack.waitForStage(eventId, 'awaiting_review', user.key)).review;
      await stack.request('POST', `/v1/reviews/${review.id}/approve`, { key: user.key, body: { text: 'Gerne, passt Donnerstag um 10 Uhr?' } });
    });

    const calibration = (await stack.request('GET', '/v1/calibration', { key: user.key })).body;
    const pair = (intent: string) => calibration.pairs.find((p: any) => p.intent === intent && p.channel === 'whatsapp');
    expect(pair('pricing')).toMatchObject({ approvedUnedited: 36, edited: 0, skipped: 0, decisions: 36, rate: 1, autonomous: true });
    expect(pair('pricing').lowerBound).toBeCloseTo(36 / (36 + 1.959964 ** 2), 4);
    expect(pair('meeting_request')).toMatchObject({ approvedUnedited: 0, edited: 4, rate: 0, lowerBound: 0, autonomous: false });

    await stack.put(user, '/v1/settings', { mode: 'auto', confidenceThreshold: 'learned' });
    const earned = await stack.postEvent(user, whatsapp('Was kostet das Pro-Paket für 12 Nutzer?'));
    expect((await stack.waitForStage(earned.eventId, 'sent', user.key)).reply.decidedBy).toBe('autopilot');
    const notEarned = await stack.postEvent(user, whatsapp('Können wir nächste Woche einen Termin machen?'));
    expect((await stack.waitForStage(notEarned.eventId, 'awaiting_review', user.key)).stageReason).toBe('autonomy_not_earned');
  });
});

describe('claims', () => {
  let fake: FakeOpenAi;
  let modelStack: Stack;
  beforeAll(async () => {
    fake = await startFakeOpenAi();
    modelStack = await startStack({
      env: { OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: 'sk-test-key', OPENAI_MODEL: 'test-model', AUTOPILOT_ASAP_DELAY_SECONDS: '0', AUTOPILOT_COOLDOWN: '1ms' },
    });
  });
  afterAll(async () => {
    await modelStack?.close();
    await fake?.close();
  });

  it('holds back an automatic reply stating a price and discount nobody vouched for, and sends it once the facts carry them', async () => {
    const user = await modelStack.createUser();
    expect((await modelStack.request('PUT', '/v1/settings', { key: user.key, body: FAST })).status).toBe(200);
    const written = 'Das Pro-Paket kostet 49 € pro Nutzer, mit 15 % Rabatt im Jahresvertrag.';
    fake.script([{ kind: 'reply', reply: written, confidence: 0.97, detectedAction: 'pricing' }]);
    const first = await modelStack.request('POST', '/v1/events', { key: user.key, body: whatsapp('Was kostet das Pro-Paket?') });
    const waiting = await modelStack.waitForStage(first.body.eventId, 'awaiting_review', user.key);
    expect(waiting.stageReason).toBe('unverified_claim');
    const review = (await modelStack.request('GET', `/v1/reviews/${waiting.review.id}`, { key: user.key })).body;
    const claims = review.draft.gates.find((g: any) => g.gate === 'claims');
    expect(claims).toMatchObject({ passed: false, reason: 'unverified_claim' });
    expect(claims.detail).toMatch(/49/);
    expect(claims.detail).toMatch(/15/);

    expect((await modelStack.request('PUT', '/v1/facts', { key: user.key, body: { facts: ['Pro-Paket: 49,00 EUR pro Nutzer und Monat', 'Jahresvertrag: 15 % Rabatt'] } })).status).toBe(200);
    fake.script([{ kind: 'reply', reply: written, confidence: 0.97, detectedAction: 'pricing' }]);
    const second = await modelStack.request('POST', '/v1/events', { key: user.key, body: whatsapp('Und was kostet das Pro-Paket genau?') });
    expect((await modelStack.waitForStage(second.body.eventId, 'sent', user.key)).reply.text).toBe(written);
  });
});

it('adds the AI-disclosure line to automatic replies on the channels chosen, and nowhere else', async () => {
  const user = await stack.createUser();
  const line = 'Diese Antwort wurde mit KI-Unterstützung verfasst.';
  await stack.put(user, '/v1/settings', { ...FAST, disclosure: { text: line, channels: ['whatsapp'] } });
  const onWhatsapp = await stack.postEvent(user, whatsapp('Was kostet das Pro-Paket?'));
  expect((await stack.waitForStage(onWhatsapp.eventId, 'sent', user.key)).reply.text).toMatch(new RegExp(`\\n\\n${line}$`));
  const address = `disclosure${++counter}@kunde.example.org`;
  const onEmail = await stack.postEvent(user, {
    channel: 'email',
    externalId: `<${crypto.randomUUID()}@kunde.example.org>`,
    contact: { handle: address },
    text: 'Was kostet das Pro-Paket?',
    metadata: authenticatedSender(address),
  });
  const sent = await stack.waitForStage(onEmail.eventId, 'sent', user.key);
  expect(sent.reply.text).not.toContain(line);
});
