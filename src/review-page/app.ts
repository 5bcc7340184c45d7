/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import type { ReviewBatchResultView, ReviewDecidedView, ReviewThreadView, ReviewView } from '../api/reviews';
import { ApiCallError, createReviewApi } from './api';
import { tickCountdowns } from './countdown';
import { byId, isTyping } from './dom';
import { reasonLabel } from './labels';
import { leadName, renderQueue } from './queue';
import { renderNothingSelected, renderTask, renderThread } from './task';

/**
 * The review workspace: the queue of open tasks (what expires first first), the selected task with its
 * conversation, gates and draft, and the decisions, by mouse or keyboard. Everything goes through the /v1 review
 * routes with the reviewer's key, kept in this browser's localStorage.
 */

const KEY_STORAGE = 'autopilot.key';
const REFRESH_EVERY_MS = 20_000;

const page = {
  keyPanel: byId<HTMLElement>('key-panel'),
  keyForm: byId<HTMLFormElement>('key-form'),
  keyInput: byId<HTMLInputElement>('key'),
  keyMessage: byId<HTMLElement>('key-message'),
  workspace: byId<HTMLElement>('workspace'),
  queue: byId<HTMLOListElement>('queue'),
  pane: byId<HTMLElement>('task-pane'),
  summary: byId<HTMLElement>('summary'),
  bulkApprove: byId<HTMLButtonElement>('bulk-approve'),
  refresh: byId<HTMLButtonElement>('refresh'),
  changeKey: byId<HTMLButtonElement>('change-key'),
  helpButton: byId<HTMLButtonElement>('help-button'),
  help: byId<HTMLDialogElement>('help'),
  toast: byId<HTMLElement>('toast'),
};

const state = {
  key: localStorage.getItem(KEY_STORAGE) ?? '',
  queue: [] as ReviewView[],
  selectedId: undefined as string | undefined,
  /** The task the pane shows; the pane is redrawn only when the selection changes, so an edit in progress stays. */
  shownId: undefined as string | undefined,
  picked: new Set<string>(),
  edits: new Map<string, string>(),
  threads: new Map<string, ReviewThreadView>(),
  busy: false,
};

const api = createReviewApi(() => state.key);

const selected = (): ReviewView | undefined => state.queue.find((r) => r.id === state.selectedId);
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

// ------------------------------------------------------------------------------------------- drawing

function draw(options: { focusSelected?: boolean } = {}): void {
  const focusWasInQueue = page.queue.contains(document.activeElement);
  renderQueue(page.queue, { queue: state.queue, selectedId: state.selectedId, picked: state.picked, now: Date.now() });
  const picked = state.picked.size;
  page.summary.textContent =
    state.queue.length === 0 ? 'Nothing waiting' : `${state.queue.length} waiting${picked > 0 ? ` · ${picked} selected` : ''}`;
  page.bulkApprove.disabled = picked === 0 || state.busy;
  page.bulkApprove.textContent = `Approve selected (${picked})`;
  if (state.shownId !== state.selectedId) drawTask();
  if (options.focusSelected || focusWasInQueue) focusSelected();
}

function drawTask(): void {
  const review = selected();
  state.shownId = review?.id;
  if (!review) {
    renderNothingSelected(page.pane, state.queue.length === 0 ? 'Nothing waiting. New replies appear here as they arrive.' : 'Select a task.');
    return;
  }
  renderTask(page.pane, review, { text: state.edits.get(review.id) ?? review.draft.text ?? '', now: Date.now() });
  void loadThread(review);
}

async function loadThread(review: ReviewView): Promise<void> {
  let thread = state.threads.get(review.id);
  try {
    thread ??= await api.thread(review.id);
    state.threads.set(review.id, thread);
  } catch (err) {
    if (state.shownId === review.id) renderThread(byId('thread'), { error: errorText(err) });
    return;
  }
  if (state.shownId === review.id) renderThread(byId('thread'), thread);
}

function focusSelected(): void {
  const button = page.queue.querySelector<HTMLButtonElement>(`li[data-selected="true"] button.open`);
  button?.focus();
  button?.scrollIntoView({ block: 'nearest' });
}

function toast(message: string, tone: 'ok' | 'warn' | 'error' = 'ok'): void {
  page.toast.textContent = message;
  page.toast.dataset.tone = tone;
}

function outcomeLine(message: string, tone: 'ok' | 'error'): void {
  const line = document.getElementById('task-outcome');
  if (!line) return toast(message, tone);
  line.textContent = message;
  line.dataset.tone = tone;
}

function setBusy(busy: boolean): void {
  state.busy = busy;
  for (const button of page.pane.querySelectorAll<HTMLButtonElement>('button')) button.disabled = busy;
  page.bulkApprove.disabled = busy || state.picked.size === 0;
  page.workspace.setAttribute('aria-busy', String(busy));
}

// ------------------------------------------------------------------------------------------- loading

function showKeyPanel(message = ''): void {
  page.workspace.hidden = true;
  page.keyPanel.hidden = false;
  page.keyMessage.textContent = message;
  page.keyInput.value = state.key;
  page.keyInput.focus();
}

/**
 * Reloads the queue; keeps the selection (or takes the task `prefer` names, or the one that moved into its place).
 * False when the queue could not be loaded.
 */
async function refresh(prefer?: (review: ReviewView) => boolean): Promise<boolean> {
  if (!state.key) {
    showKeyPanel();
    return false;
  }
  let queue: ReviewView[];
  try {
    queue = await api.queue();
  } catch (err) {
    if (err instanceof ApiCallError && err.status === 401) {
      localStorage.removeItem(KEY_STORAGE);
      showKeyPanel(`Could not load the queue: ${err.message}`);
    } else {
      toast(`Could not load the queue: ${errorText(err)}`, 'error');
    }
    return false;
  }
  page.keyPanel.hidden = true;
  page.workspace.hidden = false;
  const index = state.queue.findIndex((r) => r.id === state.selectedId);
  state.queue = queue;
  const ids = new Set(queue.map((r) => r.id));
  for (const id of state.picked) if (!ids.has(id) || !queue.find((r) => r.id === id)?.oneClick) state.picked.delete(id);
  const preferred = prefer && queue.find(prefer);
  if (preferred) state.selectedId = preferred.id;
  else if (!state.selectedId || !ids.has(state.selectedId)) state.selectedId = queue[Math.max(0, Math.min(index, queue.length - 1))]?.id;
  draw();
  return true;
}

/** After a blocked edit the workflow opens the next round a moment later: wait for it (a few seconds at most). */
async function refreshUntilFound(prefer: (review: ReviewView) => boolean, timeoutMs = 8000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!((await refresh(prefer)) && state.queue.some(prefer)) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 400));
}

// ------------------------------------------------------------------------------------------- deciding

function describe(outcome: ReviewDecidedView): string {
  switch (outcome.outcome) {
    case 'scheduled':
      return `Approved: goes out ${new Date(outcome.sendAt).toLocaleString()}`;
    case 'skipped':
      return `Skipped (${outcome.reason.replace(/_/g, ' ')})`;
    case 'blocked':
      return `Blocked: ${reasonLabel(outcome.reason)}. A new review is open.`;
    case 'cancelled':
      return `Cancelled (${outcome.reason.replace(/_/g, ' ')})`;
    case 'sent':
      return 'Recorded as sent';
    case 'resending':
      return 'Sending it again';
  }
}

/** Takes the task out of the queue and selects the one that moves into its place. */
function removeFromQueue(ids: ReadonlySet<string>): void {
  const index = state.queue.findIndex((r) => r.id === state.selectedId);
  const selectedGone = state.selectedId !== undefined && ids.has(state.selectedId);
  state.queue = state.queue.filter((r) => !ids.has(r.id));
  for (const id of ids) {
    state.picked.delete(id);
    state.edits.delete(id);
    state.threads.delete(id);
  }
  if (selectedGone) state.selectedId = state.queue[Math.min(index, state.queue.length - 1)]?.id;
}

async function decide(action: 'approve' | 'sent' | 'skip', reason?: string): Promise<void> {
  const review = selected();
  if (!review || state.busy) return;
  let text: string | undefined;
  if (action === 'approve' && review.kind === 'review') {
    const typed = state.edits.get(review.id) ?? review.draft.text ?? '';
    if (!typed.trim()) return outcomeLine('The reply must not be empty.', 'error');
    text = typed === (review.draft.text ?? '') ? undefined : typed;
  }
  setBusy(true);
  try {
    const outcome =
      action === 'approve' ? await api.approve(review.id, text) : action === 'sent' ? await api.confirmSent(review.id) : await api.skip(review.id, reason);
    toast(`${leadName(review)}: ${describe(outcome)}`, outcome.outcome === 'blocked' ? 'warn' : 'ok');
    removeFromQueue(new Set([review.id]));
    // Blocked: the edit failed a gate and the workflow opens the next round, which shows that gate's verdict.
    if (outcome.outcome === 'blocked') await refreshUntilFound((r) => r.eventId === review.eventId);
    draw({ focusSelected: true });
  } catch (err) {
    outcomeLine(errorText(err), 'error');
    if (err instanceof ApiCallError && err.status === 409) await refresh();
  } finally {
    setBusy(false);
  }
}

function describeBatch(results: ReviewBatchResultView[]): string {
  const names = new Map(state.queue.map((r) => [r.id, leadName(r)]));
  const approved = results.filter((r) => 'outcome' in r && r.outcome === 'scheduled').length;
  const others = results.filter((r) => !('outcome' in r) || r.outcome !== 'scheduled');
  const parts = [`${approved} approved`];
  for (const r of others) parts.push(`${names.get(r.reviewId) ?? r.reviewId}: ${'error' in r ? r.error.message : describe(r)}`);
  return parts.join(' · ');
}

async function approvePicked(): Promise<void> {
  const ids = state.queue.filter((r) => state.picked.has(r.id)).map((r) => r.id);
  if (ids.length === 0 || state.busy) return;
  setBusy(true);
  try {
    const results = await api.approveBatch(ids);
    const message = describeBatch(results);
    removeFromQueue(new Set(results.filter((r) => 'outcome' in r).map((r) => r.reviewId)));
    toast(message, results.some((r) => 'error' in r) ? 'warn' : 'ok');
    draw({ focusSelected: true });
  } catch (err) {
    toast(`Bulk approval failed: ${errorText(err)}`, 'error');
  } finally {
    setBusy(false);
  }
}

function togglePick(id: string | undefined): void {
  const review = state.queue.find((r) => r.id === id);
  if (!review) return;
  if (!review.oneClick) return toast('Only one-click replies are approved in bulk: open this one and decide it on its own.', 'warn');
  if (state.picked.has(review.id)) state.picked.delete(review.id);
  else state.picked.add(review.id);
  draw();
}

function move(step: 1 | -1): void {
  if (state.queue.length === 0) return;
  const index = state.queue.findIndex((r) => r.id === state.selectedId);
  const next = index < 0 ? 0 : Math.max(0, Math.min(state.queue.length - 1, index + step));
  state.selectedId = state.queue[next]!.id;
  draw({ focusSelected: true });
}

function openSkipForm(): void {
  const form = document.getElementById('skip-form');
  if (!form) return;
  form.hidden = false;
  byId<HTMLInputElement>('skip-reason').focus();
}

function closeSkipForm(): void {
  const form = document.getElementById('skip-form');
  if (form) form.hidden = true;
  focusSelected();
}

function edit(): void {
  const review = selected();
  const area = document.getElementById('draft-text');
  if (!review || review.kind !== 'review' || !(area instanceof HTMLTextAreaElement)) return;
  area.focus();
  area.setSelectionRange(area.value.length, area.value.length);
}

function toggleHelp(): void {
  if (page.help.open) page.help.close();
  else page.help.showModal();
}

// ------------------------------------------------------------------------------------------- wiring

page.keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const key = page.keyInput.value.trim();
  if (!key) {
    page.keyMessage.textContent = 'Paste your reviewer key first.';
    return;
  }
  state.key = key;
  localStorage.setItem(KEY_STORAGE, key);
  page.keyMessage.textContent = 'Loading…';
  void refresh().then((loaded) => loaded && focusSelected());
});

page.changeKey.addEventListener('click', () => showKeyPanel());
page.refresh.addEventListener('click', () => void refresh());
page.bulkApprove.addEventListener('click', () => void approvePicked());
page.helpButton.addEventListener('click', toggleHelp);
byId('help-close').addEventListener('click', () => page.help.close());

page.queue.addEventListener('click', (event) => {
  const item = (event.target as HTMLElement).closest<HTMLElement>('li[data-id]');
  if (!item || (event.target as HTMLElement).matches('input.pick')) return;
  state.selectedId = item.dataset.id;
  draw();
});
page.queue.addEventListener('change', (event) => {
  const box = event.target as HTMLElement;
  if (box.matches('input.pick')) togglePick(box.closest<HTMLElement>('li[data-id]')?.dataset.id);
});

page.pane.addEventListener('click', (event) => {
  const action = (event.target as HTMLElement).closest<HTMLElement>('[data-action]')?.dataset.action;
  if (action === 'approve') void decide('approve');
  else if (action === 'sent') void decide('sent');
  else if (action === 'skip') openSkipForm();
  else if (action === 'cancel-skip') closeSkipForm();
  else if (action === 'edit') edit();
  else if (action === 'copy') {
    const text = selected()?.draft.text ?? '';
    void navigator.clipboard.writeText(text).then(
      () => outcomeLine('Copied. Paste it into the conversation, send it, then confirm.', 'ok'),
      () => outcomeLine('Could not copy: select the text and copy it by hand.', 'error'),
    );
  }
});
page.pane.addEventListener('submit', (event) => {
  event.preventDefault();
  if ((event.target as HTMLElement).id !== 'skip-form') return;
  const reason = byId<HTMLInputElement>('skip-reason').value.trim();
  void decide('skip', reason || undefined);
});
page.pane.addEventListener('input', (event) => {
  const area = event.target as HTMLElement;
  if (area instanceof HTMLTextAreaElement && area.id === 'draft-text' && state.shownId) state.edits.set(state.shownId, area.value);
});

document.addEventListener('keydown', (event) => {
  if (event.defaultPrevented || !page.keyPanel.hidden || page.help.open) {
    if (page.help.open && event.key === '?') {
      page.help.close();
      event.preventDefault();
    }
    return;
  }
  const target = event.target as HTMLElement;
  if (isTyping(target)) {
    if (event.key === 'Escape') {
      if (target.id === 'skip-reason') closeSkipForm();
      else {
        target.blur();
        focusSelected();
      }
      event.preventDefault();
    } else if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && target.id === 'draft-text') {
      event.preventDefault();
      void decide('approve');
    }
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const review = selected();
  const commands: Record<string, () => void> = {
    j: () => move(1),
    ArrowDown: () => move(1),
    k: () => move(-1),
    ArrowUp: () => move(-1),
    // One key approves a draft; a send and a confirmation (which cannot be taken back) need a click.
    a: () => (review?.kind === 'review' ? void decide('approve') : toast('This task is decided with its buttons: a send or a confirmation cannot be taken back.', 'warn')),
    A: () => void approvePicked(),
    e: edit,
    s: openSkipForm,
    x: () => togglePick(state.selectedId),
    r: () => void refresh(),
    '?': toggleHelp,
  };
  const command = commands[event.key];
  if (!command) return;
  event.preventDefault();
  command();
});

setInterval(() => tickCountdowns(document, Date.now()), 1000);
setInterval(() => {
  if (document.visibilityState === 'visible' && !state.busy && page.keyPanel.hidden && state.key) void refresh();
}, REFRESH_EVERY_MS);

if (state.key) void refresh();
else showKeyPanel();
