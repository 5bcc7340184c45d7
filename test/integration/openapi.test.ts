import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { createApp } from '../../src/api/app';
import { WorkflowStarter } from '../../src/temporal/starter';
import { createLogger } from '../../src/logger';
import { createMetrics } from '../../src/metrics';
import { findOnPath } from '../../src/temporal/cli';
import { startStack, type Stack } from '../helpers/stack';

/** The API describes itself: /openapi.json lists what the app serves, /docs shows it without the internet. */

type Doc = any;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

let stack: Stack;
let app: ReturnType<typeof createApp>;
let doc: Doc;

beforeAll(async () => {
  stack = await startStack();
  const logger = createLogger('silent');
  const starter = new WorkflowStarter(stack.temporal, stack.taskQueue, logger);
  app = createApp({ db: stack.db, temporal: stack.temporal, taskQueue: stack.taskQueue, starter, logger, metrics: createMetrics(), confidenceThreshold: 0.85 });
  const response = await fetch(`${stack.url}/openapi.json`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  doc = await response.json();
});
afterAll(async () => stack?.close());

function operations(document: Doc): { key: string; path: string; method: string; operation: any }[] {
  return Object.entries<any>(document.paths).flatMap(([route, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ key: `${method.toUpperCase()} ${route}`, path: route, method, operation: item[method] })),
  );
}

/** Every JSON Schema object inside `value`, with where it was found. */
function* schemasIn(value: unknown, at: string): Generator<[string, any]> {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) yield* schemasIn(item, `${at}/${i}`);
  } else if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (record.schema && typeof record.schema === 'object') yield [`${at}/schema`, record.schema];
    for (const [key, item] of Object.entries(record)) yield* schemasIn(item, `${at}/${key}`);
  }
}

function resolve(document: Doc, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .reduce<any>((node, part) => (node === undefined ? undefined : node[part.replace(/~1/g, '/').replace(/~0/g, '~')]), document);
}

describe('GET /openapi.json', () => {
  it('is OpenAPI 3.1.0, without auth, versioned as the package', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: expect.any(String), version: pkg.version });
  });

  it('describes every route the app serves, and no route it does not', () => {
    // Hono lists middleware as method ALL; every other entry is a route (validators repeat it, hence the set).
    const served = new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`));
    const described = new Set(operations(doc).map((o) => o.key));
    expect([...described].sort()).toEqual([...served].sort());
    expect(served.size).toBeGreaterThan(30);
  });

  it('is structurally valid OpenAPI 3.1', () => {
    const problems: string[] = [];
    if (!doc.info?.title || !doc.info?.version) problems.push('info needs title and version');
    const ids = new Set<string>();
    for (const { key, path: route, operation } of operations(doc)) {
      if (!route.startsWith('/')) problems.push(`${key}: paths start with /`);
      // Not required by OpenAPI, but by this API: the reference page groups by tag and lists by summary.
      if (!operation.summary || !operation.tags?.length) problems.push(`${key}: needs a summary and a tag`);
      if (operation.operationId) {
        if (ids.has(operation.operationId)) problems.push(`${key}: operationId ${operation.operationId} repeats`);
        ids.add(operation.operationId);
      }
      // Each path template variable is a required path parameter, and each path parameter is in the template.
      const templated = [...route.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const parameters: any[] = operation.parameters ?? [];
      const inPath = parameters.filter((p) => p.in === 'path').map((p) => p.name);
      if ([...templated].sort().join() !== [...inPath].sort().join()) problems.push(`${key}: path parameters ${inPath} for template ${templated}`);
      for (const p of parameters) {
        if (!['path', 'query', 'header', 'cookie'].includes(p.in)) problems.push(`${key}: parameter ${p.name} in ${p.in}`);
        if (p.in === 'path' && p.required !== true) problems.push(`${key}: path parameter ${p.name} must be required`);
        if (!p.schema && !p.content) problems.push(`${key}: parameter ${p.name} has no schema`);
      }
      const seen = new Set(parameters.map((p) => `${p.in}:${p.name.toLowerCase()}`));
      if (seen.size !== parameters.length) problems.push(`${key}: a parameter repeats`);
      if (operation.requestBody && !operation.requestBody.content) problems.push(`${key}: requestBody without content`);
      const responses = Object.entries<any>(operation.responses ?? {});
      if (responses.length === 0) problems.push(`${key}: no responses`);
      for (const [status, response] of responses) {
        if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(status)) problems.push(`${key}: response key ${status}`);
        if (typeof response.description !== 'string') problems.push(`${key} ${status}: a response needs a description`);
      }
      for (const requirement of operation.security ?? []) {
        for (const scheme of Object.keys(requirement)) {
          if (!doc.components?.securitySchemes?.[scheme]) problems.push(`${key}: security scheme ${scheme} is not defined`);
        }
      }
    }
    for (const [name, scheme] of Object.entries<any>(doc.components?.securitySchemes ?? {})) {
      if (!['apiKey', 'http', 'mutualTLS', 'oauth2', 'openIdConnect'].includes(scheme.type)) problems.push(`scheme ${name}: type ${scheme.type}`);
      if (scheme.type === 'apiKey' && (!scheme.name || !['query', 'header', 'cookie'].includes(scheme.in))) problems.push(`scheme ${name}: name and in`);
      if (scheme.type === 'http' && !scheme.scheme) problems.push(`scheme ${name}: http needs scheme`);
    }
    // Every $ref resolves inside the document; schemas are objects or booleans.
    const walk = (value: unknown, at: string) => {
      if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${at}/${i}`));
      else if (value && typeof value === 'object') {
        for (const [key, item] of Object.entries(value)) {
          if (key === '$ref' && (typeof item !== 'string' || resolve(doc, item) === undefined)) problems.push(`${at}: $ref ${String(item)} does not resolve`);
          walk(item, `${at}/${key}`);
        }
      }
    };
    walk(doc, '#');
    for (const [at, schema] of schemasIn(doc.paths, '#/paths')) {
      if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) problems.push(`${at}: a schema is an object`);
    }
    expect(problems).toEqual([]);
  });

  it('says how each route authenticates: the API key on /v1 (with its 401 and 403), optional on /readyz, a signature or Basic auth on webhooks', () => {
    for (const { key, path: route, method, operation } of operations(doc)) {
      if (route.startsWith('/v1/')) {
        expect([key, operation.security]).toEqual([key, [{ apiKey: [] }]]);
        expect([key, Object.keys(operation.responses)]).toEqual([key, expect.arrayContaining(['401', '403'])]);
      } else if (key === 'GET /readyz') {
        // No key for the status alone; an admin key for the details.
        expect(operation.security).toEqual([{}, { apiKey: [] }]);
        expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403']));
      } else if (method === 'post' && /^\/webhooks\/(whatsapp|instagram)$/.test(route)) {
        expect(operation.security).toEqual([{ metaSignature: [] }]);
      } else if (method === 'post' && route === '/webhooks/email') {
        expect(operation.security).toEqual([{ inboundMailBasic: [] }]);
      } else if (route === '/metrics') {
        // The metrics token when the operator sets one (AUTOPILOT_METRICS_TOKEN), else nothing.
        expect(operation.security).toEqual([{ metricsToken: [] }, {}]);
        expect(Object.keys(operation.responses)).toEqual(['200', '401']);
      } else {
        expect([key, operation.security]).toEqual([key, []]);
      }
    }
    expect(doc.components.securitySchemes).toMatchObject({
      apiKey: { type: 'http', scheme: 'bearer' },
      metaSignature: { type: 'apiKey', in: 'header', name: 'X-Hub-Signature-256' },
      inboundMailBasic: { type: 'http', scheme: 'basic' },
      metricsToken: { type: 'http', scheme: 'bearer' },
    });
  });

  it('describes JSON errors with the one shared Error component', () => {
    expect(doc.components.schemas.Error).toMatchObject({
      type: 'object',
      required: ['error'],
      properties: { error: { required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } } } },
    });
    const errorResponses = operations(doc).flatMap(({ key, operation }) =>
      Object.entries<any>(operation.responses)
        .filter(([status, response]) => Number(status) >= 400 && response.content?.['application/json'] && key !== 'GET /readyz')
        .map(([status, response]) => [key, status, response.content['application/json'].schema.$ref]),
    );
    expect(errorResponses.length).toBeGreaterThan(50);
    expect(errorResponses.filter(([, , ref]) => ref !== '#/components/schemas/Error')).toEqual([]);
  });

  it('documents the validation it performs: ids are UUIDs, refused unknown fields are additionalProperties false', () => {
    const review = doc.paths['/v1/reviews/{id}/skip'].post;
    expect(review.parameters.find((p: any) => p.name === 'id').schema).toMatchObject({ type: 'string', format: 'uuid' });
    expect(review.requestBody.content['application/json'].schema).toMatchObject({ additionalProperties: false });
    expect(doc.paths['/v1/channels/{channel}'].get.parameters[0].schema.enum).toEqual(['whatsapp', 'email', 'linkedin', 'instagram']);
    expect(doc.paths['/v1/events'].post.responses).toHaveProperty('415');
  });
});

describe('validation, as the document says', () => {
  it('refuses a JSON body sent as another media type with 415', async () => {
    const response = await fetch(`${stack.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.user.key}`, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({ error: { code: 'unsupported_media_type', message: expect.any(String) } });
  });

  it('refuses text PostgreSQL cannot store (U+0000) with 400 naming the field, and stores nothing', async () => {
    const user = await stack.createUser();
    const response = await stack.request('POST', '/v1/events', {
      key: user.key,
      body: { channel: 'linkedin', externalId: 'nul-1', contact: { handle: 'someone' }, text: 'Hallo\u0000', metadata: { fine: 'yes' } },
    });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'invalid_request', field: 'text' });
    const { rows } = await stack.db.query('SELECT count(*)::int AS n FROM message_events WHERE user_id = $1', [user.id]);
    expect(rows[0].n).toBe(0);
  });

  it('answers an id that is no UUID with 404, as one that names nothing', async () => {
    const response = await stack.request('GET', '/v1/experiments/not-an-id');
    expect(response).toEqual({ status: 404, body: { error: { code: 'not_found', message: 'experiment not found' } } });
  });
});

describe('GET /docs', () => {
  it('serves the reference page and every file it loads from this server, with no other origin', async () => {
    const page = await fetch(`${stack.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    const loaded = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(loaded).toEqual(expect.arrayContaining(['/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js', '/docs/start.js']));
    for (const url of loaded) {
      expect(url.startsWith('/')).toBe(true);
      const asset = await fetch(`${stack.url}${url}`);
      expect([url, asset.status]).toEqual([url, 200]);
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    const script = await fetch(`${stack.url}/docs/start.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toContain("url: '/openapi.json'");
    expect((await fetch(`${stack.url}/docs/swagger-ui.css`)).headers.get('content-type')).toMatch(/^text\/css/);
    expect((await fetch(`${stack.url}/docs/..%2F..%2Fpackage.json`)).status).toBe(404);
  });

  it('renders every operation in a real browser that may reach nothing but this server', async () => {
    const executablePath = process.env.CHROMIUM_PATH || findOnPath('chromium') || findOnPath('chromium-browser');
    if (!executablePath) throw new Error('Chromium is needed for this test: apt-get install chromium, or set CHROMIUM_PATH');
    const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    try {
      const page = await browser.newPage();
      const elsewhere: string[] = [];
      await page.route('**/*', (route) => {
        if (route.request().url().startsWith(stack.url)) return route.continue();
        elsewhere.push(route.request().url());
        return route.abort();
      });
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(`${stack.url}/docs`);
      await page.locator('.opblock').first().waitFor({ timeout: 30_000 });
      expect(await page.locator('.opblock').count()).toBe(operations(doc).length);
      expect(await page.locator('.info .title').innerText()).toContain(doc.info.title);
      expect(elsewhere.filter((url) => !url.startsWith('data:'))).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
