/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import type { ReviewView } from '../api/reviews';
import { formatRemaining, urgencyOf } from './countdown';
import { h } from './dom';
import { channelLabel, KIND_LABEL, reasonLabel } from './labels';

export function leadName(review: ReviewView): string {
  return review.contact?.name || review.contact?.handle || 'Unknown lead';
}

/** The task's two clocks, the one that runs out first first: the reply window (when the channel has one) and the deadline. */
export function clocks(review: ReviewView, now: number): HTMLElement[] {
  const all = [{ name: 'deadline', label: 'Deadline', until: review.deadline }];
  if (review.windowClosesAt) all.push({ name: 'window', label: 'Window', until: review.windowClosesAt });
  all.sort((a, b) => Date.parse(a.until) - Date.parse(b.until));
  return all.map((clock, index) => {
    const left = Date.parse(clock.until) - now;
    return h(
      'time',
      {
        class: `clock ${clock.name}${index === 0 ? ' first' : ''}`,
        datetime: clock.until,
        'data-until': clock.until,
        'data-urgency': urgencyOf(left),
        title: `${clock.label} ${clock.name === 'window' ? 'closes' : 'is'} ${new Date(clock.until).toLocaleString()}`,
      },
      h('span', { class: 'label' }, `${clock.label} `),
      h('span', { class: 'left' }, formatRemaining(left)),
    );
  });
}

function queueItem(review: ReviewView, selected: boolean, picked: boolean, now: number): HTMLLIElement {
  const who = leadName(review);
  const facts = [KIND_LABEL[review.kind], reasonLabel(review.reason)];
  if (review.draft.intent) facts.push(review.draft.intent);
  if (review.draft.confidence !== null && review.kind === 'review') facts.push(`confidence ${review.draft.confidence.toFixed(2)}`);
  return h(
    'li',
    { class: `item kind-${review.kind}`, 'data-id': review.id, 'data-selected': selected ? 'true' : 'false' },
    h('input', {
      type: 'checkbox',
      class: 'pick',
      'aria-label': `Select ${who} for bulk approval`,
      title: review.oneClick ? 'Select for bulk approval (x)' : 'Only one-click replies are approved in bulk',
      checked: picked,
      disabled: !review.oneClick,
    }),
    h(
      'button',
      { type: 'button', class: 'open', 'aria-current': selected ? 'true' : false },
      h(
        'span',
        { class: 'row' },
        h('span', { class: 'who' }, who),
        review.oneClick ? h('span', { class: 'badge one-click' }, 'one click') : null,
        h('span', { class: `channel ch-${review.channel ?? 'unknown'}` }, channelLabel(review.channel)),
      ),
      h('span', { class: 'row facts' }, facts.join(' · ')),
      h('span', { class: 'row clocks' }, ...clocks(review, now)),
    ),
  );
}

/** The queue as the API orders it: what expires first first. */
export function renderQueue(list: HTMLElement, view: { queue: ReviewView[]; selectedId: string | undefined; picked: ReadonlySet<string>; now: number }): void {
  list.replaceChildren(...view.queue.map((review) => queueItem(review, review.id === view.selectedId, view.picked.has(review.id), view.now)));
}
