import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { findOnPath } from '../../src/temporal/cli';
import { startFakeGraph, type FakeGraph } from '../helpers/fake-graph';
import { startStack, type Stack, type TestUser } from '../helpers/stack';

/**
 * The review workspace in a real (headless) Chromium against the real stack: the queue by what expires first with
 * live countdowns, a contact's thread, the gates, approve with an edit, skip with a reason, the keyboard, bulk
 * approval of one-click replies and the three answers to an uncertain send; and the API routes the page uses.
 *
 * REVIEW_WORKSPACE_SCREENSHOT=docs/review-workspace.png saves a screenshot of the workspace with a realistic queue.
 */

const executablePath = process.env.CHROMIUM_PATH || findOnPath('chromium') || findOnPath('chromium-browser');
const SCREENSHOT = process.env.REVIEW_WORKSPACE_SCREENSHOT;
const SECRET_KEY = 'review-page-secret-key-long-enough-1234';
const HOUR = 3600_000;

let stack: Stack;
let browser: Browser;
let graph: FakeGraph;
let counter = 0;
/** What went wrong inside the pages: script errors and Content-Security-Policy refusals. */
const pageProblems: string[] = [];

beforeAll(async () => {
  if (!executablePath || !fs.existsSync(executablePath)) {
    throw new Error('Chromium is needed for this test: apt-get install chromium (npm run setup does it as root), or set CHROMIUM_PATH');
  }
  graph = await startFakeGraph();
  stack = await startStack({ env: { AUTOPILOT_ASAP_DELAY_SECONDS: '1', AUTOPILOT_SECRET_KEY: SECRET_KEY, WHATSAPP_API_BASE_URL: graph.baseUrl } });
  browser = await chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await graph?.close();
});

afterEach(() => {
  expect(pageProblems.splice(0)).toEqual([]);
});

type Channel = 'email' | 'whatsapp' | 'instagram' | 'linkedin';
interface Lead {
  channel: Channel;
  handle: string;
  name: string;
}

async function reviewer(settings: Record<string, unknown>): Promise<TestUser> {
  const user = await stack.createUser();
  const saved = await stack.request('PUT', '/v1/settings', { key: user.key, body: { sendTiming: 'asap', sendingHours: { start: 0, end: 24 }, ...settings } });
  expect(saved.status).toBe(200);
  return user;
}

/** The lead writes (`ago` before now); resolves once the reply reaches `stage`, with the task it waits in. */
async function inbound(user: TestUser, lead: Lead, text: string, options: { ago?: number; stage?: string } = {}) {
  counter += 1;
  const at = new Date(Date.now() - (options.ago ?? 0));
  const response = await stack.request('POST', '/v1/events', {
    key: user.key,
    body: { channel: lead.channel, externalId: `workspace-${counter}-${crypto.randomUUID()}`, contact: { handle: lead.handle, name: lead.name }, text, timestamp: at.toISOString() },
  });
  expect(response.status).toBe(202);
  const read = await stack.waitForStage(response.body.eventId, options.stage ?? 'awaiting_review', user.key);
  return { eventId: response.body.eventId as string, reviewId: read.review?.id as string, at };
}

async function openWorkspace(user: TestUser): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (err) => pageProblems.push(`page error: ${err.message}`));
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) pageProblems.push(`console: ${message.text()}`);
  });
  await page.goto(`${stack.url}/review`);
  await page.getByLabel('Reviewer key', { exact: true }).fill(user.key);
  await page.click('#save');
  await page.locator('#workspace').waitFor();
  return page;
}

const item = (page: Page, name: string) => page.locator('#queue li', { hasText: name });
const queueNames = (page: Page) => page.locator('#queue li .who').allTextContents();
const selectedName = (page: Page) => page.locator('#queue li[data-selected="true"] .who').textContent();
const toast = (page: Page, text: string | RegExp) => page.locator('#toast', { hasText: text }).waitFor();

describe('a realistic queue', () => {
  let user: TestUser;
  let page: Page;
  const erika: Lead = { channel: 'email', handle: 'erika.muster@example.org', name: 'Erika Muster' };
  const jonas: Lead = { channel: 'whatsapp', handle: '+49 170 5550101', name: 'Jonas Weber' };
  const ali: Lead = { channel: 'whatsapp', handle: '+49 170 5550102', name: 'Ali Kaya' };
  const mia: Lead = { channel: 'instagram', handle: '17841400000000101', name: 'Mia Schmidt' };
  const lena: Lead = { channel: 'email', handle: 'lena.fischer@example.org', name: 'Lena Fischer' };
  const sophie: Lead = { channel: 'linkedin', handle: 'urn:li:person:sophie-braun', name: 'Sophie Braun' };
  const sent: Record<string, { at: Date; reviewId: string }> = {};

  beforeAll(async () => {
    user = await reviewer({ mode: 'assist' });
    // Erika's history: a question that got an (edited) reply, then one that was skipped, then the open one.
    const first = await inbound(user, erika, 'Hello, we are a team of 25. What does the Pro plan cost?');
    const approved = await stack.request('POST', `/v1/reviews/${first.reviewId}/approve`, {
      key: user.key,
      body: { text: 'Hi Erika, the Pro plan is 49 € per seat and month; for 25 seats we can talk about a volume price.' },
    });
    expect(approved.body.outcome).toBe('scheduled');
    await stack.waitForStage(first.eventId, 'sent', user.key);
    const second = await inbound(user, erika, 'Thanks! Does it include single sign-on?');
    await stack.request('POST', `/v1/reviews/${second.reviewId}/skip`, { key: user.key, body: { reason: 'answered on the phone' } });
    await stack.waitForStage(second.eventId, 'skipped', user.key);

    sent.lena = await inbound(user, lena, 'Could you send me an offer for 10 seats, billed yearly?');
    sent.mia = await inbound(user, mia, 'Do you have a discount for start-ups?', { ago: 2 * HOUR });
    sent.erika = await inbound(user, erika, 'Great, can we start a trial next week?');
    sent.sophie = await inbound(user, sophie, 'Interesting post! Would your tool work for a team of recruiters?');
    // WhatsApp takes free-form replies for 24 h after the lead's message: Jonas wrote 23 h 50 min ago, Ali 20 h ago.
    sent.jonas = await inbound(user, jonas, 'Hi, is the Pro plan available in German?', { ago: 23 * HOUR + 50 * 60_000 });
    sent.ali = await inbound(user, ali, 'Hallo, können wir morgen telefonieren?', { ago: 20 * HOUR });
    page = await openWorkspace(user);
  });
  afterAll(async () => page?.close());

  it('lists what expires first first: a closing WhatsApp window before older deadlines', async () => {
    await item(page, 'Sophie Braun').waitFor();
    expect(await queueNames(page)).toEqual(['Jonas Weber', 'Ali Kaya', 'Lena Fischer', 'Mia Schmidt', 'Erika Muster', 'Sophie Braun']);
    expect(await page.locator('#summary').textContent()).toBe('6 waiting');

    const { body } = await stack.request('GET', '/v1/reviews', { key: user.key });
    const byName = new Map<string, any>(body.reviews.map((r: any) => [r.contact.name, r]));
    const jonasTask = byName.get('Jonas Weber');
    expect(jonasTask).toMatchObject({ channel: 'whatsapp', contact: { name: 'Jonas Weber', handle: '491705550101' } });
    expect(Date.parse(jonasTask.windowClosesAt)).toBe(sent.jonas!.at.getTime() + 24 * HOUR);
    expect(jonasTask.expiresAt).toBe(jonasTask.windowClosesAt);
    // a reply a person approves may go out on Instagram for 7 days (HUMAN_AGENT): the 48 h deadline comes first
    const miaTask = byName.get('Mia Schmidt');
    expect(Date.parse(miaTask.windowClosesAt)).toBe(sent.mia!.at.getTime() + 7 * 24 * HOUR);
    expect(miaTask.expiresAt).toBe(miaTask.deadline);
    for (const name of ['Lena Fischer', 'Erika Muster', 'Sophie Braun']) {
      expect(byName.get(name)).toMatchObject({ windowClosesAt: null, expiresAt: byName.get(name).deadline });
    }
  });

  it('counts down to the window and to the deadline every second, the more urgent first', async () => {
    const first = page.locator('#queue li').first();
    const window = first.locator('time.clock.first');
    expect(await window.getAttribute('class')).toContain('window');
    expect(await window.getAttribute('data-urgency')).toBe('urgent');
    expect(await first.locator('time.clock.deadline').getAttribute('class')).not.toContain('first');
    const before = await window.locator('.left').textContent();
    expect(before).toMatch(/^\d{1,2}m \d{2}s$/);
    const deadlineBefore = await first.locator('time.clock.deadline .left').textContent();
    expect(deadlineBefore).toMatch(/^1d 23h \d{2}m \d{2}s$/);
    await page.waitForFunction(
      ([selector, previous]) => document.querySelector(selector)?.textContent !== previous,
      ['#queue li:first-child time.clock.window .left', before] as const,
    );
    await page.waitForFunction(
      ([selector, previous]) => document.querySelector(selector)?.textContent !== previous,
      ['#queue li:first-child time.clock.deadline .left', deadlineBefore] as const,
    );
    // the selected task shows the same clocks
    expect(await page.locator('#task-pane .facts time.clock.window').count()).toBe(1);
  });

  it("shows a contact's thread: the earlier messages and the reply, newest last", async () => {
    await item(page, 'Erika Muster').locator('button.open').click();
    await page.locator('#task-title', { hasText: 'Erika Muster' }).waitFor();
    const messages = page.locator('#thread .message');
    await messages.first().waitFor();
    const thread = await messages.evaluateAll((elements) =>
      elements.map((e) => ({ kind: e.className, text: e.querySelector('.text')?.textContent })),
    );
    expect(thread).toEqual([
      { kind: 'message inbound', text: 'Hello, we are a team of 25. What does the Pro plan cost?' },
      { kind: 'message outbound', text: 'Hi Erika, the Pro plan is 49 € per seat and month; for 25 seats we can talk about a volume price.' },
      { kind: 'message inbound', text: 'Thanks! Does it include single sign-on?' },
      { kind: 'message inbound current', text: 'Great, can we start a trial next week?' },
    ]);
    const gates = await page.locator('#task-pane .gate').evaluateAll((elements) => elements.map((e) => [e.getAttribute('data-gate'), e.classList.contains('passed')]));
    expect(gates).toEqual(expect.arrayContaining([['moderation', true], ['compliance', true]]));

    const api = await stack.request('GET', `/v1/reviews/${sent.erika!.reviewId}/thread?limit=2`, { key: user.key });
    expect(api.status).toBe(200);
    expect(api.body).toMatchObject({ reviewId: sent.erika!.reviewId, channel: 'email', contact: { name: 'Erika Muster' }, earlier: true });
    expect(api.body.messages.map((m: any) => [m.direction, m.current])).toEqual([['inbound', false], ['inbound', true]]);
    const stranger = await stack.createUser();
    expect((await stack.request('GET', `/v1/reviews/${sent.erika!.reviewId}/thread`, { key: stranger.key })).status).toBe(404);

    if (SCREENSHOT) {
      fs.mkdirSync(path.dirname(path.resolve(SCREENSHOT)), { recursive: true });
      await page.locator('#toast').evaluate((e) => (e.textContent = ''));
      await page.screenshot({ path: SCREENSHOT });
    }
  });
});

it('blocks an edit that fails the compliance gate, shows the gate and its reason, then sends the corrected edit', async () => {
  const user = await reviewer({ mode: 'assist' });
  const lead = await inbound(user, { channel: 'email', handle: 'paul.wagner@example.org', name: 'Paul Wagner' }, 'What does the Pro plan cost for 10 people?');
  const page = await openWorkspace(user);
  await page.locator('#task-title', { hasText: 'Paul Wagner' }).waitFor();

  await page.keyboard.press('e');
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('draft-text');
  await page.fill('#draft-text', 'We guarantee you 20 % returns within a year.');
  await page.click('button[data-action="approve"]');
  await toast(page, 'Blocked');
  const compliance = page.locator('#task-pane .gate.failed[data-gate="compliance"]');
  await compliance.waitFor();
  expect(await compliance.locator('.reason').textContent()).toBe('compliance_phrase');
  expect(await compliance.locator('.detail').textContent()).toBe('promised return: "guarantee … returns"');
  expect(await item(page, 'Paul Wagner').locator('.facts').textContent()).toContain('A gate failed: compliance phrase');
  expect(await page.inputValue('#draft-text')).toBe('We guarantee you 20 % returns within a year.');

  await page.fill('#draft-text', 'Hi Paul, the Pro plan is 49 € per seat and month, so 490 € for 10 people.');
  await page.click('button[data-action="approve"]');
  await toast(page, 'Approved');
  const sent = await stack.waitForStage(lead.eventId, 'sent', user.key);
  expect(sent.reply.text).toBe('Hi Paul, the Pro plan is 49 € per seat and month, so 490 € for 10 people.');
  await page.locator('#summary', { hasText: 'Nothing waiting' }).waitFor();
  await page.close();
});

it('moves with j/k and the arrows, approves with a, skips with s and a reason, edits with e, shows the shortcuts with ?', async () => {
  const user = await reviewer({ mode: 'assist' });
  const anna = await inbound(user, { channel: 'email', handle: 'anna@example.org', name: 'Anna Roth' }, 'Can we book a demo on Tuesday?');
  const ben = await inbound(user, { channel: 'email', handle: 'ben@example.org', name: 'Ben Hoffmann' }, 'Hmm.');
  await inbound(user, { channel: 'email', handle: 'clara@example.org', name: 'Clara Neumann' }, 'What does the Pro plan cost?');
  const page = await openWorkspace(user);
  await item(page, 'Clara Neumann').waitFor();
  expect(await selectedName(page)).toBe('Anna Roth');

  await page.keyboard.press('j');
  expect(await selectedName(page)).toBe('Ben Hoffmann');
  await page.keyboard.press('ArrowDown');
  expect(await selectedName(page)).toBe('Clara Neumann');
  await page.keyboard.press('k');
  expect(await selectedName(page)).toBe('Ben Hoffmann');
  await page.locator('#task-title', { hasText: 'Ben Hoffmann' }).waitFor();

  await page.keyboard.press('s');
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('skip-reason');
  await page.keyboard.type('not a real question');
  await page.keyboard.press('Enter');
  await toast(page, 'Ben Hoffmann: Skipped');
  expect((await stack.waitForStage(ben.eventId, 'skipped', user.key)).stageReason).toBe('not a real question');
  // the next task moves into its place
  expect(await selectedName(page)).toBe('Clara Neumann');

  await page.keyboard.press('ArrowUp');
  expect(await selectedName(page)).toBe('Anna Roth');
  const draft = await page.inputValue('#draft-text');
  await page.keyboard.press('a');
  await toast(page, 'Anna Roth: Approved');
  expect((await stack.waitForStage(anna.eventId, 'sent', user.key)).reply.text).toBe(draft);
  expect(await queueNames(page)).toEqual(['Clara Neumann']);

  await page.keyboard.press('?');
  await page.locator('#help[open]', { hasText: 'Keyboard shortcuts' }).waitFor();
  expect(await page.locator('#help').textContent()).toContain('Select a one-click reply for bulk approval');
  await page.keyboard.press('?');
  await page.locator('#help:not([open])').waitFor({ state: 'attached' });
  await page.keyboard.press('e');
  expect(await page.evaluate(() => document.activeElement?.id)).toBe('draft-text');
  await page.close();
});

it('approves two selected one-click replies at once and leaves the one that needs reading', async () => {
  const user = await reviewer({ mode: 'one_click' });
  const omar = await inbound(user, { channel: 'whatsapp', handle: '+49 170 5550201', name: 'Omar Aziz' }, 'Hallo, was kostet das Pro-Paket?');
  const petra = await inbound(user, { channel: 'whatsapp', handle: '+49 170 5550202', name: 'Petra Lang' }, 'Hallo, was kostet das Pro-Paket?');
  const quinn = await inbound(user, { channel: 'whatsapp', handle: '+49 170 5550203', name: 'Quinn Berger' }, 'Hmm.');
  for (const [task, oneClick] of [[omar, true], [petra, true], [quinn, false]] as const) {
    expect((await stack.request('GET', `/v1/reviews/${task.reviewId}`, { key: user.key })).body.oneClick).toBe(oneClick);
  }
  const page = await openWorkspace(user);
  await item(page, 'Quinn Berger').waitFor();
  expect(await item(page, 'Quinn Berger').locator('input.pick').isDisabled()).toBe(true);

  await item(page, 'Omar Aziz').locator('button.open').click();
  await page.keyboard.press('x');
  await item(page, 'Petra Lang').locator('input.pick').click();
  await page.locator('#summary', { hasText: '3 waiting · 2 selected' }).waitFor();
  await page.click('#bulk-approve');
  await toast(page, '2 approved');
  expect(await queueNames(page)).toEqual(['Quinn Berger']);
  await stack.waitForStage(omar.eventId, 'sent', user.key);
  await stack.waitForStage(petra.eventId, 'sent', user.key);
  expect((await stack.request('GET', `/v1/events/${quinn.eventId}`, { key: user.key })).body.stage).toBe('awaiting_review');
  await page.close();
});

it("answers an uncertain send: it arrived, send it again, or leave it, and 'a' does not resend", async () => {
  const user = await reviewer({ mode: 'auto' });
  const connected = await stack.request('PUT', '/v1/channels/whatsapp', { key: user.key, body: { phoneNumberId: '106540352242922', accessToken: 'EAAG-workspace-token' } });
  expect(connected.status).toBe(200);
  graph.script([{ kind: 'drop' }]);
  const question = 'Hallo, was kostet das Pro-Paket?';
  const rita = await inbound(user, { channel: 'whatsapp', handle: '+49 170 5550301', name: 'Rita Vogel' }, question);
  const sven = await inbound(user, { channel: 'whatsapp', handle: '+49 170 5550302', name: 'Sven Krause' }, question);
  const tara = await inbound(user, { channel: 'whatsapp', handle: '+49 170 5550303', name: 'Tara Jung' }, question);
  const page = await openWorkspace(user);
  await item(page, 'Tara Jung').waitFor();
  expect(await item(page, 'Rita Vogel').locator('.facts').textContent()).toContain('Did it arrive?');

  await item(page, 'Rita Vogel').locator('button.open').click();
  await page.locator('#task-title', { hasText: 'Rita Vogel' }).waitFor();
  expect(await page.locator('#draft-text').getAttribute('readonly')).not.toBeNull();
  await page.keyboard.press('a');
  await toast(page, 'cannot be taken back');
  expect((await stack.request('GET', `/v1/events/${rita.eventId}`, { key: user.key })).body.stage).toBe('awaiting_review');
  await page.click('button[data-action="sent"]');
  await toast(page, 'Rita Vogel: Recorded as sent');
  expect((await stack.waitForStage(rita.eventId, 'sent', user.key)).reply.providerMessageId).toMatch(/^confirmed-/);

  graph.script([{ kind: 'ok', wamid: 'wamid.WORKSPACE-RESENT' }]);
  await item(page, 'Sven Krause').locator('button.open').click();
  await page.locator('#task-title', { hasText: 'Sven Krause' }).waitFor();
  await page.getByRole('button', { name: 'Send again' }).click();
  await toast(page, 'Sven Krause: Sending it again');
  expect((await stack.waitForStage(sven.eventId, 'sent', user.key)).reply.providerMessageId).toBe('wamid.WORKSPACE-RESENT');

  await item(page, 'Tara Jung').locator('button.open').click();
  await page.locator('#task-title', { hasText: 'Tara Jung' }).waitFor();
  await page.getByRole('button', { name: 'Leave it…' }).click();
  await page.getByLabel('Why leave it', { exact: true }).fill('the lead has it already');
  await page.locator('#skip-form button[type="submit"]').click();
  await toast(page, 'Tara Jung: Skipped');
  expect((await stack.waitForStage(tara.eventId, 'skipped', user.key)).stageReason).toBe('the lead has it already');
  await page.close();
});

it('asks for the reviewer key again when the key is not valid', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${stack.url}/review`);
  await page.getByLabel('Reviewer key', { exact: true }).fill('ap_wrong');
  await page.click('#save');
  await page.locator('#key-message', { hasText: 'Could not load the queue: the API key is not valid' }).waitFor();
  expect(await page.evaluate(() => localStorage.getItem('autopilot.key'))).toBeNull();
  await page.close();
});

it('serves the page without inline script and its script and styles under content-hashed names', async () => {
  const response = await fetch(`${stack.url}/review`);
  expect(response.status).toBe(200);
  const csp = response.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("style-src 'self'");
  expect(csp).not.toContain('unsafe-inline');
  const html = await response.text();
  expect(html).not.toMatch(/<script>|<style>|\son\w+=/);
  const script = html.match(/src="(\/review\/assets\/app\.[0-9a-f]{16}\.js)"/)?.[1];
  const styles = html.match(/href="(\/review\/assets\/page\.[0-9a-f]{16}\.css)"/)?.[1];
  expect(script && styles).toBeTruthy();
  const js = await fetch(`${stack.url}${script}`);
  expect(js.status).toBe(200);
  expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  expect(js.headers.get('cache-control')).toContain('immutable');
  const bytes = Buffer.from(await js.arrayBuffer());
  expect(script).toContain(crypto.createHash('sha256').update(bytes).digest('hex').slice(0, 16));
  expect((await fetch(`${stack.url}${styles}`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
  const stale = await fetch(`${stack.url}/review/assets/app.0000000000000000.js`);
  expect(stale.status).toBe(404);
  expect(await stale.json()).toMatchObject({ error: { code: 'not_found' } });
});

describe('POST /v1/reviews/approve', () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await reviewer({ mode: 'one_click' });
  });

  it('answers each review on its own: the one-click approved, the others with the reason', async () => {
    const ready = await inbound(user, { channel: 'whatsapp', handle: '+49 170 5550401', name: 'Uwe Brandt' }, 'Hallo, was kostet das Pro-Paket?');
    const vague = await inbound(user, { channel: 'whatsapp', handle: '+49 170 5550402', name: 'Vera Ott' }, 'Hmm.');
    const unknown = crypto.randomUUID();
    const batch = (ids: string[], key?: string) =>
      fetch(`${stack.url}/v1/reviews/approve`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.key}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
        body: JSON.stringify({ reviewIds: ids }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

    const first = await batch([ready.reviewId, vague.reviewId, unknown], 'batch-1');
    expect(first.status).toBe(200);
    expect(first.body.results).toEqual([
      { reviewId: ready.reviewId, outcome: 'scheduled', sendAt: expect.any(String) },
      { reviewId: vague.reviewId, error: { code: 'not_one_click', message: expect.stringContaining('low_confidence') } },
      { reviewId: unknown, error: { code: 'not_found', message: 'review not found' } },
    ]);
    // the same batch again, with its key: the first outcome, not a second decision
    const retried = await batch([ready.reviewId], 'batch-1');
    expect(retried.body.results).toEqual([first.body.results[0]]);
    // without that key the approval is over
    expect((await batch([ready.reviewId], 'batch-2')).body.results[0].error.code).toBe('review_closed');
    await stack.waitForStage(ready.eventId, 'sent', user.key);
    expect((await stack.request('GET', `/v1/events/${vague.eventId}`, { key: user.key })).body.stage).toBe('awaiting_review');
  });

  it('refuses an empty, oversized or repeating list', async () => {
    const id = crypto.randomUUID();
    for (const reviewIds of [[], Array.from({ length: 101 }, () => crypto.randomUUID()), [id, id], ['not-a-uuid']]) {
      const response = await stack.request('POST', '/v1/reviews/approve', { key: user.key, body: { reviewIds } });
      expect(response.status).toBe(400);
      expect(response.body.error).toMatchObject({ code: 'invalid_request', field: expect.stringMatching(/^reviewIds/) });
    }
  });
});
