/**
 * The scenarios scripts/record-histories.ts records: one per path of the reply pipeline, each driven through the
 * HTTP API as a client would (test/integration/replay.test.ts lists their names and checks each has a history).
 */
import crypto from 'node:crypto';
import type { Stage } from '../src/domain/stages';
import { signMetaPayload } from '../src/domain/webhook-signature';
import type { FakeGraph } from '../test/helpers/fake-graph';
import type { FakeOpenAi } from '../test/helpers/fake-openai';
import { whatsAppWebhook } from '../test/helpers/whatsapp-webhook';

/** How long one step of a scenario may take (a stage reached, a workflow closed) before the scenario fails. */
export const STEP_DEADLINE_MS = 60_000;

export interface Scenario {
  name: string;
  /** The path through the pipeline, in words. */
  path: string;
  /** Where the workflow must end: its final stage, and its reason when given. */
  ends: { stage: Stage; reason?: string | RegExp };
  /** Configuration beyond the recorder's defaults (environment variables, as an operator sets them). */
  env?: Record<string, string>;
  /** A local WhatsApp Cloud API (the user's WhatsApp is then connected to it) or chat-completions server. */
  needs?: { whatsapp?: boolean; model?: boolean };
  /** What the history must show besides its end (a durable timer, a signal), as a complaint when it does not. */
  shows?: (steps: string[]) => string | undefined;
  /** Drives the scenario; returns the message whose workflow is recorded. */
  run(r: ScenarioRun): Promise<Message>;
}

export interface Message {
  eventId: string;
  workflowId: string;
  contact: Contact;
}

export interface Contact {
  handle: string;
  name: string;
}

/** Sending around the clock, as soon as allowed: nothing waits for the wall clock. */
const AROUND_THE_CLOCK = { sendTiming: 'asap', sendingHours: { start: 0, end: 24 } };
/** A send far enough ahead that the scenario acts while the reply is scheduled. */
const HELD_SCHEDULED = { AUTOPILOT_ASAP_DELAY_SECONDS: '600' };
const REVIEW_EXPIRES_SOON = { AUTOPILOT_REVIEW_TTL: '5s' };

const showsStep = (pattern: RegExp, what: string) => (steps: string[]) =>
  steps.some((s) => pattern.test(s)) ? undefined : `the history has no ${what}`;

export const SCENARIOS: Scenario[] = [
  {
    name: 'auto-sent',
    path: 'auto mode, asap without delay: drafted, gated, planned and sent without a person',
    ends: { stage: 'sent' },
    shows: (steps) => (steps.some((s) => s.startsWith('timer')) ? 'a timer ran, but the send was due at once' : undefined),
    async run(r) {
      await r.settings({ mode: 'auto' });
      return r.post('Hallo, was kostet das Pro-Paket?');
    },
  },
  {
    name: 'auto-sent-after-wait',
    path: 'auto mode, asap with a delay of a few seconds: the durable wait until the send time, then the send',
    ends: { stage: 'sent' },
    env: { AUTOPILOT_ASAP_DELAY_SECONDS: '3' },
    shows: showsStep(/^timer .* fired$/, 'fired timer (the wait for the send time)'),
    async run(r) {
      await r.settings({ mode: 'auto' });
      const message = await r.post('Hallo, was kostet das Pro-Paket?');
      await r.reaches(message, 'scheduled');
      return message;
    },
  },
  {
    name: 'one-click-approved',
    path: 'one_click mode: the reply is planned, a person approves it with one click, it is sent',
    ends: { stage: 'sent' },
    async run(r) {
      await r.settings({ mode: 'one_click' });
      const message = await r.post('Hallo, was kostet das Pro-Paket?');
      const review = await r.review(message, 'one_click_mode');
      await r.decide(review, 'approve', {}, 'scheduled');
      return message;
    },
  },
  {
    name: 'approved-with-edit',
    path: 'assist mode: a person edits the draft, the edit passes the gates, it is sent',
    ends: { stage: 'sent' },
    async run(r) {
      await r.settings({ mode: 'assist' });
      const message = await r.post('Können wir diese Woche telefonieren?');
      const review = await r.review(message, 'assist_mode');
      await r.decide(review, 'approve', { text: 'Gerne, passt Ihnen Donnerstag um 10 Uhr?' }, 'scheduled');
      return message;
    },
  },
  {
    name: 'blocked-edit',
    path: 'assist mode: an edit fails the compliance gate (blocked, a second review round), the reviewer then skips',
    ends: { stage: 'skipped', reason: 'nicht senden' },
    async run(r) {
      await r.settings({ mode: 'assist' });
      const message = await r.post('Hallo, was kostet das Pro-Paket?');
      const first = await r.review(message, 'assist_mode');
      await r.decide(first, 'approve', { text: 'Eine risikofreie Investition mit garantierter Rendite!' }, 'blocked');
      const second = await r.review(message, 'gate_failed:compliance_phrase', first);
      await r.decide(second, 'skip', { reason: 'nicht senden' }, 'skipped');
      return message;
    },
  },
  {
    name: 'expired-review',
    path: 'assist mode: nobody decides before the review expires',
    ends: { stage: 'skipped', reason: 'review_expired' },
    env: REVIEW_EXPIRES_SOON,
    async run(r) {
      await r.settings({ mode: 'assist' });
      const message = await r.post('Hallo, was kostet das Pro-Paket?');
      await r.review(message, 'assist_mode');
      return message;
    },
  },
  {
    name: 'skipped',
    path: 'assist mode: a person skips the reply',
    ends: { stage: 'skipped', reason: 'called instead' },
    async run(r) {
      await r.settings({ mode: 'assist' });
      const message = await r.post('Hmm.');
      const review = await r.review(message);
      await r.decide(review, 'skip', { reason: 'called instead' }, 'skipped');
      return message;
    },
  },
  {
    name: 'human-send',
    path: 'LinkedIn forbids automated messages: a person sends the ready reply and confirms it',
    ends: { stage: 'sent' },
    async run(r) {
      await r.settings({ mode: 'auto' });
      const message = await r.post('What does the Pro plan cost?', {
        channel: 'linkedin',
        contact: { handle: `urn:li:person:lead-${r.name}`, name: 'Erika Muster' },
        metadata: { linkedin: { threadId: '2-ZTkyYzQ=' } },
      });
      await r.decide(await r.humanSendTask(message), 'sent', {}, 'sent');
      return message;
    },
  },
  {
    name: 'send-failure-back-to-review',
    path: 'auto mode, WhatsApp answers 401 with Graph error 190 (token expired): back to review as connection_broken, then skipped',
    ends: { stage: 'skipped', reason: 'reconnect first' },
    needs: { whatsapp: true },
    async run(r) {
      await r.settings({ mode: 'auto' });
      r.graph().script([{ kind: 'error', status: 401, code: 190, message: 'Error validating access token: Session has expired' }]);
      const message = await r.post('Hallo, was kostet das Pro-Paket?');
      const review = await r.review(message, 'connection_broken');
      await r.decide(review, 'skip', { reason: 'reconnect first' }, 'skipped');
      return message;
    },
  },
  {
    name: 'send-uncertain-confirmed',
    path: 'auto mode, WhatsApp drops the connection after reading the request: send_uncertain, a person confirms it arrived',
    ends: { stage: 'sent' },
    needs: { whatsapp: true },
    async run(r) {
      await r.settings({ mode: 'auto' });
      r.graph().script([{ kind: 'drop' }]);
      const message = await r.post('Hallo, was kostet das Pro-Paket?');
      const review = await r.review(message, 'send_uncertain');
      await r.decide(review, 'sent', {}, 'sent');
      return message;
    },
  },
  {
    name: 'send-uncertain-confirmed-by-platform',
    path: 'auto mode, the connection drops (send_uncertain); a WhatsApp status webhook naming the job settles it as sent',
    ends: { stage: 'sent' },
    needs: { whatsapp: true },
    shows: showsStep(/^signal sendConfirmed$/, 'sendConfirmed signal'),
    async run(r) {
      await r.settings({ mode: 'auto' });
      r.graph().script([{ kind: 'drop' }]);
      const message = await r.post('Hallo, was kostet das Pro-Paket?');
      await r.review(message, 'send_uncertain');
      // The Cloud API hands back the biz_opaque_callback_data the send carried (the job id) in the message's statuses.
      const jobId = r.graph().requests[0]?.body?.biz_opaque_callback_data;
      if (typeof jobId !== 'string') throw new ScenarioMismatch('the send carried no job id in biz_opaque_callback_data');
      await r.whatsAppStatus({ wamid: `wamid.recorded-${r.name}`, status: 'sent', jobId });
      return message;
    },
  },
  {
    name: 'send-uncertain-resent',
    path: 'auto mode, the connection drops (send_uncertain); a person has it sent again, and it goes out',
    ends: { stage: 'sent' },
    needs: { whatsapp: true },
    async run(r) {
      await r.settings({ mode: 'auto' });
      r.graph().script([{ kind: 'drop' }, { kind: 'ok' }]);
      const message = await r.post('Hallo, was kostet das Pro-Paket?');
      const review = await r.review(message, 'send_uncertain');
      await r.decide(review, 'approve', {}, 'resending');
      return message;
    },
  },
  {
    name: 'model-error',
    path: 'the model refuses: an empty draft goes to review (model_error), a person skips',
    ends: { stage: 'skipped', reason: 'no answer' },
    needs: { model: true },
    async run(r) {
      await r.settings({ mode: 'auto' });
      r.model().script([{ kind: 'refusal', message: 'I cannot help with that.' }]);
      const message = await r.post('Hallo, was kostet das Pro-Paket?');
      const review = await r.review(message, 'model_error:refusal');
      await r.decide(review, 'skip', { reason: 'no answer' }, 'skipped');
      return message;
    },
  },
  {
    name: 'empty-reply-blocked',
    path: 'the model refuses (model_error); approving the empty draft is blocked (empty_reply); the written reply is approved and sent',
    ends: { stage: 'sent' },
    needs: { model: true },
    async run(r) {
      await r.settings({ mode: 'auto' });
      r.model().script([{ kind: 'refusal', message: 'I cannot help with that.' }]);
      const message = await r.post('Hallo, was kostet das Pro-Paket?');
      const first = await r.review(message, 'model_error:refusal');
      await r.decide(first, 'approve', {}, 'blocked');
      const second = await r.review(message, 'empty_reply', first);
      await r.decide(second, 'approve', { text: 'Hallo Erika, gerne schicke ich Ihnen unsere Preisliste.' }, 'scheduled');
      return message;
    },
  },
  {
    name: 'model-output-problem',
    path: 'the model answers usable text with a label outside the schema: a person reads it (model_output_problem) and approves it',
    ends: { stage: 'sent' },
    needs: { model: true },
    async run(r) {
      await r.settings({ mode: 'auto' });
      r.model().script([{ kind: 'reply', reply: 'Gerne schicke ich Ihnen unsere Preisliste.', confidence: 0.95, detectedAction: 'price_haggling' }]);
      const message = await r.post('Hallo, was kostet das Pro-Paket?');
      const review = await r.review(message, 'model_output_problem:detected_action_unknown');
      await r.decide(review, 'approve', {}, 'scheduled');
      return message;
    },
  },
  {
    name: 'opted-out',
    path: 'the lead writes STOP: the opt-out is recorded and nothing is drafted',
    ends: { stage: 'opted_out' },
    async run(r) {
      await r.settings({ mode: 'auto' });
      return r.post('STOP');
    },
  },
  {
    name: 'opted-out-earlier',
    path: 'a lead who opted out earlier writes again: drafted, then stopped by the opt-out gate (contact_opted_out)',
    ends: { stage: 'skipped', reason: 'contact_opted_out' },
    async run(r) {
      await r.settings({ mode: 'auto' });
      const contact = r.contact();
      const stop = await r.post('STOP', { contact });
      await r.reaches(stop, 'opted_out');
      return r.post('Was kostet das Pro-Paket eigentlich?', { contact });
    },
  },
  {
    name: 'opted-out-while-scheduled',
    path: 'auto mode, the reply is scheduled; the lead then writes STOP and the waiting reply is withdrawn',
    ends: { stage: 'cancelled', reason: 'contact_opted_out' },
    env: HELD_SCHEDULED,
    async run(r) {
      await r.settings({ mode: 'auto' });
      const message = await r.post('Hallo, was kostet das Pro-Paket?');
      await r.reaches(message, 'scheduled');
      await r.post('STOP', { contact: message.contact });
      return message;
    },
  },
  {
    name: 'superseded',
    path: 'assist mode: a newer message from the same lead withdraws the reply waiting for review',
    ends: { stage: 'cancelled', reason: 'superseded' },
    async run(r) {
      await r.settings({ mode: 'assist' });
      const older = await r.post('Was kostet das?');
      await r.review(older, 'assist_mode');
      const newer = await r.post('Und gibt es Rabatt?', { contact: older.contact });
      await r.reaches(older, 'cancelled', 'superseded');
      await r.decide(await r.review(newer, 'assist_mode'), 'skip', {}, 'skipped');
      return older;
    },
  },
  {
    name: 'superseded-on-arrival',
    path: 'a message reaches its workflow after a newer one from the same lead: it ends at once, nothing drafted',
    ends: { stage: 'cancelled', reason: 'superseded' },
    async run(r) {
      await r.settings({ mode: 'assist' });
      const contact = r.contact();
      const newer = await r.post('Und gibt es Rabatt?', { contact });
      const review = await r.review(newer, 'assist_mode');
      // Delivered late (a webhook retried after a later message got through): it was written a minute earlier.
      const older = await r.post('Was kostet das?', { contact, timestamp: new Date(Date.now() - 60_000).toISOString() });
      await r.reaches(older, 'cancelled', 'superseded');
      await r.decide(review, 'skip', {}, 'skipped');
      return older;
    },
  },
  {
    name: 'cancelled',
    path: 'auto mode, the reply is scheduled; the owner stops it (POST /v1/events/:id/cancel)',
    ends: { stage: 'cancelled', reason: 'lead called in' },
    env: HELD_SCHEDULED,
    shows: showsStep(/^update cancelReply$/, 'cancelReply update'),
    async run(r) {
      await r.settings({ mode: 'auto' });
      const message = await r.post('Hallo, was kostet das Pro-Paket?');
      await r.reaches(message, 'scheduled');
      await r.cancel(message, 'lead called in');
      return message;
    },
  },
  {
    name: 'cancelled-in-review',
    path: 'assist mode, the reply waits for review; the owner stops it (POST /v1/events/:id/cancel)',
    ends: { stage: 'cancelled', reason: 'lead called in' },
    async run(r) {
      await r.settings({ mode: 'assist' });
      const message = await r.post('Hallo, was kostet das Pro-Paket?');
      await r.review(message, 'assist_mode');
      await r.cancel(message, 'lead called in');
      return message;
    },
  },
  {
    name: 'paused',
    path: 'auto mode, the reply is scheduled; the owner turns the autopilot off (PUT /v1/settings isActive false)',
    ends: { stage: 'cancelled', reason: 'autopilot_paused' },
    env: HELD_SCHEDULED,
    shows: showsStep(/^signal controlsChanged$/, 'controlsChanged signal'),
    async run(r) {
      await r.settings({ mode: 'auto' });
      const message = await r.post('Hallo, was kostet das Pro-Paket?');
      await r.reaches(message, 'scheduled');
      await r.settings({ isActive: false });
      return message;
    },
  },
  {
    name: 'paused-in-review',
    path: 'assist mode, the reply waits for review; the owner turns the autopilot off',
    ends: { stage: 'cancelled', reason: 'autopilot_paused' },
    shows: showsStep(/^signal controlsChanged$/, 'controlsChanged signal'),
    async run(r) {
      await r.settings({ mode: 'assist' });
      const message = await r.post('Hallo, was kostet das Pro-Paket?');
      await r.review(message, 'assist_mode');
      await r.settings({ isActive: false });
      return message;
    },
  },
  {
    name: 'controls-changed-still-sent',
    path: 'auto mode, the reply is scheduled; the owner switches another channel off: the reply re-checks, waits on and is sent',
    ends: { stage: 'sent' },
    // Long enough for the change to reach the waiting reply before its send time; the history check says if it did not.
    env: { AUTOPILOT_ASAP_DELAY_SECONDS: '10' },
    shows: showsStep(/^signal controlsChanged$/, 'controlsChanged signal during the wait'),
    async run(r) {
      await r.settings({ mode: 'auto' });
      const message = await r.post('Hallo, was kostet das Pro-Paket?');
      await r.reaches(message, 'scheduled');
      await r.settings({ channels: ['whatsapp', 'linkedin', 'instagram'] });
      return message;
    },
  },
  {
    name: 'daily-auto-limit',
    path: "auto mode with a daily cap of 0: the day's automatic allowance is used up, a person approves with one click",
    ends: { stage: 'sent' },
    async run(r) {
      await r.settings({ mode: 'auto', maxAutoRepliesPerDay: 0 });
      const message = await r.post('Hallo, was kostet das Pro-Paket?');
      const review = await r.review(message, 'daily_auto_limit');
      await r.decide(review, 'approve', {}, 'scheduled');
      return message;
    },
  },
  {
    name: 'channel-not-enabled',
    path: 'the autopilot is off for this channel: skipped when the message is recorded',
    ends: { stage: 'skipped', reason: 'channel_not_enabled' },
    async run(r) {
      await r.settings({ mode: 'auto', channels: ['email'] });
      await r.controlsSettled();
      return r.post('Hallo, was kostet das Pro-Paket?');
    },
  },
  {
    name: 'approved-outside-window',
    path: "WhatsApp's 24-hour window has closed: the reply goes to review (outside_window); approved, it still cannot be planned and is skipped",
    ends: { stage: 'skipped', reason: 'outside_window' },
    async run(r) {
      await r.settings({ mode: 'auto' });
      const message = await r.post('Hallo, was kostet das Pro-Paket?', { timestamp: new Date(Date.now() - 25 * 3600_000).toISOString() });
      const review = await r.review(message, 'outside_window');
      await r.decide(review, 'approve', {}, 'skipped');
      return message;
    },
  },
  {
    name: 'too-many-review-rounds',
    path: 'assist mode: five edits in a row fail the compliance gate; after the fifth round the reply is given up',
    ends: { stage: 'skipped', reason: 'too_many_review_rounds' },
    async run(r) {
      await r.settings({ mode: 'assist' });
      const message = await r.post('Hallo, was kostet das Pro-Paket?');
      let review = await r.review(message, 'assist_mode');
      for (let round = 1; round <= 5; round++) {
        await r.decide(review, 'approve', { text: `Garantiert ${round * 10} % mehr Umsatz, risikofrei!` }, 'blocked');
        if (round < 5) review = await r.review(message, /^gate_failed:/, review);
      }
      return message;
    },
  },
  {
    name: 'failed',
    path: 'auto mode, WhatsApp refuses the send for good (Graph error 131026, the recipient cannot receive): failed',
    ends: { stage: 'failed', reason: 'send_failed:InvalidRecipient' },
    needs: { whatsapp: true },
    async run(r) {
      await r.settings({ mode: 'auto' });
      r.graph().script([{ kind: 'error', status: 400, code: 131026, message: 'Message undeliverable' }]);
      return r.post('Hallo, was kostet das Pro-Paket?');
    },
  },
];

// ——— What a scenario drives ———

/** The pipeline did not do what the scenario expects (as opposed to the recorder failing). */
export class ScenarioMismatch extends Error {
  override name = 'ScenarioMismatch';
}

const FINAL: readonly Stage[] = ['sent', 'skipped', 'failed', 'opted_out', 'cancelled'];

export async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = STEP_DEADLINE_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new ScenarioMismatch(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** GET /v1/events/:id, as far as the scenarios read it. */
interface EventView {
  stage: Stage;
  stageReason: string | null;
  review: { id: string; status: string; reason: string } | null;
}

export const matches = (value: string | null | undefined, expected: string | RegExp) =>
  typeof expected === 'string' ? value === expected : expected.test(value ?? '');

/** What a scenario drives: one user on its own workers and API, reached over HTTP. */
export class ScenarioRun {
  /** The message the scenario acted on last: the one whose history a failure report shows. */
  current: Message | undefined;
  private contacts = 0;
  private messages = 0;
  private phoneNumberId: string | undefined;

  constructor(
    readonly name: string,
    private readonly connection: {
      url: string;
      key: string;
      /** Signs the WhatsApp webhooks, as Meta does with the app secret. */
      appSecret: string;
      fakes: { graph?: FakeGraph; model?: FakeOpenAi };
      /** Resolves once the owner's last change of controls has reached every running reply (Temporal's view). */
      controlsSettled(): Promise<void>;
    },
  ) {}

  graph(): FakeGraph {
    if (!this.connection.fakes.graph) throw new Error(`scenario ${this.name} uses WhatsApp but does not say so in needs`);
    return this.connection.fakes.graph;
  }

  model(): FakeOpenAi {
    if (!this.connection.fakes.model) throw new Error(`scenario ${this.name} uses the model but does not say so in needs`);
    return this.connection.fakes.model;
  }

  async api<T = unknown>(method: string, route: string, body?: unknown, expected: number[] = [200]): Promise<T> {
    const response = await fetch(`${this.connection.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${this.connection.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!expected.includes(response.status)) throw new ScenarioMismatch(`${method} ${route} answered ${response.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** A new lead (fictitious: these histories are kept in the repository). */
  contact(): Contact {
    this.contacts += 1;
    return { handle: `+49 170 ${String(1_000_000 + this.contacts)}`, name: 'Erika Muster' };
  }

  settings(patch: Record<string, unknown>): Promise<unknown> {
    return this.api('PUT', '/v1/settings', { ...AROUND_THE_CLOCK, ...patch });
  }

  /**
   * Waits until the replies in flight have been told of a change of controls that can stop them. Only for a scenario
   * that starts a reply right after such a change: the notice would otherwise reach the new reply too, at a moment
   * that differs from run to run.
   */
  controlsSettled(): Promise<void> {
    return this.connection.controlsSettled();
  }

  async post(
    text: string,
    options: { channel?: string; contact?: Contact; timestamp?: string; metadata?: Record<string, unknown> } = {},
  ): Promise<Message> {
    this.messages += 1;
    const contact = options.contact ?? this.contact();
    const channel = options.channel ?? 'whatsapp';
    const externalId = channel === 'whatsapp' ? `wamid.recorded-${this.name}-${this.messages}` : `urn:li:message:recorded-${this.name}-${this.messages}`;
    const accepted = await this.api<{ eventId: string; workflowId: string }>(
      'POST',
      '/v1/events',
      { channel, externalId, contact, text, ...(options.timestamp ? { timestamp: options.timestamp } : {}), ...(options.metadata ? { metadata: options.metadata } : {}) },
      [202],
    );
    const message = { eventId: accepted.eventId, workflowId: accepted.workflowId, contact };
    this.current = message;
    return message;
  }

  /** Waits until the message's reply is at `stage` (with `reason`, when given); a different end fails at once. */
  async reaches(message: Message, stage: Stage, reason?: string | RegExp): Promise<EventView> {
    this.current = message;
    return until(async () => {
      const event = await this.read(message);
      if (event.stage === stage) {
        if (reason !== undefined && !matches(event.stageReason, reason)) {
          throw new ScenarioMismatch(`reached ${stage} with reason ${event.stageReason}, expected ${String(reason)}`);
        }
        return event;
      }
      if (FINAL.includes(event.stage)) throw new ScenarioMismatch(`ended ${event.stage} (${event.stageReason}) before reaching ${stage}`);
      return undefined;
    }, `stage ${stage}`);
  }

  /** Waits for an open review of the message (a new one, after `after`) and returns its id. */
  async review(message: Message, reason?: string | RegExp, after?: string): Promise<string> {
    return this.openTask(message, 'awaiting_review', reason, after);
  }

  /** Waits until the reply is handed to a person to send (LinkedIn) and returns the task's id. */
  async humanSendTask(message: Message): Promise<string> {
    return this.openTask(message, 'awaiting_human_send', 'human_send');
  }

  private async openTask(message: Message, stage: Stage, reason?: string | RegExp, after?: string): Promise<string> {
    this.current = message;
    return until(async () => {
      const event = await this.read(message);
      if (FINAL.includes(event.stage)) throw new ScenarioMismatch(`ended ${event.stage} (${event.stageReason}) instead of reaching ${stage}`);
      const task = event.review;
      if (event.stage !== stage || !task || task.status !== 'open' || task.id === after) return undefined;
      if (reason !== undefined && !matches(task.reason, reason)) throw new ScenarioMismatch(`the task's reason is ${task.reason}, expected ${String(reason)}`);
      return task.id;
    }, `${stage}${reason ? ` (${String(reason)})` : ''}`);
  }

  private read(message: Message): Promise<EventView> {
    return this.api<EventView>('GET', `/v1/events/${message.eventId}`);
  }

  /** A reviewer's decision; `outcome` is what the workflow must answer it did. */
  async decide(reviewId: string, action: 'approve' | 'skip' | 'sent', body: Record<string, unknown>, outcome: string): Promise<{ outcome?: string }> {
    const answer = await this.api<{ outcome?: string }>('POST', `/v1/reviews/${reviewId}/${action}`, body);
    if (answer?.outcome !== outcome) throw new ScenarioMismatch(`${action} answered ${JSON.stringify(answer)}, expected outcome ${outcome}`);
    return answer;
  }

  async cancel(message: Message, reason: string): Promise<void> {
    await this.api('POST', `/v1/events/${message.eventId}/cancel`, { reason }, [202]);
  }

  async connectWhatsApp(): Promise<void> {
    // Phone-number ids are unique per installation: one per scenario.
    this.phoneNumberId = String(100_000_000_000_000 + crypto.randomInt(1_000_000_000));
    await this.api('PUT', '/v1/channels/whatsapp', { phoneNumberId: this.phoneNumberId, accessToken: 'EAAG-recorded-access-token' });
  }

  /** A signed WhatsApp Cloud API status webhook for a message of this scenario's number, as Meta delivers it. */
  async whatsAppStatus(status: { wamid: string; status: 'sent' | 'delivered' | 'read'; jobId?: string }): Promise<void> {
    if (!this.phoneNumberId) throw new Error('whatsAppStatus needs connectWhatsApp() first');
    const payload = whatsAppWebhook(this.phoneNumberId, {
      statuses: [
        {
          id: status.wamid,
          status: status.status,
          timestamp: String(Math.floor(Date.now() / 1000)),
          recipient_id: '491700000000',
          ...(status.jobId ? { biz_opaque_callback_data: status.jobId } : {}),
        },
      ],
    });
    const raw = JSON.stringify(payload);
    const response = await fetch(`${this.connection.url}/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMetaPayload(raw, this.connection.appSecret) },
      body: raw,
    });
    if (response.status !== 200) throw new ScenarioMismatch(`the status webhook answered ${response.status}: ${await response.text()}`);
  }
}
