import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local server speaking the OpenAI REST wire format (POST /v1/chat/completions, POST /v1/moderations), so
 * the production client code runs unchanged against it. Each chat request takes the next behaviour from the
 * queue (the last one repeats); every request is recorded.
 */

export type ChatBehaviour =
  | { kind: 'reply'; reply: string; confidence: number; detectedAction?: string }
  | { kind: 'refusal'; message: string }
  | { kind: 'invalid'; content: string }
  | { kind: 'status'; status: number }
  | { kind: 'hang' };

export interface RecordedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: any;
}

export interface FakeOpenAi {
  baseURL: string;
  requests: RecordedRequest[];
  flagModeration: boolean;
  /** The behaviours for the next chat requests, in order; the last one repeats. Clears the recorded requests. */
  script(behaviours: ChatBehaviour[]): void;
  close(): Promise<void>;
}

function completion(content: string | null, refusal: string | null) {
  return {
    id: `chatcmpl-${Math.random().toString(36).slice(2)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: 'test-model',
    choices: [{ index: 0, message: { role: 'assistant', content, refusal }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
  };
}

export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  const hanging = new Set<http.ServerResponse>();
  let chat: ChatBehaviour[] = [];
  let served = 0;
  const fake: Omit<FakeOpenAi, 'baseURL' | 'close'> = {
    requests: [],
    flagModeration: false,
    script(behaviours) {
      chat = behaviours;
      served = 0;
      fake.requests.length = 0;
    },
  };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : undefined;
      fake.requests.push({ path: req.url ?? '', headers: req.headers, body });
      const json = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (req.method === 'POST' && req.url === '/v1/moderations') {
        const flagged = fake.flagModeration;
        return json(200, {
          id: 'modr-1',
          model: 'omni-moderation-latest',
          results: [{ flagged, categories: { harassment: flagged, violence: false }, category_scores: { harassment: flagged ? 0.97 : 0.01, violence: 0 } }],
        });
      }
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return json(404, { error: { message: 'not found' } });
      const behaviour = chat[Math.min(served++, chat.length - 1)] ?? { kind: 'status', status: 500 };
      switch (behaviour.kind) {
        case 'reply':
          return json(200, completion(JSON.stringify({ reply: behaviour.reply, confidence: behaviour.confidence, detectedAction: behaviour.detectedAction ?? 'pricing', reasoning: 'test' }), null));
        case 'refusal':
          return json(200, completion(null, behaviour.message));
        case 'invalid':
          return json(200, completion(behaviour.content, null));
        case 'status':
          return json(behaviour.status, { error: { message: 'upstream failure', type: 'server_error', code: null } });
        case 'hang':
          hanging.add(res);
          res.on('close', () => hanging.delete(res));
          return undefined;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    baseURL: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  }) as FakeOpenAi;
}
