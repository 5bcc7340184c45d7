import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from './openapi';

/**
 * The review page: a reviewer's inbox of open tasks, served by the API and driven by the same /v1 endpoints
 * (the API key stays in the browser's localStorage). Approve (optionally after editing the text), skip with a
 * reason, or confirm a reply that was sent by hand.
 */
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Autopilot · Reviews</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1d2330; background: #f5f6f8; }
  body { max-width: 52rem; margin: 0 auto; padding: 1.5rem 1rem 4rem; }
  header { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; }
  h1 { font-size: 1.35rem; margin: 0 auto 0 0; }
  input[type=password], input[type=text] { padding: .45rem .6rem; border: 1px solid #c8ccd4; border-radius: 6px; font: inherit; }
  button { font: inherit; padding: .45rem .9rem; border-radius: 6px; border: 1px solid #c8ccd4; background: #fff; cursor: pointer; }
  button.primary { background: #2456d3; border-color: #2456d3; color: #fff; }
  .card { background: #fff; border: 1px solid #e0e3e9; border-radius: 10px; padding: 1rem 1.1rem; margin-top: 1rem; }
  .meta { color: #5b6475; font-size: .85rem; display: flex; gap: .8rem; flex-wrap: wrap; }
  .lead { white-space: pre-wrap; background: #f1f3f7; border-radius: 8px; padding: .6rem .75rem; margin: .6rem 0; }
  textarea { width: 100%; box-sizing: border-box; min-height: 6rem; font: inherit; padding: .6rem; border: 1px solid #c8ccd4; border-radius: 8px; }
  .actions { display: flex; gap: .5rem; margin-top: .6rem; flex-wrap: wrap; align-items: center; }
  .gate.fail { color: #b42318; }
  .status { margin-top: 1rem; color: #5b6475; }
  .result { font-size: .9rem; color: #2b7a3d; }
  .result.error { color: #b42318; }
</style>
</head>
<body>
<header>
  <h1>Reviews</h1>
  <input id="key" type="password" placeholder="API key" autocomplete="off" aria-label="API key">
  <button id="save">Use key</button>
  <button id="refresh">Refresh</button>
</header>
<p class="status" id="status">Enter your API key to see the replies waiting for you.</p>
<main id="list"></main>
<script>
const $ = (s) => document.querySelector(s);
const esc = (t) => String(t ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
let key = localStorage.getItem('autopilot.key') || '';
$('#key').value = key;

async function call(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { authorization: 'Bearer ' + key, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error ? data.error.message : res.status + ' ' + res.statusText);
  return data;
}

function card(r) {
  const gates = (r.draft.gates || []).map((g) => '<span class="gate ' + (g.passed ? 'ok' : 'fail') + '">' + esc(g.gate) + (g.passed ? ' ✓' : ' ✗ ' + esc(g.reason || '')) + '</span>').join(' ');
  const human = r.kind === 'human_send';
  return '<article class="card" data-id="' + esc(r.id) + '">' +
    '<div class="meta"><strong>' + esc(r.channel) + '</strong><span>' + esc(human ? 'send by hand' : r.reason) + '</span>' +
    (r.draft.confidence != null ? '<span>confidence ' + Number(r.draft.confidence).toFixed(2) + '</span>' : '') +
    '<span>expires ' + esc(new Date(r.deadline).toLocaleString()) + '</span></div>' +
    '<div class="lead" aria-label="Lead message">' + esc(r.inboundText) + '</div>' +
    '<textarea aria-label="Reply" ' + (human ? 'readonly' : '') + '>' + esc(r.draft.text || '') + '</textarea>' +
    (gates ? '<div class="meta">' + gates + '</div>' : '') +
    '<div class="actions">' +
    (human
      ? '<a href="' + esc(r.actionUrl) + '" target="_blank" rel="noopener">Open the conversation</a><button class="primary" data-do="sent">I sent it</button>'
      : '<button class="primary" data-do="approve">Approve</button>') +
    '<input type="text" placeholder="Reason (optional)" aria-label="Skip reason"><button data-do="skip">Skip</button>' +
    '<span class="result" role="status"></span></div></article>';
}

async function load() {
  if (!key) return;
  try {
    const { reviews } = await call('GET', '/v1/reviews');
    $('#status').textContent = reviews.length ? reviews.length + ' waiting' : 'Nothing waiting. Nice.';
    $('#list').innerHTML = reviews.map(card).join('');
  } catch (err) {
    $('#status').textContent = 'Could not load reviews: ' + err.message;
    $('#list').innerHTML = '';
  }
}

$('#list').addEventListener('click', async (event) => {
  const button = event.target.closest('button[data-do]');
  if (!button) return;
  const article = button.closest('article');
  const id = article.dataset.id;
  const result = article.querySelector('.result');
  const action = button.dataset.do;
  const body = action === 'approve' ? { text: article.querySelector('textarea').value }
    : action === 'skip' ? (article.querySelector('input').value.trim() ? { reason: article.querySelector('input').value.trim() } : {})
    : {};
  article.querySelectorAll('button').forEach((b) => (b.disabled = true));
  try {
    const outcome = await call('POST', '/v1/reviews/' + encodeURIComponent(id) + '/' + action, body);
    result.className = 'result';
    result.textContent = outcome.outcome === 'scheduled' ? 'Scheduled for ' + new Date(outcome.sendAt).toLocaleString()
      : outcome.outcome === 'blocked' ? 'Blocked: ' + outcome.reason + ' (a new review is open)'
      : outcome.outcome === 'skipped' ? 'Skipped' : outcome.outcome === 'sent' ? 'Marked as sent' : outcome.outcome;
  } catch (err) {
    result.className = 'result error';
    result.textContent = err.message;
    article.querySelectorAll('button').forEach((b) => (b.disabled = false));
  }
});

$('#save').addEventListener('click', () => { key = $('#key').value.trim(); localStorage.setItem('autopilot.key', key); load(); });
$('#refresh').addEventListener('click', load);
load();
</script>
</body>
</html>`;

const reviewInbox = createRoute({
  method: 'get',
  path: '/',
  tags: ['Review page'],
  summary: "The reviewers' inbox page (driven by the /v1 review routes with the key kept in the browser)",
  security: [],
  responses: { 200: { description: 'The page.', content: { 'text/html': { schema: z.string() } } } },
});

export const reviewPage = createRouter().openapi(reviewInbox, (c) => {
  c.header('Content-Security-Policy', "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'");
  c.header('X-Content-Type-Options', 'nosniff');
  return c.html(PAGE, 200);
});
