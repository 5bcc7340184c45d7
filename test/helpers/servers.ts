/** What global-setup started, handed to each test file through the environment. */
export interface TestServers {
  root: string;
  databaseUrl: string;
  temporalAddress: string;
  workflowBundlePath: string;
}

export function testServers(): TestServers {
  const raw = process.env.AUTOPILOT_TEST_SERVERS;
  if (!raw) throw new Error('integration tests run under jest with test/helpers/global-setup.ts');
  return JSON.parse(raw) as TestServers;
}
