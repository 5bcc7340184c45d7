/**
 * `npm run build:workflows`: bundles the workflow code once (what a worker otherwise does at every start) into
 * dist/workflow-bundle.js, or the path given. Point AUTOPILOT_WORKFLOW_BUNDLE at it and workers start in a second.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../src/temporal/runtime-logger';

async function main() {
  const out = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'dist', 'workflow-bundle.js'));
  // With the interceptors that put each workflow's eventId and userId on its log lines (as createWorkers bundles it).
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows'), workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, code);
  console.log(`workflow bundle: ${out} (${Math.round(code.length / 1024)} KiB)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
