import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local WhatsApp Cloud API for the fault tests: POST /{version}/{phone-number-id}/messages answers
 * 200 { messaging_product, contacts: [{ input, wa_id }], messages: [{ id: 'wamid…' }] }, as the platform does
 * (developers.facebook.com/docs/whatsapp/cloud-api/reference/messages). While held, it records each request and
 * keeps the answer back, so a test can kill the worker that is waiting for it: the platform then has the message
 * and the sender never learned so.
 */

export interface ReceivedMessage {
  path: string;
  authorization: string | undefined;
  body: any;
}

export interface GraphServer {
  baseUrl: string;
  /** Every send request the platform received, answered or not. */
  received: ReceivedMessage[];
  /** Keep the answers back until release(). */
  hold(): void;
  /** Answer every held request (a caller that has gone away gets nothing) and answer at once from now on. */
  release(): void;
  close(): Promise<void>;
}

export async function startGraphServer(): Promise<GraphServer> {
  const received: ReceivedMessage[] = [];
  const held: (() => void)[] = [];
  let holding = false;
  let sequence = 0;

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const json = (status: number, payload: unknown) => {
        if (res.destroyed || res.writableEnded) return;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (req.method !== 'POST' || !/^\/v\d+\.\d+\/\d+\/messages$/.test(req.url ?? '')) {
        return json(404, { error: { message: 'Unknown path components', type: 'OAuthException', code: 2500 } });
      }
      const body = raw ? JSON.parse(raw) : undefined;
      received.push({ path: req.url ?? '', authorization: req.headers.authorization, body });
      sequence += 1;
      const answer = () =>
        json(200, {
          messaging_product: 'whatsapp',
          contacts: [{ input: body?.to, wa_id: body?.to }],
          messages: [{ id: `wamid.HBgLfault${sequence}` }],
        });
      if (holding) held.push(answer);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    received,
    hold: () => void (holding = true),
    release: () => {
      holding = false;
      for (const answer of held.splice(0)) answer();
    },
    close: () =>
      new Promise<void>((resolve) => {
        held.length = 0;
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
