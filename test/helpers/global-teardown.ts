export default async function globalTeardown(): Promise<void> {
  const servers = (globalThis as Record<string, unknown>).__autopilotTestServers as { stop(): Promise<void> } | undefined;
  await servers?.stop();
}
