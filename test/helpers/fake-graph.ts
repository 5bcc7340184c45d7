import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local server answering as the WhatsApp Cloud API does (POST /{version}/{phone-number-id}/messages): a
 * success carries `messages[0].id` (a wamid); an error carries the Graph error object with its code. Each
 * request takes the next scripted answer (the last one repeats) and is recorded as received. The answers a
 * send cannot learn its outcome from: `drop` reads the whole request and closes the connection without a word,
 * `no_id` is a 200 without the message id, `cut` a 200 whose body breaks off. `refuse()` stops listening (a
 * connection attempt is refused) until `accept()`.
 */

export type GraphAnswer =
  | { kind: 'ok'; wamid?: string }
  | { kind: 'error'; status: number; code: number; subcode?: number; message?: string; retryAfter?: string }
  | { kind: 'drop' }
  | { kind: 'no_id' }
  | { kind: 'cut' };

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: any;
}

export interface FakeGraph {
  baseUrl: string;
  requests: ReceivedRequest[];
  script(answers: GraphAnswer[]): void;
  refuse(): Promise<void>;
  accept(): Promise<void>;
  close(): Promise<void>;
}

/** whatsapp: the Cloud API's answer ({ messages: [{ id }] }); instagram: the messaging API's ({ recipient_id, message_id }). */
export async function startFakeGraph(flavor: 'whatsapp' | 'instagram' = 'whatsapp'): Promise<FakeGraph> {
  let answers: GraphAnswer[] = [{ kind: 'ok' }];
  let served = 0;
  let sequence = 0;
  const requests: ReceivedRequest[] = [];
  const used = new Set<string>();
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: raw ? JSON.parse(raw) : undefined });
      const answer = answers[Math.min(served++, answers.length - 1)]!;
      if (answer.kind === 'drop') return req.socket.destroy();
      if (answer.kind === 'no_id') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify(flavor === 'whatsapp' ? { messaging_product: 'whatsapp', contacts: [] } : { recipient_id: requests.at(-1)?.body?.recipient?.id }));
      }
      if (answer.kind === 'cut') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '200' });
        return res.write('{"messaging_product":"whatsapp","mess', () => req.socket.destroy());
      }
      if (answer.kind === 'ok') {
        sequence += 1;
        // A scripted wamid is handed out once, as the platform never repeats one.
        const wamid = answer.wamid && !used.has(answer.wamid) ? answer.wamid : `wamid.fake-${sequence}-${Date.now()}`;
        used.add(wamid);
        res.writeHead(200, { 'content-type': 'application/json' });
        const last = requests.at(-1)?.body;
        return res.end(
          JSON.stringify(
            flavor === 'whatsapp'
              ? { messaging_product: 'whatsapp', contacts: [{ input: last?.to, wa_id: last?.to }], messages: [{ id: wamid }] }
              : { recipient_id: last?.recipient?.id, message_id: wamid.replace(/^wamid\./, 'aWdf') },
          ),
        );
      }
      res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.retryAfter ? { 'retry-after': answer.retryAfter } : {}) });
      res.end(
        JSON.stringify({
          error: {
            message: answer.message ?? `(#${answer.code}) error`,
            type: 'OAuthException',
            code: answer.code,
            ...(answer.subcode ? { error_subcode: answer.subcode } : {}),
            error_data: { messaging_product: 'whatsapp', details: answer.message ?? `details for ${answer.code}` },
            fbtrace_id: 'AbCdEf',
          },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    script(next) {
      answers = next;
      served = 0;
      requests.length = 0;
    },
    refuse: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    accept: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        if (!server.listening) return resolve();
        server.close(() => resolve());
      }),
  };
}
