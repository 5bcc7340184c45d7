import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { Connection, type TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { ConfigError, type Config, type ConfigProblem } from '../config';

/**
 * One way to reach Temporal for every entry point: the client (`Connection`, grpc-js) and the worker
 * (`NativeConnection`, the Rust core) take the same address, TLS settings and API key. Plaintext for the dev
 * server and a compose network; TLS with the system CAs; mutual TLS with a client certificate (self-hosted
 * clusters, Temporal Cloud's mTLS namespaces); or a Temporal Cloud API key, which implies TLS.
 */

export interface TemporalConnectionOptions {
  address: string;
  /** Undefined: plaintext. */
  tls?: TLSConfig;
  apiKey?: string;
  /** How the options were configured, for error messages: variable names and file paths, never a secret. */
  described: { tls?: Config['temporal']['tls']; apiKey: boolean };
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

function readPem(variable: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new ConfigError([{ variable, expected: 'a readable PEM file', got: `${JSON.stringify(file)}, which cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` }]);
  }
}

function certificatesIn(variable: string, file: string, pem: Buffer): X509Certificate[] {
  const blocks = [...pem.toString('utf8').matchAll(PEM_BLOCK)].filter((m) => m[1] === 'CERTIFICATE');
  const unreadable: ConfigProblem = { variable, expected: 'a PEM file with at least one certificate', got: `${JSON.stringify(file)}, which has none that parses` };
  if (blocks.length === 0) throw new ConfigError([unreadable]);
  try {
    return blocks.map((m) => new X509Certificate(m[0]));
  } catch {
    throw new ConfigError([unreadable]);
  }
}

/**
 * The connection options from the configuration, certificate files read and checked now, so a wrong path or a
 * key that does not belong to its certificate stops the start with the variable and the path named (a
 * ConfigError), not a TLS failure minutes later. The key's contents appear in no message.
 */
export function temporalConnectionOptions(temporal: Pick<Config['temporal'], 'tls' | 'apiKey'>, address: string): TemporalConnectionOptions {
  const described = { tls: temporal.tls, apiKey: temporal.apiKey !== undefined };
  if (!temporal.tls) return { address, apiKey: temporal.apiKey, described };
  const { clientCertPath, clientKeyPath, serverCaCertPath, serverName } = temporal.tls;
  const tls: TLSConfig = {};
  if (serverCaCertPath) {
    const pem = readPem('TEMPORAL_TLS_SERVER_CA_CERT_PATH', serverCaCertPath);
    certificatesIn('TEMPORAL_TLS_SERVER_CA_CERT_PATH', serverCaCertPath, pem);
    tls.serverRootCACertificate = pem;
  }
  if (clientCertPath && clientKeyPath) {
    const crt = readPem('TEMPORAL_TLS_CLIENT_CERT_PATH', clientCertPath);
    const [leaf] = certificatesIn('TEMPORAL_TLS_CLIENT_CERT_PATH', clientCertPath, crt);
    const key = readPem('TEMPORAL_TLS_CLIENT_KEY_PATH', clientKeyPath);
    let privateKey;
    try {
      privateKey = createPrivateKey(key);
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === 'ERR_MISSING_PASSPHRASE' ? 'is encrypted (give it without a passphrase)' : 'holds no private key that parses';
      throw new ConfigError([{ variable: 'TEMPORAL_TLS_CLIENT_KEY_PATH', expected: 'an unencrypted PEM private key', got: `${JSON.stringify(clientKeyPath)}, which ${reason}` }]);
    }
    if (!leaf!.checkPrivateKey(privateKey)) {
      throw new ConfigError([
        {
          variable: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
          expected: `the private key of the certificate in TEMPORAL_TLS_CLIENT_CERT_PATH (${JSON.stringify(clientCertPath)})`,
          got: `${JSON.stringify(clientKeyPath)}, a key that does not belong to it`,
        },
      ]);
    }
    tls.clientCertPair = { crt, key };
  }
  if (serverName) tls.serverNameOverride = serverName;
  return { address, tls, apiKey: temporal.apiKey, described };
}

/** Connection failures: what failed, what to check, and the cause; never a key or the API key. */
export class TemporalConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemporalConnectionError';
  }
}

/** The client connection (starting workflows, search attributes); fails with a TemporalConnectionError. */
export async function connectTemporalClient(options: TemporalConnectionOptions, connectTimeoutMs = 10_000): Promise<Connection> {
  try {
    return await Connection.connect({ address: options.address, tls: options.tls, apiKey: options.apiKey, connectTimeout: connectTimeoutMs });
  } catch (err) {
    throw await explainConnectionFailure(options, err, 'client', connectTimeoutMs);
  }
}

/** The worker connection (the Rust core); the Temporal runtime must be installed first. */
export async function connectTemporalWorker(options: TemporalConnectionOptions, probeTimeoutMs = 10_000): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect({ address: options.address, tls: options.tls, apiKey: options.apiKey });
  } catch (err) {
    throw await explainConnectionFailure(options, err, 'worker', probeTimeoutMs);
  }
}

type Finding =
  | { kind: 'ok' }
  | { kind: 'unreachable'; detail: string }
  | { kind: 'not_tls'; detail: string }
  | { kind: 'speaks_tls'; detail: string }
  | { kind: 'server_untrusted'; detail: string }
  | { kind: 'wrong_name'; detail: string }
  | { kind: 'client_cert_refused'; detail: string }
  | { kind: 'closed_after_handshake'; detail: string };

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
]);

function classify(err: NodeJS.ErrnoException): Finding {
  const code = err.code ?? '';
  // OpenSSL's errors carry a short reason ("tlsv13 alert certificate required") beside a long message.
  const reason = (err as { reason?: string }).reason ?? err.message.split('\n')[0];
  const detail = `${code ? `${code}: ` : ''}${reason}`;
  if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT'].includes(code)) return { kind: 'unreachable', detail };
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return { kind: 'wrong_name', detail };
  if (UNTRUSTED.has(code)) return { kind: 'server_untrusted', detail };
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST|UNKNOWN_PROTOCOL|RECORD_LAYER_FAILURE/.test(code)) return { kind: 'not_tls', detail };
  // The server's alert after our certificate (or our lack of one): TLS 1.3 sends it once the handshake seems done.
  if (/ALERT_(CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|UNKNOWN_CA|BAD_CERTIFICATE|ACCESS_DENIED|CERTIFICATE_UNKNOWN|CERTIFICATE_EXPIRED|UNSUPPORTED_CERTIFICATE)/.test(code)) {
    return { kind: 'client_cert_refused', detail };
  }
  return { kind: 'unreachable', detail };
}

function splitAddress(address: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(address);
  return { host: match?.[1] ?? address, port: Number(match?.[2] ?? 7233) };
}

// An HTTP/2 client opens with this preface and a SETTINGS frame; an HTTP/2 server answers with its own SETTINGS.
const HTTP2_PREFACE = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]);

/** Opens one connection as the SDK would, says hello in HTTP/2 and waits for the server's first bytes. */
function knock(host: string, port: number, tlsOptions: tls.ConnectionOptions | undefined, timeoutMs: number): Promise<Finding & { handshook: boolean }> {
  return new Promise((resolve) => {
    let handshook = false;
    const socket: net.Socket = tlsOptions ? tls.connect({ host, port, ALPNProtocols: ['h2'], ...tlsOptions }) : net.connect(port, host);
    const finish = (finding: Finding) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.destroy();
      resolve({ ...finding, handshook });
    };
    const timer = setTimeout(() => finish({ kind: 'unreachable', detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.once(tlsOptions ? 'secureConnect' : 'connect', () => {
      handshook = true;
      socket.write(HTTP2_PREFACE);
    });
    socket.once('data', () => finish({ kind: 'ok' }));
    socket.once('error', (err) => finish(classify(err)));
    socket.once('close', () =>
      finish(handshook && tlsOptions ? { kind: 'closed_after_handshake', detail: 'the server closed the connection right after the TLS handshake' } : { kind: 'unreachable', detail: 'the server closed the connection' }),
    );
  });
}

/**
 * A second look at the server when a connection failed: grpc-js reports TLS failures only as "failed to connect
 * before the deadline", so one connection with the same TLS settings (ALPN h2, the same CA, client certificate
 * and server name) and an HTTP/2 hello tells a server that does not trust us from one we do not trust, or one
 * that does not speak TLS at all.
 */
async function probe(options: TemporalConnectionOptions, timeoutMs: number): Promise<Finding> {
  const { host, port } = splitAddress(options.address);
  const settings = options.tls;
  if (!settings) {
    const plain = await knock(host, port, undefined, timeoutMs);
    if (plain.kind === 'ok') return plain;
    // A plaintext hello that got nowhere: does the server expect TLS?
    const secured = await knock(host, port, { rejectUnauthorized: false }, timeoutMs);
    return secured.handshook ? { kind: 'speaks_tls', detail: 'the server completed a TLS handshake' } : plain;
  }
  return knock(
    host,
    port,
    {
      ca: settings.serverRootCACertificate ? Buffer.from(settings.serverRootCACertificate) : undefined,
      cert: settings.clientCertPair ? Buffer.from(settings.clientCertPair.crt) : undefined,
      key: settings.clientCertPair ? Buffer.from(settings.clientCertPair.key) : undefined,
      // SNI and the name checked in the server's certificate (RFC 6066 allows no IP address as SNI)
      servername: settings.serverNameOverride ?? (net.isIP(host) ? undefined : host),
    },
    timeoutMs,
  );
}

function isAuthFailure(err: unknown): boolean {
  const texts: string[] = [];
  for (let e = err as { message?: string; code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    texts.push(String(e.message ?? ''));
    if (e.code === 16 || e.code === 7) return true; // gRPC UNAUTHENTICATED, PERMISSION_DENIED
  }
  return /UNAUTHENTICATED|PERMISSION_DENIED|valid authentication credentials|permission denied|unauthorized/i.test(texts.join(' '));
}

function causeText(err: unknown): string {
  const parts: string[] = [];
  for (let e = err as { message?: string; cause?: unknown } | undefined; e && parts.length < 3; e = e.cause as typeof e) {
    if (e.message && !parts.includes(e.message)) parts.push(e.message);
  }
  return parts.join(': ');
}

async function explainConnectionFailure(options: TemporalConnectionOptions, err: unknown, side: 'client' | 'worker', probeTimeoutMs: number): Promise<TemporalConnectionError> {
  const { tls, apiKey } = options.described;
  const how = [
    tls ? 'TLS' : 'plaintext',
    tls?.clientCertPath && `client certificate TEMPORAL_TLS_CLIENT_CERT_PATH=${tls.clientCertPath}`,
    tls && (tls.serverCaCertPath ? `CA TEMPORAL_TLS_SERVER_CA_CERT_PATH=${tls.serverCaCertPath}` : 'the system CAs'),
    tls?.serverName && `server name TEMPORAL_TLS_SERVER_NAME=${tls.serverName}`,
    apiKey && 'API key TEMPORAL_API_KEY',
  ].filter(Boolean);
  const checks: string[] = [];
  if (isAuthFailure(err)) {
    checks.push(
      apiKey
        ? 'the server refused the credentials: check that TEMPORAL_API_KEY is a valid, unexpired key with access to TEMPORAL_NAMESPACE'
        : 'the server refused the credentials: check that the client certificate (TEMPORAL_TLS_CLIENT_CERT_PATH) is one the server accepts for TEMPORAL_NAMESPACE, or set TEMPORAL_API_KEY',
    );
  } else {
    const finding = await probe(options, probeTimeoutMs);
    switch (finding.kind) {
      case 'server_untrusted':
        checks.push(
          `the server's certificate did not verify (${finding.detail}): check TEMPORAL_TLS_SERVER_CA_CERT_PATH (the CA that signed the server's certificate; unset means the system CAs)`,
        );
        break;
      case 'wrong_name':
        checks.push(`the server's certificate is not for this name (${finding.detail}): check TEMPORAL_TLS_SERVER_NAME (a name in the server's certificate) and TEMPORAL_ADDRESS`);
        break;
      case 'client_cert_refused':
      case 'closed_after_handshake':
        // TLS 1.3: the server judges our certificate after the handshake looks done, and some servers then
        // close without an alert.
        checks.push(
          tls?.clientCertPath
            ? `the server refused the client certificate (${finding.detail}): check that TEMPORAL_TLS_CLIENT_CERT_PATH is signed by a CA the server trusts and has not expired`
            : `the server asks for a client certificate (${finding.detail}): set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH`,
        );
        break;
      case 'not_tls':
        checks.push(`the server at TEMPORAL_ADDRESS does not speak TLS (${finding.detail}): check the port, or set TEMPORAL_TLS=false if this server is plaintext`);
        break;
      case 'speaks_tls':
        checks.push('the server at TEMPORAL_ADDRESS expects TLS: set TEMPORAL_TLS=true (and TEMPORAL_TLS_SERVER_CA_CERT_PATH if its CA is private)');
        break;
      case 'unreachable':
        checks.push(`the server did not answer (${finding.detail}): check TEMPORAL_ADDRESS and that the Temporal frontend is reachable from here`);
        break;
      case 'ok':
        checks.push(
          'TLS to the server works, but the Temporal call failed: check TEMPORAL_ADDRESS (a Temporal frontend, not another service)' +
            (apiKey ? ' and TEMPORAL_API_KEY' : tls?.clientCertPath ? ' and that the client certificate is allowed on TEMPORAL_NAMESPACE' : ''),
        );
        break;
    }
  }
  let cause = causeText(err);
  if (options.apiKey) cause = cause.split(options.apiKey).join('***');
  return new TemporalConnectionError(
    `Could not connect the ${side} to Temporal at ${options.address} (${how.join(', ')}): ${checks.join('; ')}. (${cause})`,
  );
}

/** As `temporalConnectionOptions`, for an entry point: a bad certificate file stops the process (EX_CONFIG). */
export function temporalConnectionOptionsOrExit(temporal: Pick<Config['temporal'], 'tls' | 'apiKey'>, address: string): TemporalConnectionOptions {
  try {
    return temporalConnectionOptions(temporal, address);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

/** What an entry point prints when it cannot start: the explanation alone for a connection failure, else the stack. */
export function startFailureText(err: unknown): string {
  if (err instanceof TemporalConnectionError || err instanceof ConfigError) return err.message;
  return String((err as Error).stack ?? err);
}
