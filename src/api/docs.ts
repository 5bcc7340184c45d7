import fs from 'node:fs';
import path from 'node:path';
import { createRoute, z } from '@hono/zod-openapi';
import { createRouter, errors } from './openapi';

/**
 * The API's description and its reference page, without auth. The page is Swagger UI from the swagger-ui-dist
 * package, served from node_modules by this router (no CDN), so it works offline and behind a firewall.
 */

const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));

/** What /docs loads, by the name it asks for: a file of swagger-ui-dist, or the page's own start script. */
const ASSETS = {
  'swagger-ui.css': { type: 'text/css; charset=utf-8', file: 'swagger-ui.css' },
  'swagger-ui-bundle.js': { type: 'text/javascript; charset=utf-8', file: 'swagger-ui-bundle.js' },
  'favicon-32x32.png': { type: 'image/png', file: 'favicon-32x32.png' },
  'favicon-16x16.png': { type: 'image/png', file: 'favicon-16x16.png' },
  'start.js': { type: 'text/javascript; charset=utf-8', file: undefined },
} as const;
type AssetName = keyof typeof ASSETS;
const ASSET_NAMES = Object.keys(ASSETS) as [AssetName, ...AssetName[]];

// No inline script: the page's Content-Security-Policy allows scripts from this origin only.
// validatorUrl null: Swagger UI would otherwise send the document to validator.swagger.io for a badge.
const START_SCRIPT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  tryItOutEnabled: false,
});
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Autopilot API reference</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="/docs/favicon-16x16.png" sizes="16x16">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/start.js"></script>
</body>
</html>
`;

const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

const loaded = new Map<AssetName, Buffer>();
function assetBytes(name: AssetName): Buffer {
  let bytes = loaded.get(name);
  if (!bytes) {
    const file = ASSETS[name].file;
    bytes = file ? fs.readFileSync(path.join(SWAGGER_UI_DIR, file)) : Buffer.from(START_SCRIPT);
    loaded.set(name, bytes);
  }
  return bytes;
}

const describeApi = createRoute({
  method: 'get',
  path: '/openapi.json',
  tags: ['Reference'],
  summary: 'This description (OpenAPI 3.1)',
  security: [],
  responses: {
    200: {
      description: 'The OpenAPI document.',
      content: { 'application/json': { schema: z.object({ openapi: z.string(), info: z.object({ title: z.string(), version: z.string() }) }) } },
    },
  },
});

const referencePage = createRoute({
  method: 'get',
  path: '/docs',
  tags: ['Reference'],
  summary: 'The API reference page (Swagger UI)',
  security: [],
  responses: { 200: { description: 'The page.', content: { 'text/html': { schema: z.string() } } } },
});

const referenceAsset = createRoute({
  method: 'get',
  path: '/docs/{asset}',
  tags: ['Reference'],
  summary: 'A file the reference page loads',
  security: [],
  request: { params: z.object({ asset: z.enum(ASSET_NAMES, { message: 'no such file' }) }) },
  responses: {
    200: {
      description: 'The file.',
      content: {
        'text/css': { schema: z.string() },
        'text/javascript': { schema: z.string() },
        'image/png': { schema: z.string().openapi({ format: 'binary' }) },
      },
    },
    ...errors({ 404: 'No such file (`not_found`).' }),
  },
});

/** GET /openapi.json (the document `describe` returns), GET /docs and the files it loads. */
export function createReferenceRoutes(describe: () => object) {
  return createRouter()
    .openapi(describeApi, (c) => c.json(describe() as z.infer<typeof describeApi.responses[200]['content']['application/json']['schema']>, 200))
    .openapi(referencePage, (c) => {
      c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
      c.header('X-Content-Type-Options', 'nosniff');
      return c.html(PAGE, 200);
    })
    .openapi(referenceAsset, (c) => {
      const name = c.req.valid('param').asset;
      return c.body(new Uint8Array(assetBytes(name)), 200, {
        'Content-Type': ASSETS[name].type,
        'Cache-Control': 'public, max-age=3600',
        'X-Content-Type-Options': 'nosniff',
      });
    });
}
