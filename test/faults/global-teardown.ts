import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const root = (globalThis as Record<string, unknown>).__autopilotFaultsBundleDir as string | undefined;
  if (root) fs.rmSync(root, { recursive: true, force: true });
}
