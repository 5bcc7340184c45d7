import { AUTO_SETTINGS, startFaultStack, type ChildPart, type FaultStack, type FaultUser, type InboundEvent } from './harness';

/**
 * The servers under the autopilot go away and come back while replies are under way: the Temporal dev server
 * (stopped and started again on the same SQLite file) and PostgreSQL (stopped and started on the same data
 * directory). The worker and the API keep running throughout; every event must end once.
 */

let stack: FaultStack;
let api: ChildPart;
const workers: ChildPart[] = [];

beforeAll(async () => {
  stack = await startFaultStack('server-restarts');
  api = await stack.startApi();
}, 120_000);
afterAll(async () => stack?.stop());
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.kill('SIGKILL')));
  await stack.terminateRunning();
});

function startWorker(env: Record<string, string>): ChildPart {
  const worker = stack.startWorker(env);
  workers.push(worker);
  return worker;
}

/** Once every event has settled and its workflow closed: each one sent once, nothing else anywhere. */
async function expectEveryEventSentOnce(user: FaultUser, n: number, timeoutMs: number) {
  await stack.waitUntilSettled(user.id, n, timeoutMs);
  const counts = await stack.waitUntil(
    async () => {
      const now = await stack.reconcile(user.id);
      return now.workflowsCompleted >= n ? now : undefined;
    },
    `all ${n} workflows to complete`,
    30_000,
  );
  expect(counts).toMatchObject({
    events: n,
    stages: { sent: n },
    settled: n,
    jobs: { sent: n },
    outboxRows: n,
    outboxJobs: n,
    sentWithoutOutbox: 0,
    outcomes: n,
    outcomeEvents: n,
    openReviews: {},
    workflows: n,
    workflowsCompleted: n,
  });
}

describe('the Temporal server restarted', () => {
  it('loses and duplicates no event when it stops and comes back on the same database file with events in flight', async () => {
    const user = await stack.createUser(AUTO_SETTINGS);
    // Sends a few seconds out, so replies are asleep on the server's timers when it stops; the sweep starts any
    // workflow whose start the outage swallowed.
    const worker = startWorker({ AUTOPILOT_ASAP_DELAY_SECONDS: '2-8', AUTOPILOT_SWEEP_AFTER: '3s', AUTOPILOT_SWEEP_EVERY: '2s' });
    const before = Array.from({ length: 40 }, () => stack.inbound());
    await stack.postEvents(user, before);
    const atStop = await stack.waitUntil(
      async () => {
        const counts = await stack.reconcile(user.id);
        return (counts.stages.scheduled ?? 0) >= 10 ? counts : undefined;
      },
      'ten replies to be asleep until their send time',
      90_000,
    );
    expect(atStop.settled).toBeLessThan(40);
    await stack.temporalServer.stop();
    // Messages keep arriving during the outage: each is stored; its workflow starts when Temporal answers again
    // (the API's retry), or from the worker's sweep (a 503 to the sender).
    const during = Array.from({ length: 10 }, () => stack.inbound());
    const answers = Promise.all(during.map((event) => post(user, event)));
    await stack.waitUntil(
      async () => {
        const { rows } = await stack.db.query(`SELECT count(*)::int AS n FROM message_events WHERE user_id = $1`, [user.id]);
        return rows[0].n === 50 ? true : undefined;
      },
      'the messages sent during the outage to be stored',
      60_000,
    );
    await stack.temporalServer.start();
    for (const answer of await answers) expect([202, 503]).toContain(answer.status);

    await expectEveryEventSentOnce(user, 50, 150_000);
    expect(worker.running).toBe(true);
    expect(api.running).toBe(true);
  }, 300_000);
});

describe('PostgreSQL restarted', () => {
  it('finishes every one of 200 draining events, each with exactly one outbox row', async () => {
    const user = await stack.createUser(AUTO_SETTINGS);
    const worker = startWorker({ AUTOPILOT_ASAP_DELAY_SECONDS: '0-3' });
    await stack.postEvents(user, Array.from({ length: 200 }, () => stack.inbound()));
    const atStop = await stack.waitUntil(
      async () => {
        const counts = await stack.reconcile(user.id);
        return counts.settled >= 20 ? counts : undefined;
      },
      'the first 20 replies to be sent',
      120_000,
    );
    expect(atStop.settled).toBeLessThan(200);

    // Sends wait inside their claim transaction while this holds the owner's controls (as a settings change
    // does), so the restart certainly cuts off open transactions, not only idle connections.
    const controls = await stack.db.connect();
    controls.on('error', () => undefined); // the restart ends this connection too
    await controls.query('BEGIN');
    await controls.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`controls:${user.id}`]);
    await stack.waitUntil(
      async () => {
        const { rows } = await stack.db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'`);
        return rows[0].n >= 1 ? true : undefined;
      },
      'a send to wait inside its transaction',
      60_000,
    );
    await stack.postgres.stop();
    controls.release(true);
    await stack.postgres.start();

    await expectEveryEventSentOnce(user, 200, 180_000);
    expect(worker.running).toBe(true);
    expect(api.running).toBe(true);
  }, 300_000);
});

/** A sender's POST during the outage: the status, whatever it is (the test checks which). */
async function post(user: FaultUser, event: InboundEvent): Promise<{ status: number }> {
  const response = await stack.request(user, 'POST', '/v1/events', event);
  if (response.status === 503) expect(response.body.error.code).toBe('temporal_unavailable');
  return { status: response.status };
}
