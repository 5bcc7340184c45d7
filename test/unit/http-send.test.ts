import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { failureOfAnswer, transportFailure } from '../../src/channels/http-send';
import { RetryableSendError, SendOutcomeUnknownError } from '../../src/channels/types';

/**
 * Real `fetch` calls against loopback servers that fail in each way a platform's connection can: the error
 * fetch throws is read as "nothing was sent" only when no byte of the request can have left.
 */

const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listen<T extends net.Server>(server: T): Promise<string> {
  servers.push(server);
  server.on('connection', (socket: net.Socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closedPort(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `127.0.0.1:${port}`;
}

/** The error a POST ends in, as the adapters read it. */
async function failureOf(url: string, timeoutMs = 5_000) {
  const err = await fetch(url, { method: 'POST', body: '{"to":"lead"}', signal: AbortSignal.timeout(timeoutMs) }).then(
    () => {
      throw new Error('the request succeeded');
    },
    (e: unknown) => e,
  );
  return transportFailure('Platform', err);
}

describe('a fetch that failed', () => {
  it('was not sent when nothing listens (connection refused)', async () => {
    const error = await failureOf(`http://${await closedPort()}/messages`);
    expect(error).toBeInstanceOf(RetryableSendError);
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it('was not sent when the host name does not resolve', async () => {
    // .invalid never resolves (RFC 6761); without DNS the lookup fails just as well (EAI_AGAIN)
    expect(await failureOf('http://api.autopilot-test.invalid/messages')).toBeInstanceOf(RetryableSendError);
  });

  it('was not sent when the TLS handshake failed', async () => {
    const address = await listen(net.createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')));
    const error = await failureOf(`https://${address}/messages`);
    expect(error).toBeInstanceOf(RetryableSendError);
    expect(error.message).toMatch(/ERR_SSL_/);
  });

  it('may have arrived when the connection closed after the request was read', async () => {
    const address = await listen(http.createServer((req) => req.resume().on('end', () => req.socket.destroy())));
    const error = await failureOf(`http://${address}/messages`);
    expect(error).toBeInstanceOf(SendOutcomeUnknownError);
    expect(error.message).toMatch(/other side closed/);
  });

  it('may have arrived when the connection was reset after the request was written', async () => {
    const address = await listen(net.createServer((socket) => socket.once('data', () => socket.resetAndDestroy())));
    expect(await failureOf(`http://${address}/messages`)).toBeInstanceOf(SendOutcomeUnknownError);
  });

  it('may have arrived when no answer came in time', async () => {
    const address = await listen(http.createServer((req) => req.resume()));
    const error = await failureOf(`http://${address}/messages`, 200);
    expect(error).toBeInstanceOf(SendOutcomeUnknownError);
    expect(error.message).toMatch(/timeout/i);
  });
});

describe('an answer other than a 2xx', () => {
  it.each([
    [500, undefined, 'unknown'],
    [503, 'retry_not_sent', 'unknown'],
    [502, 'invalid_recipient', 'unknown'],
    [302, undefined, 'unknown'],
    [429, undefined, 'rate_limited'],
    [429, 'rejected', 'rate_limited'],
    [401, undefined, 'connection_broken'],
    [400, 'connection_broken', 'connection_broken'],
    [400, 'outside_window', 'outside_window'],
    [400, undefined, 'rejected'],
    [404, undefined, 'rejected'],
    [403, 'blocked', 'blocked'],
  ] as const)('%i with the table saying %s means %s', (status, listed, expected) => {
    expect(failureOfAnswer(status, listed)).toBe(expected);
  });
});
