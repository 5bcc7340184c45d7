import type { Channel } from './channels';
import { CHANNELS } from './channels';
import type { SendingHours, SendTiming } from './send-time';
import type { TemplateSet } from './templates';

export const MODES = ['assist', 'one_click', 'auto'] as const;
export type Mode = (typeof MODES)[number];

export interface AutopilotSettings {
  mode: Mode;
  channels: Channel[];
  maxAutoRepliesPerDay: number;
  isActive: boolean;
  /** null: the installation's AUTOPILOT_CONFIDENCE_THRESHOLD. */
  confidenceThreshold: number | null;
  sendTiming: SendTiming;
  sendingHours: SendingHours;
  templates: TemplateSet;
}

/** What a user has before they configure anything: the autopilot drafts, a human decides. */
export const DEFAULT_SETTINGS: AutopilotSettings = {
  mode: 'assist',
  channels: [...CHANNELS],
  maxAutoRepliesPerDay: 20,
  isActive: true,
  confidenceThreshold: null,
  sendTiming: 'best_time',
  sendingHours: { start: 8, end: 20 },
  templates: {},
};

export type SettingsSource = 'contact' | 'user' | 'default';

/** A contact's own row overrides the user's default row, which overrides the built-in default. */
export function resolveSettings(
  contactRow: AutopilotSettings | undefined,
  userRow: AutopilotSettings | undefined,
): { settings: AutopilotSettings; source: SettingsSource } {
  if (contactRow) return { settings: contactRow, source: 'contact' };
  if (userRow) return { settings: userRow, source: 'user' };
  return { settings: DEFAULT_SETTINGS, source: 'default' };
}

export type Eligibility = { eligible: true } | { eligible: false; reason: 'autopilot_inactive' | 'channel_not_enabled' };

export function checkEligibility(settings: AutopilotSettings, channel: Channel): Eligibility {
  if (!settings.isActive) return { eligible: false, reason: 'autopilot_inactive' };
  if (!settings.channels.includes(channel)) return { eligible: false, reason: 'channel_not_enabled' };
  return { eligible: true };
}
