import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { installTemporalRuntime } from '../../src/worker';
import { testServers } from '../helpers/servers';

/**
 * Replay is a test: histories recorded from real runs (scripts/record-histories.ts) must replay against the
 * current workflow code, so a change that would break running workflows fails here instead of in production.
 */

const DIR = path.resolve(__dirname, '..', 'fixtures', 'histories');
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json'));

beforeAll(() => installTemporalRuntime());

it('has recorded histories to replay', () => {
  expect(files.length).toBeGreaterThanOrEqual(5);
});

it.each(files)('replays %s deterministically', async (file) => {
  const history = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8'));
  await expect(
    Worker.runReplayHistory({ workflowBundle: { codePath: testServers().workflowBundlePath } }, history, `replay-${file}`),
  ).resolves.toBeUndefined();
});
