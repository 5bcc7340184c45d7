import { AUTO_SETTINGS, startFaultStack, type ChildPart, type FaultStack } from './harness';

/**
 * Load the autopilot must absorb without losing count: a backlog that piled up while no worker ran, and a burst of
 * concurrent replies racing for the day's automatic allowance.
 */

let stack: FaultStack;
const workers: ChildPart[] = [];

beforeAll(async () => {
  stack = await startFaultStack('backlog-and-limits');
  await stack.startApi();
}, 120_000);
afterAll(async () => stack?.stop());
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.kill('SIGKILL')));
  await stack.terminateRunning();
});

function startWorker(env: Record<string, string> = {}): ChildPart {
  const worker = stack.startWorker(env);
  workers.push(worker);
  return worker;
}

describe('a backlog', () => {
  it('of 300 events posted while no worker runs reconciles exactly once a worker starts: events = workflows = outcomes = outbox rows', async () => {
    const user = await stack.createUser(AUTO_SETTINGS);
    await stack.postEvents(user, Array.from({ length: 300 }, () => stack.inbound()));
    // Every event has its workflow (visibility catches up within moments), and none has moved.
    const waiting = await stack.waitUntil(
      async () => {
        const now = await stack.reconcile(user.id);
        return now.workflows >= 300 ? now : undefined;
      },
      'the 300 workflows to be listed',
      30_000,
    );
    expect(waiting).toMatchObject({ events: 300, stages: { received: 300 }, settled: 0, workflows: 300, workflowsCompleted: 0, outboxRows: 0 });

    startWorker();
    await stack.waitUntilSettled(user.id, 300, 240_000);
    const counts = await stack.waitUntil(
      async () => {
        const now = await stack.reconcile(user.id);
        return now.workflowsCompleted >= 300 ? now : undefined;
      },
      'all 300 workflows to complete',
      30_000,
    );
    expect(counts).toMatchObject({
      events: 300,
      stages: { sent: 300 },
      workflows: 300,
      workflowsCompleted: 300,
      outcomes: 300,
      outcomeEvents: 300,
      jobs: { sent: 300 },
      outboxRows: 300,
      outboxJobs: 300,
      sentWithoutOutbox: 0,
      openReviews: {},
    });
  }, 330_000);
});

describe('the daily allowance of automatic replies', () => {
  it('lets exactly 10 of 50 concurrent auto-eligible replies go out by themselves; the other 40 wait for a person', async () => {
    const user = await stack.createUser({ ...AUTO_SETTINGS, maxAutoRepliesPerDay: 10 });
    startWorker();
    await stack.postEvents(user, Array.from({ length: 50 }, () => stack.inbound()), 50);

    const counts = await stack.waitUntil(
      async () => {
        const now = await stack.reconcile(user.id);
        return (now.stages.sent ?? 0) + (now.openReviews.daily_auto_limit ?? 0) >= 50 && now.workflowsCompleted >= 10 ? now : undefined;
      },
      '50 replies to be sent or waiting for a person',
      120_000,
    );
    expect(counts).toMatchObject({
      events: 50,
      stages: { sent: 10, awaiting_review: 40 },
      openReviews: { daily_auto_limit: 40 },
      outboxRows: 10,
      outcomes: 10,
      workflows: 50,
      workflowsCompleted: 10,
    });
    const { rows } = await stack.db.query(
      `SELECT decided_by, status, count(*)::int AS n FROM autopilot_jobs WHERE user_id = $1 GROUP BY decided_by, status ORDER BY status`,
      [user.id],
    );
    // The 40 are one-click replies: planned and holding a slot, sent once a person approves.
    expect(rows).toEqual([
      { decided_by: null, status: 'pending', n: 40 },
      { decided_by: 'autopilot', status: 'sent', n: 10 },
    ]);
  }, 180_000);
});
