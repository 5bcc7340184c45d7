import crypto from 'node:crypto';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { createEmailAdapter } from '../../src/channels/email';
import { stripQuotedReply } from '../../src/channels/email-webhook';
import { RateLimitedSendError, type OutgoingReply } from '../../src/channels/types';
import { saveConnection } from '../../src/db/connections';
import { createSecretBox } from '../../src/domain/secrets';
import { unsubscribeKeysFor } from '../../src/domain/unsubscribe';
import { createLogger } from '../../src/logger';
import { freePort } from '../../src/temporal/dev-server';
import { outcomeOf } from '../helpers/send-outcome';
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
/**
 * What the server does, in order, at the next RCPT TO commands and at the next ends of data (then it accepts):
 * answer with an SMTP error code, or close the connection without a reply.
 */
type ServerAnswer = number | 'drop';
let rcptAnswers: ServerAnswer[] = [];
let dataAnswers: ServerAnswer[] = [];
/** The recipients of every message whose data arrived in full (end-of-data mark included), taken or not. */
const dataReceived: string[][] = [];
const dataFor = (address: string) => dataReceived.filter((to) => to.includes(address)).length;

function smtpError(code: number): Error {
  return Object.assign(new Error(`refused with ${code}`), { responseCode: code });
}

/** Closes the session's connection without a reply, as a server that crashed or was cut off. */
function dropSession(session: { id: string }) {
  for (const connection of smtp.connections) if (connection.id === session.id) connection._socket.destroy();
}

let stack: Stack;
let user: TestUser;
let counter = 0;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'wrong') return callback(new Error('Invalid username or password'));
      callback(null, { user: auth.username });
    },
    onRcptTo(_address, session, callback) {
      const answer = rcptAnswers.shift();
      if (answer === 'drop') return dropSession(session);
      if (answer) return callback(smtpError(answer));
      callback();
    },
    onData(stream, session, callback) {
      const answer = dataAnswers.shift();
      simpleParser(stream).then((mail) => {
        const to = session.envelope.rcptTo.map((r) => r.address);
        dataReceived.push(to);
        if (answer === 'drop') return dropSession(session);
        if (answer) return callback(smtpError(answer));
        caught.push({ envelope: { from: String(session.envelope.mailFrom && session.envelope.mailFrom.address), to }, mail });
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
    // The production email adapter, with the wait after a "come back later" reply (421/450/451; SMTP has no
    // Retry-After) cut from 60 s to 1 s, so a deferred send is seen retried within the test's deadline.
    deps: (base) => ({ channels: new Map(base.channels).set('email', emailAdapter(base.db, 1000)) }),
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

function emailAdapter(db: Stack['db'], deferralRetryMs?: number) {
  return createEmailAdapter({
    db,
    logger: createLogger('silent'),
    secrets: createSecretBox(SECRET_KEY),
    publicUrl: 'http://localhost:3000',
    // the keys the worker signs with when AUTOPILOT_UNSUBSCRIBE_KEYS is unset
    unsubscribeKeys: unsubscribeKeysFor([SECRET_KEY], undefined).signing,
    ...(deferralRetryMs ? { deferralRetryMs } : {}),
  });
}

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
      // what the inbound provider found checking the sender (RFC 8601)
      {
        Name: 'Authentication-Results',
        Value: `mx.postmarkapp.com; spf=pass (sender authorized) smtp.mailfrom=erika${counter}@kunde.example.org; dkim=pass header.d=kunde.example.org; dmarc=pass header.from=kunde.example.org`,
      },
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
  // <key id>.<payload>.<mac>: the link names the key that signed it
  expect(url).toMatch(/^http:\/\/localhost:\d+\/unsubscribe\/[0-9a-f]{8}\.[\w-]+\.[\w-]+$/);

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
  expect(contact.body.optOuts).toEqual([
    { contactId: read.contact.id, channel: 'email', at: expect.any(String), source: 'unsubscribe_link', detail: 'List-Unsubscribe one-click', inherited: false },
  ]);

  // and the next message from that contact gets no reply
  const again = await deliver(postmark({ FromFull: inbound.FromFull, From: inbound.From }));
  expect((await stack.waitForStage(again.body.eventId, 'skipped', user.key)).stageReason).toBe('contact_opted_out');
});

it('refuses a forged unsubscribe link', async () => {
  for (const token of ['eyJmYWtlIjoxfQ.AAAAAAAAAAAAAAAAAAAAAA', '0123abcd.eyJmYWtlIjoxfQ.AAAAAAAAAAAAAAAAAAAAAA']) {
    const response = await fetch(`${stack.url}/unsubscribe/${token}`, { method: 'POST', body: 'List-Unsubscribe=One-Click' });
    expect(response.status).toBe(404);
  }
});

it('sends a reply the mail server refuses for the recipient to failure, not to retries', async () => {
  rcptAnswers = [550];
  try {
    const delivered = await deliver(postmark());
    const read = await stack.waitForStage(delivered.body.eventId, 'failed', user.key);
    expect(read.stageReason).toBe('send_failed:InvalidRecipient');
  } finally {
    rcptAnswers = [];
  }
});

describe('a send whose outcome the mail server leaves open', () => {

  it('goes to review as send_uncertain when the server takes the whole message and drops the connection before its reply, after exactly one DATA', async () => {
    dataAnswers = ['drop'];
    const inbound = postmark();
    const delivered = await deliver(inbound);
    const read = await stack.waitForStage(delivered.body.eventId, 'awaiting_review', user.key);
    expect(read.stageReason).toBe('send_uncertain');
    expect(dataFor(inbound.FromFull.Email)).toBe(1);
    expect(caught.filter((c) => c.envelope.to.includes(inbound.FromFull.Email))).toHaveLength(0);
    expect(await stack.sendJob(delivered.body.eventId)).toMatchObject({ attempts: 1, last_error: expect.stringMatching(/may have the mail/) });
  });

  it('retries a send the server deferred with 451 before the data, and then sends it once', async () => {
    rcptAnswers = [451];
    const inbound = postmark();
    const delivered = await deliver(inbound);
    await stack.waitForStage(delivered.body.eventId, 'sent', user.key);
    expect(dataFor(inbound.FromFull.Email)).toBe(1);
    expect(caught.filter((c) => c.envelope.to.includes(inbound.FromFull.Email))).toHaveLength(1);
    expect((await stack.sendJob(delivered.body.eventId))!.attempts).toBe(2);
  });

  it('retries a send whose connection was refused, and sends it once the server is reachable', async () => {
    const connect = (port: number) =>
      stack.request('PUT', '/v1/channels/email', { key: user.key, body: { fromAddress: 'sales@example.com', fromName: 'Acme Sales', smtp: { host: '127.0.0.1', port } } });
    expect((await connect(await freePort())).status).toBe(200);
    const inbound = postmark();
    let eventId: string;
    try {
      eventId = (await deliver(inbound)).body.eventId;
      const refused = await stack.waitForSendError(eventId);
      expect(refused.last_error).toMatch(/ECONNREFUSED/);
    } finally {
      expect((await connect(smtpPort)).status).toBe(200);
    }
    await stack.waitForStage(eventId, 'sent', user.key);
    expect(caught.filter((c) => c.envelope.to.includes(inbound.FromFull.Email))).toHaveLength(1);
  });
});

describe('the email adapter reads the mail server', () => {
  let other: TestUser;
  let n = 0;
  const box = createSecretBox(SECRET_KEY);
  const connect = (port: number, login?: { user: string; pass: string }) =>
    saveConnection(stack.db, box, {
      userId: other.id,
      channel: 'email',
      accountId: 'replies@example.com',
      credentials: login ?? {},
      settings: { host: '127.0.0.1', port, secure: false },
    });
  /** Sends one reply to a fresh address; returns the address and what the send ended in. */
  async function send(adapter = emailAdapter(stack.db)) {
    n += 1;
    const recipient = `lead-${n}-${Date.now()}@kunde.example.org`;
    const reply: OutgoingReply = {
      jobId: crypto.randomUUID(),
      userId: other.id,
      contactId: crypto.randomUUID(),
      channel: 'email',
      recipient,
      text: 'Hallo, gerne! Für wie viele Nutzer?',
      inReplyTo: { externalId: '<CAF1@mail.example.org>', metadata: {} },
      humanApproved: false,
    };
    return { recipient, outcome: await outcomeOf(adapter.send(reply, adapter.prepare(reply))) };
  }

  beforeAll(async () => {
    other = await stack.createUser();
  });
  beforeEach(async () => {
    rcptAnswers = [];
    dataAnswers = [];
    await connect(smtpPort);
  });

  it.each([
    [421, 'rate_limited'],
    [450, 'rate_limited'],
    [451, 'rate_limited'],
    [452, 'retry_not_sent'],
    [550, 'invalid_recipient'],
    [551, 'invalid_recipient'],
    [553, 'invalid_recipient'],
    [552, 'rejected'],
    [554, 'rejected'],
  ])('reads %i at RCPT TO, before any data, as %s', async (code, expected) => {
    rcptAnswers = [code];
    const { recipient, outcome } = await send();
    expect(outcome).toBe(expected);
    expect(dataFor(recipient)).toBe(0);
  });

  it.each([
    [421, 'rate_limited'],
    [451, 'rate_limited'],
    [452, 'retry_not_sent'],
    [550, 'invalid_recipient'],
    [554, 'rejected'],
  ])('reads %i answering the end of the data as %s: the server said it did not take the mail', async (code, expected) => {
    dataAnswers = [code];
    const { recipient, outcome } = await send();
    expect(outcome).toBe(expected);
    expect(dataFor(recipient)).toBe(1);
  });

  it('waits a minute by default after a deferral (SMTP has no Retry-After)', async () => {
    rcptAnswers = [451];
    const adapter = emailAdapter(stack.db);
    const reply: OutgoingReply = {
      jobId: crypto.randomUUID(),
      userId: other.id,
      contactId: crypto.randomUUID(),
      channel: 'email',
      recipient: 'lead-deferred@kunde.example.org',
      text: 'Hallo!',
      inReplyTo: { externalId: '<CAF2@mail.example.org>', metadata: {} },
      humanApproved: false,
    };
    const error = await adapter.send(reply, adapter.prepare(reply)).catch((e) => e);
    expect(error).toBeInstanceOf(RateLimitedSendError);
    expect((error as RateLimitedSendError).retryAfterMs).toBe(60_000);
  });

  it('reads a connection lost after the whole message, before the reply to its end, as unknown (one DATA received)', async () => {
    dataAnswers = ['drop'];
    const { recipient, outcome } = await send();
    expect(outcome).toBe('unknown');
    expect(dataFor(recipient)).toBe(1);
  });

  it('reads a connection lost at RCPT TO, before any data, as not sent', async () => {
    rcptAnswers = ['drop'];
    const { recipient, outcome } = await send();
    expect(outcome).toBe('retry_not_sent');
    expect(dataFor(recipient)).toBe(0);
  });

  it('reads a refused connection as not sent', async () => {
    await connect(await freePort());
    expect((await send()).outcome).toBe('retry_not_sent');
  });

  it('reads a refused login (535) as a broken connection', async () => {
    await connect(smtpPort, { user: 'wrong', pass: 'secret' });
    const { recipient, outcome } = await send();
    expect(outcome).toBe('connection_broken');
    expect(dataFor(recipient)).toBe(0);
  });

  it('sends through a server that takes the login and the mail', async () => {
    await connect(smtpPort, { user: 'sales', pass: 'secret' });
    const { recipient, outcome } = await send();
    expect(outcome).toBe('sent');
    expect(caught.filter((c) => c.envelope.to.includes(recipient))).toHaveLength(1);
  });
});

describe('stripQuotedReply', () => {
  it('keeps the new part of a reply', () => {
    expect(stripQuotedReply('Passt Donnerstag?\n\nAm Mo., 23. Nov. 2026 um 10:00 schrieb Acme <a@b.de>:\n> alt')).toBe('Passt Donnerstag?');
    expect(stripQuotedReply('Sounds good.\r\nOn Mon, Nov 23, 2026 at 10:00 AM Acme <a@b.de> wrote:\r\n> old')).toBe('Sounds good.');
    expect(stripQuotedReply('No quote here.')).toBe('No quote here.');
  });
});

describe('an inbound mail the autopilot must not answer by itself', () => {
  it('waits for a person when the sender failed authentication (no aligned SPF, DKIM or DMARC pass)', async () => {
    const inbound = postmark();
    inbound.Headers = [
      inbound.Headers[0]!,
      { Name: 'Authentication-Results', Value: 'mx.postmarkapp.com; spf=softfail smtp.mailfrom=bounce@elsewhere.example; dkim=none; dmarc=fail header.from=kunde.example.org' },
    ];
    const delivered = await deliver(inbound);
    const read = await stack.waitForStage(delivered.body.eventId, 'awaiting_review', user.key);
    expect(read.stageReason).toBe('sender_unverified');
    expect(read.metadata.email.senderAuthentication).toMatchObject({ verified: false });
    expect(caught.filter((c) => c.envelope.to.includes(inbound.FromFull.Email))).toHaveLength(0);
  });

  it('runs the gates on the subject line the reply repeats', async () => {
    const inbound = postmark({ Subject: 'Garantierte Rendite von 12 % im Jahr?' });
    const delivered = await deliver(inbound);
    const read = await stack.waitForStage(delivered.body.eventId, 'awaiting_review', user.key);
    expect(read.stageReason).toBe('gate_failed:compliance_phrase');
    const review = (await stack.request('GET', `/v1/reviews/${read.review.id}`, { key: user.key })).body;
    expect(review.draft.gates.find((g: any) => !g.passed).detail).toMatch(/^subject: /);
  });

  it('reads an opt-out in the subject line', async () => {
    const inbound = postmark({ Subject: 'Abmelden', StrippedTextReply: 'Danke.', TextBody: 'Danke.' });
    const delivered = await deliver(inbound);
    const read = await stack.waitForStage(delivered.body.eventId, 'opted_out', user.key);
    expect(read.stageReason).toBe('opt_out_command');
  });
});
