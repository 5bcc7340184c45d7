import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRoute, z } from '@hono/zod-openapi';
import { build } from 'esbuild';
import { REVIEW_PAGE_CSS } from '../review-page/styles';
import { ApiError } from './errors';
import { createRouter, errors } from './openapi';

/**
 * The review workspace at /review: the page, its script and its stylesheet. The script is the typed module in
 * src/review-page/ (app.ts and what it imports), bundled by esbuild once per process, the first time the page is
 * asked for, and served under a name carrying its content hash, so a browser caches it for good and a new version
 * is a new name. Under tsx or ts-jest the bundle is built from the .ts sources; from dist/ (the production image,
 * which has no src/) from the JavaScript tsc compiled them to. Nothing comes from a CDN: the page works offline.
 */

const SCRIPT_ENTRY = path.join(__dirname, '..', 'review-page', 'app');

// No inline script or style: both come from this origin (the hashed files below), and the page talks only to it.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const ASSET_NAME = /^(?:app|page)\.[0-9a-f]{16}\.(?:js|css)$/;

interface PageAssets {
  html: string;
  files: Map<string, { type: string; bytes: Uint8Array }>;
}

const hashed = (stem: string, extension: string, bytes: Uint8Array) =>
  `${stem}.${crypto.createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.${extension}`;

async function bundlePage(): Promise<PageAssets> {
  const entry = fs.existsSync(`${SCRIPT_ENTRY}.ts`) ? `${SCRIPT_ENTRY}.ts` : `${SCRIPT_ENTRY}.js`;
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const script = result.outputFiles[0]!.contents;
  const styles = new TextEncoder().encode(REVIEW_PAGE_CSS);
  const scriptName = hashed('app', 'js', script);
  const stylesName = hashed('page', 'css', styles);
  return {
    html: pageHtml(`/review/assets/${scriptName}`, `/review/assets/${stylesName}`),
    files: new Map([
      [scriptName, { type: 'text/javascript; charset=utf-8', bytes: script }],
      [stylesName, { type: 'text/css; charset=utf-8', bytes: styles }],
    ]),
  };
}

// Built once per process; a failed build is not kept, so the next request tries again (and the error is logged).
let assets: Promise<PageAssets> | undefined;
function pageAssets(): Promise<PageAssets> {
  assets ??= bundlePage().catch((err: unknown) => {
    assets = undefined;
    throw err;
  });
  return assets;
}

const SHORTCUTS: [string, string][] = [
  ['<kbd>j</kbd> or <kbd>↓</kbd>', 'Next task'],
  ['<kbd>k</kbd> or <kbd>↑</kbd>', 'Previous task'],
  ['<kbd>a</kbd>', 'Approve the draft, with your edit'],
  ['<kbd>e</kbd>', 'Edit the draft'],
  ['<kbd>Ctrl</kbd> + <kbd>Enter</kbd>', 'Approve while editing'],
  ['<kbd>s</kbd>', 'Skip, with a reason (<kbd>Enter</kbd> skips)'],
  ['<kbd>x</kbd>', 'Select a one-click reply for bulk approval'],
  ['<kbd>Shift</kbd> + <kbd>A</kbd>', 'Approve the selected one-click replies'],
  ['<kbd>r</kbd>', 'Refresh the queue'],
  ['<kbd>Esc</kbd>', 'Leave a text field'],
  ['<kbd>?</kbd>', 'Show or hide these shortcuts'],
];

function pageHtml(scriptUrl: string, stylesUrl: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Review workspace · Autopilot</title>
<link rel="stylesheet" href="${stylesUrl}">
<script src="${scriptUrl}" defer></script>
</head>
<body>
<header class="bar">
  <h1>Review workspace</h1>
  <p id="summary" role="status" aria-live="polite"></p>
  <button type="button" id="bulk-approve" class="primary" disabled aria-keyshortcuts="Shift+A">Approve selected (0)</button>
  <button type="button" id="refresh" aria-keyshortcuts="r">Refresh</button>
  <button type="button" id="help-button" aria-haspopup="dialog" aria-keyshortcuts="?">Shortcuts <kbd>?</kbd></button>
  <button type="button" id="change-key">Change key</button>
</header>
<section id="key-panel" class="key-panel" hidden aria-labelledby="key-title">
  <h2 id="key-title">Your reviewer key</h2>
  <form id="key-form">
    <label for="key">Reviewer key</label>
    <input id="key" type="password" autocomplete="off" spellcheck="false" aria-describedby="key-hint key-message">
    <button type="submit" id="save" class="primary">Use key</button>
  </form>
  <p id="key-hint" class="hint">Paste the reviewer key you were given. It stays in this browser (localStorage) and is sent only to this server.</p>
  <p id="key-message" class="error" role="alert"></p>
</section>
<main id="workspace" class="workspace" hidden>
  <section class="queue" aria-labelledby="queue-title">
    <h2 id="queue-title" class="sr-only">Queue: what expires first comes first</h2>
    <ol id="queue"></ol>
    <p class="legend"><span><kbd>j</kbd> <kbd>k</kbd> move</span> <span><kbd>a</kbd> approve</span> <span><kbd>e</kbd> edit</span> <span><kbd>s</kbd> skip</span> <span><kbd>x</kbd> select</span></p>
  </section>
  <section id="task-pane" class="pane" aria-label="Selected task"></section>
</main>
<dialog id="help" aria-labelledby="help-title">
  <h2 id="help-title">Keyboard shortcuts</h2>
  <table>
    <tbody>
${SHORTCUTS.map(([keys, what]) => `      <tr><th scope="row">${keys}</th><td>${what}</td></tr>`).join('\n')}
    </tbody>
  </table>
  <p class="hint">Sending an uncertain reply again and confirming a send take a click: neither can be taken back.</p>
  <button type="button" id="help-close">Close</button>
</dialog>
<div id="toast" role="status" aria-live="polite"></div>
</body>
</html>
`;
}

const reviewWorkspace = createRoute({
  method: 'get',
  path: '/',
  tags: ['Review page'],
  summary: 'The review workspace page (driven by the /v1 review routes with a reviewer key kept in the browser)',
  security: [],
  responses: { 200: { description: 'The page.', content: { 'text/html': { schema: z.string() } } } },
});

const reviewAsset = createRoute({
  method: 'get',
  path: '/assets/{asset}',
  tags: ['Review page'],
  summary: "The workspace's script or stylesheet, by the content-hashed name the page links",
  security: [],
  request: {
    params: z.object({
      asset: z.string().regex(ASSET_NAME, 'no such file').openapi({ param: { description: '`app.<hash>.js` or `page.<hash>.css`' } }),
    }),
  },
  responses: {
    200: {
      description: 'The file; cached for a year (a new version has a new name).',
      content: { 'text/javascript': { schema: z.string() }, 'text/css': { schema: z.string() } },
    },
    ...errors({ 404: 'No such file, or one of an earlier version (`not_found`).' }),
  },
});

export const reviewPage = createRouter()
  .openapi(reviewWorkspace, async (c) => {
    const { html } = await pageAssets();
    c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cache-Control', 'no-cache');
    return c.html(html, 200);
  })
  .openapi(reviewAsset, async (c) => {
    const file = (await pageAssets()).files.get(c.req.valid('param').asset);
    if (!file) throw new ApiError(404, 'not_found', 'no such file (the page links the current version)');
    return c.body(new Uint8Array(file.bytes), 200, {
      'Content-Type': file.type,
      'Cache-Control': 'public, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
    });
  });
