import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { findOnPath } from '../../src/temporal/cli';
import { startStack, type Stack, type TestUser } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

/** The review page in a real (headless) Chromium: a reviewer edits a draft, approves it, and skips another. */

const executablePath = process.env.CHROMIUM_PATH || findOnPath('chromium') || findOnPath('chromium-browser');

let stack: Stack;
let user: TestUser;
let browser: Browser;
let counter = 0;

beforeAll(async () => {
  if (!executablePath || !fs.existsSync(executablePath)) {
    throw new Error('Chromium is needed for this test: apt-get install chromium (npm run setup does it as root), or set CHROMIUM_PATH');
  }
  stack = await startStack({ env: { AUTOPILOT_ASAP_DELAY_SECONDS: '1' } });
  user = await stack.createUser();
  await stack.request('PUT', '/v1/settings', { key: user.key, body: { mode: 'assist', sendTiming: 'asap', sendingHours: { start: 0, end: 24 } } });
  browser = await chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function post(text: string) {
  counter += 1;
  const response = await stack.request('POST', '/v1/events', {
    key: user.key,
    body: { channel: 'email', externalId: `<page-${counter}-${Date.now()}@x.org>`, contact: { handle: `page${counter}@example.org`, name: 'Erika Muster' }, text },
  });
  await stack.waitForStage(response.body.eventId, 'awaiting_review', user.key);
  return response.body.eventId as string;
}

it('lets a reviewer edit and approve one reply and skip another', async () => {
  const priced = await post('What does the Pro plan cost?');
  const vague = await post('Hmm.');

  const page = await browser.newPage();
  await page.goto(`${stack.url}/review`);
  await page.fill('#key', user.key);
  await page.click('#save');
  await page.waitForSelector('article.card >> nth=1');
  expect(await page.locator('#status').textContent()).toBe('2 waiting');

  const first = page.locator('article.card', { hasText: 'What does the Pro plan cost?' });
  await first.locator('textarea').fill('Hi Erika, the Pro plan is 49 € per seat and month.');
  await first.locator('button[data-do=approve]').click();
  await first.locator('.result', { hasText: 'Scheduled for' }).waitFor();

  const second = page.locator('article.card', { hasText: 'Hmm.' });
  await second.locator('input[aria-label="Skip reason"]').fill('not a real question');
  await second.locator('button[data-do=skip]').click();
  await second.locator('.result', { hasText: 'Skipped' }).waitFor();

  const sent = await stack.waitForStage(priced, 'sent', user.key);
  expect(sent.reply.text).toBe('Hi Erika, the Pro plan is 49 € per seat and month.');
  expect((await stack.waitForStage(vague, 'skipped', user.key)).stageReason).toBe('not a real question');

  await page.click('#refresh');
  await waitFor(async () => ((await page.locator('#status').textContent()) === 'Nothing waiting. Nice.' ? true : undefined), 'the empty inbox');
  await page.close();
});

it('shows a clear message for a wrong key', async () => {
  const page = await browser.newPage();
  await page.goto(`${stack.url}/review`);
  await page.fill('#key', 'ap_wrong');
  await page.click('#save');
  await page.locator('#status', { hasText: 'Could not load reviews: the API key is not valid' }).waitFor();
  await page.close();
});
