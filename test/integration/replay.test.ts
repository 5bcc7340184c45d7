import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { installTemporalRuntime } from '../../src/worker';
import { PIPELINE_V2 } from '../../src/workflows/autopilot';
import { SCENARIOS } from '../../scripts/history-scenarios';
import { patchesIn } from '../helpers/history';
import { testServers } from '../helpers/servers';

/**
 * Replay is a test: histories recorded from real runs (npm run record:histories) must replay against the current
 * workflow code, so a change that would break running workflows fails here instead of in production. The files
 * directly in test/fixtures/histories/ were recorded from the first pipeline (before the pipeline-v2 patch);
 * test/fixtures/histories/v2/ holds one history per path of the current pipeline. None is ever replaced.
 */

const ROOT = path.resolve(__dirname, '..', 'fixtures', 'histories');
const V2 = path.join(ROOT, 'v2');

/** Every path of the current pipeline, each recorded by scripts/history-scenarios.ts under this name. */
const V2_SCENARIOS = [
  'auto-sent',
  'auto-sent-after-wait',
  'one-click-approved',
  'approved-with-edit',
  'blocked-edit',
  'expired-review',
  'skipped',
  'human-send',
  'send-failure-back-to-review',
  'send-uncertain-confirmed',
  'send-uncertain-confirmed-by-platform',
  'send-uncertain-resent',
  'model-error',
  'empty-reply-blocked',
  'model-output-problem',
  'opted-out',
  'opted-out-earlier',
  'opted-out-while-scheduled',
  'superseded',
  'superseded-on-arrival',
  'cancelled',
  'cancelled-in-review',
  'paused',
  'paused-in-review',
  'controls-changed-still-sent',
  'daily-auto-limit',
  'channel-not-enabled',
  'approved-outside-window',
  'too-many-review-rounds',
  'failed',
];

/** Every .json below `dir`, as paths relative to ROOT. */
function historyFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return historyFiles(full);
      return entry.name.endsWith('.json') ? [path.relative(ROOT, full)] : [];
    })
    .sort();
}

const files = historyFiles(ROOT);
const firstPipeline = files.filter((file) => path.dirname(file) === '.');
const v2 = files.filter((file) => path.dirname(file) === 'v2');
/** A recording made next to an older one of the same scenario is named <scenario>-<YYYY-MM-DD>.json. */
const scenarioOf = (file: string) => path.basename(file, '.json').replace(/-\d{4}-\d{2}-\d{2}$/, '');
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8'));

beforeAll(() => installTemporalRuntime());

it("keeps the first pipeline's recorded histories", () => {
  expect(firstPipeline.length).toBeGreaterThanOrEqual(5);
});

it('lists exactly the scenarios the recorder records', () => {
  expect(SCENARIOS.map((scenario) => scenario.name).sort()).toEqual([...V2_SCENARIOS].sort());
});

const recordedV2 = fs.existsSync(V2);
(recordedV2 ? it : it.skip)(
  recordedV2
    ? 'has a v2 history for every path of the pipeline, and no v2 history of an unlisted path'
    : 'has a v2 history for every path of the pipeline — SKIPPED: test/fixtures/histories/v2 does not exist yet (npm run record:histories records it)',
  () => {
    const recorded = new Set(v2.map(scenarioOf));
    expect(V2_SCENARIOS.filter((scenario) => !recorded.has(scenario))).toEqual([]);
    expect([...recorded].filter((scenario) => !V2_SCENARIOS.includes(scenario))).toEqual([]);
  },
);

it.each(firstPipeline)('%s was recorded before the pipeline-v2 patch (replays the first pipeline)', (file) => {
  expect(patchesIn(read(file))).not.toContain(PIPELINE_V2);
});

// it.each refuses an empty table: with no v2 folder yet, the check above says so.
(v2.length ? it.each(v2) : () => undefined)('%s carries the pipeline-v2 patch marker (replays the current pipeline)', (file) => {
  expect(patchesIn(read(file))).toContain(PIPELINE_V2);
});

it.each(files)('replays %s deterministically', async (file) => {
  await expect(
    Worker.runReplayHistory({ workflowBundle: { codePath: testServers().workflowBundlePath } }, read(file), `replay-${file}`),
  ).resolves.toBeUndefined();
});
