import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { stripQuotedReply } from '../../src/channels/email-webhook';
import { startStack, type Stack, type TestUser } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

/**
 * Email end to end: a Postmark-format inbound webhook, the workflow, a real SMTP conversation with a local
 * SMTP server, the threading and unsubscribe headers the lead's mail client receives, and the one-click
 * unsubscribe URL itself.
 */

const SECRET_KEY = 'email-test-secret-key-long-enough-12345';
const INBOUND_TOKEN = 'inbound-token-42';

interface Caught {
  envelope: { from: string; to: string[] };
  mail: ParsedMail;
}

let smtp: SMTPServer;
let smtpPort: number;
const caught: Caught[] = [];
/** What the next RCPT TO answers: accept, or an SMTP error code. */
let rcptAnswer: number | undefined;

let stack: Stack;
let user: TestUser;
let counter = 0;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (rcptAnswer) {
        const err = new Error(`${rcptAnswer} refused`) as Error & { responseCode: number };
        err.responseCode = rcptAnswer;
        return callback(err);
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream).then((mail) => {
        caught.push({ envelope: { from: String(session.envelope.mailFrom && session.envelope.mailFrom.address), to: session.envelope.rcptTo.map((r) => r.address) }, mail });
        callback();
      }, callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
  smtpPort = (smtp.server.address() as { port: number }).port;

  stack = await startStack({
    env: {
      AUTOPILOT_SECRET_KEY: SECRET_KEY,
      AUTOPILOT_SANDBOX_FALLBACK: 'false',
      EMAIL_INBOUND_TOKEN: INBOUND_TOKEN,
      AUTOPILOT_ASAP_DELAY_SECONDS: '1',
    },
  });
  // The links in the mail must reach this API: its URL is the public URL.
  user = await stack.createUser();
  const connected = await stack.request('PUT', '/v1/channels/email', {
    key: user.key,
    body: { fromAddress: 'Sales@Example.COM', fromName: 'Acme Sales', smtp: { host: '127.0.0.1', port: smtpPort } },
  });
  expect(connected.status).toBe(200);
  expect(connected.body).toMatchObject({ accountId: 'sales@example.com', connected: true });
  await stack.request('PUT', '/v1/settings', { key: user.key, body: { mode: 'auto', sendTiming: 'asap', sendingHours: { start: 0, end: 24 } } });
});

afterAll(async () => {
  await stack?.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

function postmark(overrides: Record<string, unknown> = {}) {
  counter += 1;
  const messageId = `<CAF${counter}x${Date.now()}@mail.example.org>`;
  return {
    FromName: 'Erika Mustermann',
    From: `erika${counter}@kunde.example.org`,
    FromFull: { Email: `erika${counter}@kunde.example.org`, Name: 'Erika Mustermann', MailboxHash: '' },
    To: 'sales@example.com',
    ToFull: [{ Email: 'sales@example.com', Name: 'Acme Sales', MailboxHash: '' }],
    CcFull: [],
    OriginalRecipient: 'sales@example.com',
    Subject: 'Angebot für 20 Nutzer',
    MessageID: `pm-${counter}-${Date.now()}`,
    Date: new Date().toUTCString(),
    TextBody: 'Hallo, was kostet das Pro-Paket für 20 Nutzer?\n\nAm 20.11.2026 schrieb Acme Sales:\n> Danke für Ihr Interesse',
    HtmlBody: '<p>Hallo, was kostet das Pro-Paket für 20 Nutzer?</p>',
    StrippedTextReply: 'Hallo, was kostet das Pro-Paket für 20 Nutzer?',
    Headers: [
      { Name: 'Message-ID', Value: messageId },
      { Name: 'References', Value: '<first@acme.example.com>' },
    ],
    Attachments: [],
    ...overrides,
  };
}

async function deliver(body: unknown, password = INBOUND_TOKEN) {
  const response = await fetch(`${stack.url}/webhooks/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`postmark:${password}`).toString('base64')}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

it('refuses an inbound delivery without the right credentials and stores nothing', async () => {
  expect((await deliver(postmark(), 'wrong')).status).toBe(401);
  const { rows } = await stack.db.query(`SELECT count(*)::int AS n FROM message_events WHERE user_id = $1`, [user.id]);
  expect(rows[0].n).toBe(0);
});

it('answers a lead by SMTP, threaded under their mail, with a working one-click unsubscribe', async () => {
  const inbound = postmark();
  const delivered = await deliver(inbound);
  expect(delivered).toMatchObject({ status: 200, body: { accepted: 1, duplicates: 0 } });
  expect((await deliver(inbound)).body).toMatchObject({ accepted: 0, duplicates: 1 });

  const read = await stack.waitForStage(delivered.body.eventId, 'sent', user.key);
  expect(read).toMatchObject({ externalId: inbound.Headers[0]!.Value, text: 'Hallo, was kostet das Pro-Paket für 20 Nutzer?' });
  const mail = await waitFor(async () => caught.find((c) => c.envelope.to.includes(inbound.FromFull.Email)), 'the mail at the SMTP server');
  expect(caught.filter((c) => c.envelope.to.includes(inbound.FromFull.Email))).toHaveLength(1);

  const m = mail.mail;
  expect(m.subject).toBe('Re: Angebot für 20 Nutzer');
  expect(m.from?.value).toEqual([{ address: 'sales@example.com', name: 'Acme Sales' }]);
  expect(m.inReplyTo).toBe(inbound.Headers[0]!.Value);
  expect(m.references).toEqual(['<first@acme.example.com>', inbound.Headers[0]!.Value]);
  expect(m.messageId).toBe(read.reply.providerMessageId);
  expect(m.text).toContain('Hallo Erika, danke für Ihre Frage zu den Preisen!');
  expect(m.html).toContain('<p>Hallo Erika, danke für Ihre Frage zu den Preisen!');
  // the raw header lines, as the lead's mail client reads them (RFC 8058)
  const header = (name: string) => m.headerLines.find((h) => h.key === name)?.line.replace(/^[^:]+:\s*/, '').replace(/\r?\n\s+/g, '');
  expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
  const url = header('list-unsubscribe')!.replace(/^<|>$/g, '');
  expect(url).toMatch(/^http:\/\/localhost:\d+\/unsubscribe\/[\w-]+\.[\w-]+$/);

  // The link as a mail client uses it, against this API.
  const path = new URL(url).pathname;
  const look = await fetch(`${stack.url}${path}`);
  expect(look.status).toBe(200);
  expect(await look.text()).toContain('<form method="post">');
  const { rows: before } = await stack.db.query(`SELECT count(*)::int AS n FROM contact_opt_outs WHERE contact_id = $1`, [read.contact.id]);
  expect(before[0].n).toBe(0); // looking does not unsubscribe
  const click = await fetch(`${stack.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });
  expect(click.status).toBe(200);
  const contact = await stack.request('GET', `/v1/contacts/${read.contact.id}`, { key: user.key });
  expect(contact.body.optOuts).toEqual([{ channel: 'email', at: expect.any(String), source: 'unsubscribe_link', detail: 'List-Unsubscribe one-click' }]);

  // and the next message from that contact gets no reply
  const again = await deliver(postmark({ FromFull: inbound.FromFull, From: inbound.From }));
  expect((await stack.waitForStage(again.body.eventId, 'skipped', user.key)).stageReason).toBe('contact_opted_out');
});

it('refuses a forged unsubscribe link', async () => {
  const response = await fetch(`${stack.url}/unsubscribe/eyJmYWtlIjoxfQ.AAAAAAAAAAAAAAAAAAAAAA`, { method: 'POST', body: 'List-Unsubscribe=One-Click' });
  expect(response.status).toBe(404);
});

it('sends a reply the mail server refuses for the recipient to failure, not to retries', async () => {
  rcptAnswer = 550;
  try {
    const delivered = await deliver(postmark());
    const read = await stack.waitForStage(delivered.body.eventId, 'failed', user.key);
    expect(read.stageReason).toBe('send_failed:InvalidRecipient');
  } finally {
    rcptAnswer = undefined;
  }
});

describe('stripQuotedReply', () => {
  it('keeps the new part of a reply', () => {
    expect(stripQuotedReply('Passt Donnerstag?\n\nAm Mo., 23. Nov. 2026 um 10:00 schrieb Acme <a@b.de>:\n> alt')).toBe('Passt Donnerstag?');
    expect(stripQuotedReply('Sounds good.\r\nOn Mon, Nov 23, 2026 at 10:00 AM Acme <a@b.de> wrote:\r\n> old')).toBe('Sounds good.');
    expect(stripQuotedReply('No quote here.')).toBe('No quote here.');
  });
});
