import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import {
  connectTemporalClient,
  connectTemporalWorker,
  TemporalConnectionError,
  temporalConnectionOptions,
  type TemporalConnectionOptions,
} from '../../src/temporal/connection';
import { installTemporalRuntime } from '../../src/worker';
import { testServers } from '../helpers/servers';
import { startStack } from '../helpers/stack';
import { createTestPki, startStandInFrontend, startTlsProxy, type StandInFrontend, type TestPki, type TlsProxy } from '../helpers/tls';

/**
 * Temporal in production: mutual TLS through a TLS-terminating proxy in front of the real dev server, and a
 * Temporal Cloud API key checked by a stand-in frontend. Each failure names what to check, never a secret.
 */

const ROOT = path.resolve(__dirname, '..', '..');
// A failing client connection waits this long before it is explained (production waits 10 s).
const CONNECT_TIMEOUT_MS = 2000;

let pki: TestPki;
let mtlsProxy: TlsProxy;

beforeAll(async () => {
  installTemporalRuntime();
  pki = createTestPki();
  mtlsProxy = await startTlsProxy({ target: testServers().temporalAddress, pki, requireClientCert: true });
});

afterAll(async () => {
  await mtlsProxy?.close();
  pki?.remove();
});

function mtlsEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: mtlsProxy.address,
    TEMPORAL_TLS_CLIENT_CERT_PATH: pki.client.certPath,
    TEMPORAL_TLS_CLIENT_KEY_PATH: pki.client.keyPath,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caPath,
    // The proxy's certificate names temporal.internal, not the address we dial.
    TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    ...overrides,
  };
}

function optionsFor(env: Record<string, string>): TemporalConnectionOptions {
  const config = loadConfig(env);
  return temporalConnectionOptions(config.temporal, config.temporal.address!);
}

/** Both sides' failures, which must be TemporalConnectionErrors. */
async function failures(options: TemporalConnectionOptions): Promise<{ client: string; worker: string }> {
  const message = async (connect: () => Promise<{ close(): Promise<void> }>) => {
    try {
      await (await connect()).close();
    } catch (err) {
      expect(err).toBeInstanceOf(TemporalConnectionError);
      return (err as Error).message;
    }
    throw new Error('expected the connection to fail');
  };
  return {
    client: await message(() => connectTemporalClient(options, CONNECT_TIMEOUT_MS)),
    worker: await message(() => connectTemporalWorker(options, CONNECT_TIMEOUT_MS)),
  };
}

function expectNoKeyMaterial(text: string) {
  const key = fs.readFileSync(pki.client.keyPath, 'utf8');
  const keyBody = key.split('\n').find((line) => line.length > 40)!;
  expect(text).not.toContain('PRIVATE KEY');
  expect(text).not.toContain(keyBody);
}

describe('mutual TLS', () => {
  it('runs a reply through the production wiring with the client and the worker connected over mutual TLS', async () => {
    const acceptedBefore = mtlsProxy.accepted.length;
    const stack = await startStack({ env: mtlsEnv() });
    try {
      const posted = await stack.request('POST', '/v1/events', {
        body: { channel: 'whatsapp', externalId: `wamid.mtls-${Date.now()}`, contact: { handle: '+491701234567' }, text: 'Was kostet das Pro-Paket?' },
      });
      expect(posted.status).toBe(202);
      // assist mode: the workflow records, drafts and checks the reply on the worker, then waits for a reviewer
      const read = await stack.waitForStage(posted.body.eventId, 'awaiting_review');
      expect(read.review).toMatchObject({ id: expect.any(String) });
    } finally {
      await stack.close();
    }
    // Both connections came through the proxy, each with the client certificate the CA signed.
    const accepted = mtlsProxy.accepted.slice(acceptedBefore);
    expect(accepted.length).toBeGreaterThanOrEqual(2);
    expect(new Set(accepted)).toEqual(new Set(['autopilot-worker']));
  });

  it("fails with the CA to check when the server's certificate is not from the configured CA", async () => {
    const { client, worker } = await failures(optionsFor(mtlsEnv({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.otherCaPath })));
    for (const message of [client, worker]) {
      expect(message).toContain(`Temporal at ${mtlsProxy.address}`);
      expect(message).toMatch(/the server's certificate did not verify .*check TEMPORAL_TLS_SERVER_CA_CERT_PATH/);
      expect(message).toContain(pki.otherCaPath);
      expectNoKeyMaterial(message);
    }
  });

  it('fails saying a client certificate is needed when none is configured', async () => {
    const { client, worker } = await failures(optionsFor(mtlsEnv({ TEMPORAL_TLS_CLIENT_CERT_PATH: '', TEMPORAL_TLS_CLIENT_KEY_PATH: '' })));
    for (const message of [client, worker]) {
      expect(message).toMatch(/the server asks for a client certificate .*set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH/);
    }
  });

  it('fails saying the client certificate was refused when another CA signed it', async () => {
    const { client, worker } = await failures(
      optionsFor(mtlsEnv({ TEMPORAL_TLS_CLIENT_CERT_PATH: pki.strangerClient.certPath, TEMPORAL_TLS_CLIENT_KEY_PATH: pki.strangerClient.keyPath })),
    );
    for (const message of [client, worker]) {
      expect(message).toMatch(/the server refused the client certificate .*check that TEMPORAL_TLS_CLIENT_CERT_PATH is signed by a CA the server trusts/);
      expect(message).toContain(pki.strangerClient.certPath);
    }
  });

  it('fails saying the server is not TLS when TLS meets a plaintext server', async () => {
    const { client, worker } = await failures(optionsFor({ TEMPORAL_ADDRESS: testServers().temporalAddress, TEMPORAL_TLS: 'true' }));
    for (const message of [client, worker]) expect(message).toMatch(/does not speak TLS .*check the port, or set TEMPORAL_TLS=false/);
  });

  it('fails saying TLS is expected when plaintext meets the TLS proxy', async () => {
    const { client, worker } = await failures(optionsFor({ TEMPORAL_ADDRESS: mtlsProxy.address }));
    for (const message of [client, worker]) expect(message).toMatch(/expects TLS: set TEMPORAL_TLS=true/);
  });
});

describe('certificate files', () => {
  const configError = (env: Record<string, string>) => {
    try {
      optionsFor(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  it('names the variable and the path of a file that cannot be read', () => {
    const missing = path.join(pki.dir, 'nope', 'client.pem');
    expect(configError(mtlsEnv({ TEMPORAL_TLS_CLIENT_CERT_PATH: missing }))).toContain(
      `TEMPORAL_TLS_CLIENT_CERT_PATH: expected a readable PEM file, got ${JSON.stringify(missing)}, which cannot be read (ENOENT)`,
    );
  });

  it('names the variable and the path of a file with no certificate in it', () => {
    const message = configError(mtlsEnv({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.client.keyPath }));
    expect(message).toContain(`TEMPORAL_TLS_SERVER_CA_CERT_PATH: expected a PEM file with at least one certificate, got ${JSON.stringify(pki.client.keyPath)}`);
    expectNoKeyMaterial(message);
  });

  it('names a key that does not belong to the certificate, without showing it', () => {
    const message = configError(mtlsEnv({ TEMPORAL_TLS_CLIENT_KEY_PATH: pki.strangerClient.keyPath }));
    expect(message).toContain(`TEMPORAL_TLS_CLIENT_KEY_PATH: expected the private key of the certificate in TEMPORAL_TLS_CLIENT_CERT_PATH`);
    expect(message).toContain(pki.strangerClient.keyPath);
    expect(message).not.toContain('PRIVATE KEY');
  });

  it('names a file that holds no private key', () => {
    expect(configError(mtlsEnv({ TEMPORAL_TLS_CLIENT_KEY_PATH: pki.caPath }))).toContain(
      `TEMPORAL_TLS_CLIENT_KEY_PATH: expected an unencrypted PEM private key, got ${JSON.stringify(pki.caPath)}, which holds no private key that parses`,
    );
  });

  it('stops `npm run worker` at start (EX_CONFIG) before it touches the database', () => {
    const missing = path.join(pki.dir, 'missing-ca.pem');
    const result = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['src/worker.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        ...mtlsEnv({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: missing }),
        // nothing listens here: reaching the database would fail differently
        DATABASE_URL: 'postgres://autopilot:autopilot@127.0.0.1:1/autopilot',
        LOG_LEVEL: 'silent',
      },
    });
    expect(result.status).toBe(78);
    expect(result.stderr).toContain(`TEMPORAL_TLS_SERVER_CA_CERT_PATH: expected a readable PEM file, got ${JSON.stringify(missing)}`);
  });
});

describe('Temporal Cloud API key', () => {
  const API_KEY = 'tcld-api-key-0123456789abcdefghijklmnopqrstuvwxyz';
  let frontend: StandInFrontend;

  beforeAll(async () => {
    frontend = await startStandInFrontend({ pki, apiKey: API_KEY });
  });
  afterAll(async () => frontend?.close());

  const cloudEnv = (apiKey: string) => ({ TEMPORAL_ADDRESS: frontend.address, TEMPORAL_API_KEY: apiKey, TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caPath });

  it('sends the key as a bearer token over TLS from the client and the worker', async () => {
    const options = optionsFor(cloudEnv(API_KEY));
    expect(options.tls).toBeDefined(); // an API key implies TLS
    const seen = frontend.authorizations.length;
    const client = await connectTemporalClient(options, CONNECT_TIMEOUT_MS);
    await client.close();
    const worker = await connectTemporalWorker(options, CONNECT_TIMEOUT_MS);
    await worker.close();
    expect(frontend.authorizations.slice(seen)).toEqual([`Bearer ${API_KEY}`, `Bearer ${API_KEY}`]);
  });

  it('fails with TEMPORAL_API_KEY to check, and without the key, when the server refuses it', async () => {
    const wrongKey = 'tcld-wrong-key-9876543210zyxwvutsrqponmlkjihgfedcba';
    const { client, worker } = await failures(optionsFor(cloudEnv(wrongKey)));
    expect(frontend.authorizations).toContain(`Bearer ${wrongKey}`);
    for (const message of [client, worker]) {
      expect(message).toMatch(/the server refused the credentials: check that TEMPORAL_API_KEY is a valid, unexpired key/);
      expect(message).not.toContain(wrongKey);
    }
  });
});
