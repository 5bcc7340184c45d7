/** Where one inbound message stands on its way to (at most) one reply. */
export const STAGES = [
  'received',
  'generating',
  'awaiting_review',
  'scheduled',
  'awaiting_human_send',
  'sending',
  'sent',
  'skipped',
  'failed',
  'opted_out',
  'cancelled',
] as const;
export type Stage = (typeof STAGES)[number];

/** The stages at which a workflow has ended. `received` is terminal until the reply pipeline continues from it. */
export const FINAL_STAGES: readonly Stage[] = ['received', 'sent', 'skipped', 'failed', 'opted_out', 'cancelled'];
