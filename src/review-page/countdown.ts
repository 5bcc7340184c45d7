/// <reference lib="dom" />
/// <reference lib="dom.iterable" />

/** How much time is left, to the second: "1d 4h 03m 09s", "4h 03m 09s", "3m 09s", or "expired". */
export function formatRemaining(ms: number): string {
  if (ms <= 0) return 'expired';
  const total = Math.floor(ms / 1000);
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (days > 0) return `${days}d ${hours}h ${pad(minutes)}m ${pad(seconds)}s`;
  if (hours > 0) return `${hours}h ${pad(minutes)}m ${pad(seconds)}s`;
  return `${minutes}m ${pad(seconds)}s`;
}

export type Urgency = 'expired' | 'urgent' | 'soon' | 'later';

/** Under 15 minutes a reviewer should act now; under 2 hours, today's first things. */
export function urgencyOf(ms: number): Urgency {
  if (ms <= 0) return 'expired';
  if (ms < 15 * 60_000) return 'urgent';
  if (ms < 2 * 3600_000) return 'soon';
  return 'later';
}

/** Updates every countdown on the page (elements with `data-until`, an ISO time) to `now`. */
export function tickCountdowns(root: ParentNode, now: number): void {
  for (const element of root.querySelectorAll<HTMLElement>('[data-until]')) {
    const left = Date.parse(element.dataset.until ?? '') - now;
    const value = element.querySelector<HTMLElement>('.left') ?? element;
    const text = formatRemaining(left);
    if (value.textContent !== text) value.textContent = text;
    element.dataset.urgency = urgencyOf(left);
  }
}
