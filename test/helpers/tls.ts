import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { temporal } from '@temporalio/proto';

/**
 * Throwaway certificates made with the machine's openssl, a TLS-terminating proxy in front of a plaintext
 * Temporal frontend, and a stand-in frontend that answers GetSystemInfo only: what a Temporal Cloud or a
 * self-hosted cluster with TLS looks like from the client's side.
 */

export interface Certificate {
  certPath: string;
  keyPath: string;
}

export interface TestPki {
  dir: string;
  /** The CA that signed the server and client certificates below. */
  caPath: string;
  /** Another CA, which signed nothing the servers present. */
  otherCaPath: string;
  /** For the names temporal.internal and 127.0.0.1. */
  server: Certificate;
  /** A client certificate the server's CA signed (CN autopilot-worker). */
  client: Certificate;
  /** A client certificate from the other CA. */
  strangerClient: Certificate;
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function newCa(dir: string, name: string): void {
  openssl(dir, [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-keyout', `${name}.key`, '-out', `${name}.pem`, '-subj', `/CN=Autopilot test ${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

function issue(dir: string, ca: string, name: string, subject: string, extensions: string): Certificate {
  openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(dir, [
    'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial',
    '-days', '2', '-out', `${name}.pem`, '-extfile', `${name}.ext`,
  ]);
  return { certPath: path.join(dir, `${name}.pem`), keyPath: path.join(dir, `${name}.key`) };
}

export function createTestPki(): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'autopilot-pki-'));
  newCa(dir, 'ca');
  newCa(dir, 'other-ca');
  const leaf = 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n';
  const server = issue(dir, 'ca', 'server', '/CN=temporal.internal', `${leaf}extendedKeyUsage=serverAuth\nsubjectAltName=DNS:temporal.internal,IP:127.0.0.1\n`);
  const client = issue(dir, 'ca', 'client', '/CN=autopilot-worker', `${leaf}extendedKeyUsage=clientAuth\n`);
  const strangerClient = issue(dir, 'other-ca', 'stranger', '/CN=stranger', `${leaf}extendedKeyUsage=clientAuth\n`);
  return {
    dir,
    caPath: path.join(dir, 'ca.pem'),
    otherCaPath: path.join(dir, 'other-ca.pem'),
    server,
    client,
    strangerClient,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export interface TlsProxy {
  address: string;
  /** The client certificate subject (CN) of every connection that passed the handshake, in order. */
  accepted: string[];
  /** Handshakes that failed, by the server's reason. */
  refused: string[];
  close(): Promise<void>;
}

/**
 * Terminates TLS (ALPN h2, as gRPC clients require) and pipes the plaintext HTTP/2 to `target`. With
 * `requireClientCert` the handshake fails for a client without a certificate the CA signed (mutual TLS).
 */
export async function startTlsProxy(options: { target: string; pki: TestPki; requireClientCert: boolean }): Promise<TlsProxy> {
  const [targetHost, targetPort] = splitAddress(options.target);
  const accepted: string[] = [];
  const refused: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    {
      cert: fs.readFileSync(options.pki.server.certPath),
      key: fs.readFileSync(options.pki.server.keyPath),
      ca: fs.readFileSync(options.pki.caPath),
      requestCert: options.requireClientCert,
      rejectUnauthorized: options.requireClientCert,
      ALPNProtocols: ['h2'],
    },
    (socket) => {
      accepted.push(options.requireClientCert ? String(socket.getPeerCertificate().subject?.CN) : '(no client certificate asked)');
      const upstream = net.connect(targetPort, targetHost);
      sockets.add(upstream);
      upstream.once('close', () => sockets.delete(upstream));
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    },
  );
  server.on('tlsClientError', (err) => refused.push(err.message));
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    accepted,
    refused,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at), Number(address.slice(at + 1))];
}

export interface StandInFrontend {
  address: string;
  /** The authorization header of every GetSystemInfo call, as received. */
  authorizations: (string | undefined)[];
  close(): Promise<void>;
}

const { GetSystemInfoRequest, GetSystemInfoResponse } = temporal.api.workflowservice.v1;

/**
 * A gRPC server over TLS that answers WorkflowService.GetSystemInfo (the call both the client and the worker
 * connection make first) and refuses it with UNAUTHENTICATED unless `authorization: Bearer <apiKey>` came
 * with it, as Temporal Cloud does.
 */
export async function startStandInFrontend(options: { pki: TestPki; apiKey: string }): Promise<StandInFrontend> {
  const authorizations: (string | undefined)[] = [];
  const server = new grpc.Server();
  const getSystemInfo: grpc.MethodDefinition<temporal.api.workflowservice.v1.IGetSystemInfoRequest, temporal.api.workflowservice.v1.IGetSystemInfoResponse> = {
    path: '/temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo',
    requestStream: false,
    responseStream: false,
    requestSerialize: (value) => Buffer.from(GetSystemInfoRequest.encode(value).finish()),
    requestDeserialize: (bytes) => GetSystemInfoRequest.decode(bytes),
    responseSerialize: (value) => Buffer.from(GetSystemInfoResponse.encode(value).finish()),
    responseDeserialize: (bytes) => GetSystemInfoResponse.decode(bytes),
  };
  server.addService({ GetSystemInfo: getSystemInfo }, {
    GetSystemInfo: (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<temporal.api.workflowservice.v1.IGetSystemInfoResponse>) => {
      const authorization = call.metadata.get('authorization')[0]?.toString();
      authorizations.push(authorization);
      if (authorization !== `Bearer ${options.apiKey}`) {
        callback({ code: grpc.status.UNAUTHENTICATED, details: 'Request unauthorized.' });
        return;
      }
      callback(null, { serverVersion: '1.28.1', capabilities: { signalAndQueryHeader: true, internalErrorDifferentiation: true } });
    },
  });
  const credentials = grpc.ServerCredentials.createSsl(null, [
    { cert_chain: fs.readFileSync(options.pki.server.certPath), private_key: fs.readFileSync(options.pki.server.keyPath) },
  ]);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', credentials, (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  return {
    address: `127.0.0.1:${port}`,
    authorizations,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
