import { startFakeOpenAi, type FakeOpenAi } from '../helpers/fake-openai';
import { startGraphServer, type GraphServer } from './graph-server';
import { AUTO_SETTINGS, startFaultStack, type ChildPart, type FaultStack, type FaultUser } from './harness';

/**
 * A worker process killed with SIGKILL (no shutdown, no last words) at each point where a reply can be cut off:
 * mid-send, during the durable wait for the send time, and during the model call. A new worker takes over; the
 * counts say what the lead got.
 */

let stack: FaultStack;
let graph: GraphServer;
let openai: FakeOpenAi;
const workers: ChildPart[] = [];

beforeAll(async () => {
  graph = await startGraphServer();
  openai = await startFakeOpenAi();
  stack = await startFaultStack('worker-crash');
  await stack.startApi();
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  await graph?.close();
  await openai?.close();
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.kill('SIGKILL')));
  await stack.terminateRunning();
});

function startWorker(env: Record<string, string> = {}): ChildPart {
  const worker = stack.startWorker({ WHATSAPP_API_BASE_URL: graph.baseUrl, ...env });
  workers.push(worker);
  return worker;
}

async function jobOf(eventId: string) {
  const { rows } = await stack.db.query(`SELECT id, status, attempts, last_error FROM autopilot_jobs WHERE message_event_id = $1`, [eventId]);
  return rows[0] as { id: string; status: string; attempts: number; last_error: string | null } | undefined;
}

async function stageOf(eventId: string): Promise<string> {
  const { rows } = await stack.db.query(`SELECT stage FROM message_events WHERE id = $1`, [eventId]);
  return rows[0].stage;
}

async function openReviewOf(eventId: string) {
  const { rows } = await stack.db.query(`SELECT id, reason FROM review_tasks WHERE message_event_id = $1 AND status = 'open'`, [eventId]);
  return rows[0] as { id: string; reason: string } | undefined;
}

/** Settled, or waiting for a person: either way the reply has stopped moving by itself. */
async function waitUntilResolved(user: FaultUser, eventId: string, timeoutMs = 90_000) {
  return stack.waitUntil(
    async () => {
      const counts = await stack.reconcile(user.id);
      return counts.settled === 1 || (await openReviewOf(eventId)) ? counts : undefined;
    },
    `event ${eventId} to settle or wait for a person`,
    timeoutMs,
  );
}

describe('a worker killed mid-send', () => {
  it('never sends twice on WhatsApp: the platform gets one request and the reply waits for a person as send_uncertain', async () => {
    const user = await stack.createUser(AUTO_SETTINGS);
    const connected = await stack.request(user, 'PUT', '/v1/channels/whatsapp', { phoneNumberId: '109876543210', accessToken: `EAAG${'f'.repeat(40)}` });
    expect(connected.status).toBe(200);
    graph.hold();
    const first = startWorker();
    const event = stack.inbound();
    const { eventId } = await stack.postEvent(user, event);

    await stack.waitUntil(async () => (graph.received.length >= 1 ? true : undefined), 'the Cloud API to receive the send', 60_000);
    expect((await jobOf(eventId))?.status).toBe('sending');
    await first.kill('SIGKILL');
    graph.release(); // the platform has the message; its answer reaches nobody

    startWorker();
    await waitUntilResolved(user, eventId);
    expect(await openReviewOf(eventId)).toMatchObject({ reason: 'send_uncertain' });
    expect(await stageOf(eventId)).toBe('awaiting_review');
    expect(graph.received).toHaveLength(1);
    expect(graph.received[0]!.body).toMatchObject({ messaging_product: 'whatsapp', to: event.contact.handle.replace(/\D/g, ''), type: 'text' });
    const job = await jobOf(eventId);
    expect(job).toMatchObject({ status: 'sending', attempts: 2 });
    expect(job?.last_error).toMatch(/^send_uncertain/);

    // A person checks the chat and confirms the message arrived: the reply ends sent, still one request.
    const review = (await openReviewOf(eventId))!;
    const confirmed = await stack.request(user, 'POST', `/v1/reviews/${review.id}/sent`, {});
    expect(confirmed.status).toBe(200);
    const counts = await stack.waitUntilSettled(user.id, 1, 30_000);
    expect(counts.stages).toEqual({ sent: 1 });
    expect(counts.outcomes).toBe(1);
    expect(graph.received).toHaveLength(1);
  }, 180_000);

  it('sends exactly once through the sandbox (idempotent per job): one outbox row, the event ends sent', async () => {
    const user = await stack.createUser(AUTO_SETTINGS);
    // The sandbox's INSERT waits behind this lock: the worker is killed while its send is under way.
    const lock = await stack.db.connect();
    let locked = true;
    try {
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE outbox IN SHARE ROW EXCLUSIVE MODE');
      const first = startWorker();
      const { eventId } = await stack.postEvent(user, stack.inbound());
      await stack.waitUntil(
        async () => {
          const { rows } = await stack.db.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO outbox%'`,
          );
          return rows[0].n >= 1 ? true : undefined;
        },
        'the sandbox send to reach the outbox',
        60_000,
      );
      expect((await jobOf(eventId))?.status).toBe('sending');
      await first.kill('SIGKILL');
      await lock.query('COMMIT');
      locked = false;

      startWorker();
      const counts = await waitUntilResolved(user, eventId);
      expect(await openReviewOf(eventId)).toBeUndefined();
      expect(counts.stages).toEqual({ sent: 1 });
      expect(counts.outboxRows).toBe(1);
      expect(counts.jobs).toEqual({ sent: 1 });
      expect(counts.outcomes).toBe(1);
      expect((await jobOf(eventId))?.attempts).toBe(2);
    } finally {
      if (locked) await lock.query('ROLLBACK');
      lock.release();
    }
  }, 180_000);
});

describe('a worker killed before the send', () => {
  it('resumes a reply killed during its wait for the send time and sends it once', async () => {
    const user = await stack.createUser(AUTO_SETTINGS);
    const env = { AUTOPILOT_ASAP_DELAY_SECONDS: '6' };
    const first = startWorker(env);
    const { eventId, workflowId } = await stack.postEvent(user, stack.inbound());
    // The timer is on the server: the workflow is asleep, nothing of the send has happened.
    await stack.waitUntil(
      async () => {
        const history = await stack.temporal.workflow.getHandle(workflowId).fetchHistory();
        return history.events?.some((e) => e.timerStartedEventAttributes) ? true : undefined;
      },
      'the workflow to sleep until the send time',
      60_000,
    );
    await first.kill('SIGKILL');
    expect((await jobOf(eventId))?.status).toBe('pending');
    expect((await stack.reconcile(user.id)).outboxRows).toBe(0);

    startWorker(env);
    const counts = await waitUntilResolved(user, eventId);
    expect(counts.stages).toEqual({ sent: 1 });
    expect(counts.outboxRows).toBe(1);
    expect(counts.jobs).toEqual({ sent: 1 });
    expect(counts.outcomes).toBe(1);
    expect((await jobOf(eventId))?.attempts).toBe(1);
    await stack.waitUntil(async () => ((await stack.reconcile(user.id)).workflowsCompleted === 1 ? true : undefined), 'the workflow to complete', 30_000);
  }, 180_000);

  it('resumes a reply killed during the model call: the draft is asked for again and sent once', async () => {
    const user = await stack.createUser(AUTO_SETTINGS);
    // no price: a price the model writes must be one the user vouches for (the claims gate), and this user has no facts
    const reply = 'Hallo Erika, gerne! Für wie viele Nutzer brauchen Sie das Pro-Paket?';
    openai.script([{ kind: 'hang' }, { kind: 'reply', reply, confidence: 0.96, detectedAction: 'pricing' }]);
    const chats = () => openai.requests.filter((r) => r.path.endsWith('/chat/completions')).length;
    const env = { OPENAI_BASE_URL: openai.baseURL };
    const first = startWorker(env);
    const { eventId } = await stack.postEvent(user, stack.inbound());
    await stack.waitUntil(async () => (chats() >= 1 ? true : undefined), 'the model to be asked', 60_000);
    await first.kill('SIGKILL');

    startWorker(env);
    const counts = await waitUntilResolved(user, eventId);
    expect(counts.stages).toEqual({ sent: 1 });
    expect(chats()).toBe(2);
    expect(counts.outboxRows).toBe(1);
    expect(counts.outcomes).toBe(1);
    const { rows } = await stack.db.query(`SELECT message->>'text' AS text FROM outbox WHERE user_id = $1`, [user.id]);
    expect(rows.map((r) => r.text)).toEqual([reply]);
  }, 180_000);
});
