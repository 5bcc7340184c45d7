import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Once per fault-tier run: the workflow bundle, built by the same script an operator runs
 * (`npm run build:workflows`), so every worker the tests start (and restart) loads it in about a second.
 */
export default async function globalSetup(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'autopilot-faults-bundle-'));
  const bundle = path.join(root, 'workflow-bundle.js');
  const projectRoot = path.resolve(__dirname, '..', '..');
  const built = spawnSync(path.join(projectRoot, 'node_modules', '.bin', 'tsx'), ['scripts/bundle-workflows.ts', bundle], {
    cwd: projectRoot,
    encoding: 'utf8',
  });
  if (built.status !== 0 || !fs.existsSync(bundle)) {
    fs.rmSync(root, { recursive: true, force: true });
    throw new Error(`building the workflow bundle failed (${built.status}):\n${built.stderr}`);
  }
  process.env.AUTOPILOT_FAULTS_BUNDLE = bundle;
  (globalThis as Record<string, unknown>).__autopilotFaultsBundleDir = root;
}
