/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import type { ReviewThreadView, ReviewView } from '../api/reviews';
import { h } from './dom';
import { channelLabel, gateLabel, KIND_LABEL, reasonLabel } from './labels';
import { clocks, leadName } from './queue';

const time = (iso: string) =>
  h('time', { datetime: iso, title: new Date(iso).toLocaleString() }, new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }));

function facts(review: ReviewView, now: number): HTMLElement {
  const rows: [string, Node | string][] = [
    ['Channel', channelLabel(review.channel)],
    ['Task', KIND_LABEL[review.kind]],
    ['Why', reasonLabel(review.reason)],
  ];
  if (review.draft.intent) rows.push(['Intent', review.draft.intent]);
  if (review.draft.confidence !== null) rows.push(['Confidence', review.draft.confidence.toFixed(2)]);
  const noWindow = review.windowClosesAt ? null : h('span', { class: 'muted' }, `no reply window on ${channelLabel(review.channel)}`);
  rows.push(['Expires', h('span', { class: 'clocks' }, ...clocks(review, now), noWindow ?? '')]);
  if (review.plannedSendAt) rows.push(['Planned send', time(review.plannedSendAt)]);
  return h('dl', { class: 'facts' }, ...rows.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
}

function gates(review: ReviewView): HTMLElement {
  const list = review.draft.gates;
  return h(
    'section',
    { class: 'gates', 'aria-labelledby': 'gates-title' },
    h('h3', { id: 'gates-title' }, 'Gates'),
    list.length === 0
      ? h('p', { class: 'muted' }, 'No gate results for this task.')
      : h(
          'ul',
          {},
          ...list.map((gate) =>
            h(
              'li',
              { class: `gate ${gate.passed ? 'passed' : 'failed'}`, 'data-gate': gate.gate },
              h('span', { class: 'mark', 'aria-hidden': 'true' }, gate.passed ? '✓' : '✗'),
              h('strong', {}, gateLabel(gate.gate)),
              h('span', { class: 'result' }, gate.passed ? 'passed' : 'failed', gate.passed && gate.detail ? h('span', { class: 'muted' }, ` · ${gate.detail}`) : null),
              gate.passed ? null : h('span', { class: 'reason' }, gate.reason ?? 'no reason given'),
              !gate.passed && gate.detail ? h('span', { class: 'detail' }, gate.detail) : null,
            ),
          ),
        ),
  );
}

const KEY = (key: string) => h('kbd', {}, key);

function actions(review: ReviewView): HTMLElement {
  const button = (action: string, label: string, key?: string, primary = false) =>
    h('button', { type: 'button', class: primary ? 'primary' : '', 'data-action': action, 'aria-keyshortcuts': key ?? false }, label, key ? ' ' : null, key ? KEY(key) : null);
  const buttons: HTMLElement[] = [];
  if (review.kind === 'review') {
    buttons.push(button('approve', 'Approve', 'a', true), button('edit', 'Edit', 'e'), button('skip', 'Skip…', 's'));
  } else if (review.kind === 'human_send') {
    if (review.actionUrl) buttons.push(h('a', { class: 'button', href: review.actionUrl, target: '_blank', rel: 'noopener noreferrer' }, 'Open the conversation'));
    buttons.push(button('copy', 'Copy text'), button('sent', 'I sent it', undefined, true), button('skip', 'Skip…', 's'));
  } else {
    buttons.push(button('sent', 'It arrived', undefined, true), button('approve', 'Send again'), button('skip', 'Leave it…', 's'));
  }
  const leave = review.kind === 'send_uncertain';
  return h(
    'div',
    { class: 'actions' },
    h('div', { class: 'buttons' }, ...buttons),
    h(
      'form',
      { class: 'skip-form', id: 'skip-form', hidden: true },
      h('label', { for: 'skip-reason' }, leave ? 'Why leave it' : 'Reason for skipping'),
      h('input', { id: 'skip-reason', type: 'text', maxlength: 500, placeholder: leave ? 'e.g. the lead has it' : 'e.g. not a real question', autocomplete: 'off' }),
      h('button', { type: 'submit', 'data-action': 'confirm-skip' }, leave ? 'Leave it' : 'Skip'),
      h('button', { type: 'button', 'data-action': 'cancel-skip' }, 'Cancel'),
    ),
    h('p', { class: 'outcome', id: 'task-outcome', role: 'status' }),
  );
}

function draft(review: ReviewView, text: string): HTMLElement {
  const editable = review.kind === 'review';
  const hint =
    review.kind === 'human_send'
      ? 'Copy this text into the conversation, send it there, then confirm.'
      : review.kind === 'send_uncertain'
        ? 'A send was interrupted and may have reached the lead. Check the conversation: it arrived, send it again as it was, or leave it.'
        : 'An edit passes the gates again when you approve it. Ctrl+Enter approves.';
  return h(
    'section',
    { class: 'draft', 'aria-labelledby': 'draft-label' },
    h('label', { id: 'draft-label', for: 'draft-text' }, review.kind === 'review' ? 'Reply draft' : 'Reply'),
    h('textarea', { id: 'draft-text', rows: 6, readonly: !editable, 'aria-describedby': 'draft-hint', spellcheck: 'true' }, text),
    h('p', { id: 'draft-hint', class: 'hint' }, hint),
  );
}

/** The selected task: who and why, its clocks, the conversation (filled in by `renderThread`), the gates, the draft, the actions. */
export function renderTask(pane: HTMLElement, review: ReviewView, options: { text: string; now: number }): void {
  pane.replaceChildren(
    h(
      'article',
      { class: 'task', 'data-id': review.id, 'aria-labelledby': 'task-title' },
      h(
        'header',
        {},
        h('h2', { id: 'task-title', tabindex: '-1' }, leadName(review), review.contact?.name ? h('span', { class: 'handle' }, review.contact.handle) : null),
        facts(review, options.now),
      ),
      h('section', { class: 'thread', id: 'thread', 'aria-labelledby': 'thread-title', 'aria-busy': 'true' }, h('h3', { id: 'thread-title' }, 'Conversation'), h('p', { class: 'muted' }, 'Loading…')),
      h('div', { class: 'work' }, h('div', { class: 'decide' }, draft(review, options.text), actions(review)), gates(review)),
    ),
  );
}

/** The conversation with the lead, newest last; the message this task answers is marked. */
export function renderThread(section: HTMLElement, thread: ReviewThreadView | { error: string }): void {
  const title = h('h3', { id: 'thread-title' }, 'Conversation');
  section.removeAttribute('aria-busy');
  if ('error' in thread) {
    section.replaceChildren(title, h('p', { class: 'error' }, `Could not load the conversation: ${thread.error}`));
    return;
  }
  const messages = thread.messages.map((m) =>
    h(
      'li',
      { class: `message ${m.direction}${m.current ? ' current' : ''}` },
      h('span', { class: 'from' }, m.direction === 'inbound' ? 'Lead' : 'Reply', m.current ? ' · this task' : ''),
      h('p', { class: 'text' }, m.text),
      time(m.at),
    ),
  );
  const parts: HTMLElement[] = [title];
  if (thread.earlier) parts.push(h('p', { class: 'muted' }, 'Earlier messages are not shown.'));
  parts.push(messages.length > 0 ? h('ol', { class: 'messages' }, ...messages) : h('p', { class: 'muted' }, 'No messages on record.'));
  section.replaceChildren(...parts);
  const list = section.querySelector('ol');
  if (list) list.scrollTop = list.scrollHeight;
}

export function renderNothingSelected(pane: HTMLElement, message: string): void {
  pane.replaceChildren(h('div', { class: 'empty' }, h('p', {}, message)));
}
