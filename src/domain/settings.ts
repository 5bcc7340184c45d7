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
  /**
   * null: the installation's AUTOPILOT_CONFIDENCE_THRESHOLD. 'learned': a reply goes out by itself only for an intent
   * and channel whose drafts reviewers have approved unedited often enough (src/domain/calibration.ts).
   */
  confidenceThreshold: number | null | 'learned';
  sendTiming: SendTiming;
  sendingHours: SendingHours;
  templates: TemplateSet;
  /** The user's IANA time zone: "today" for the daily caps is the user's day. */
  timezone: string;
  /** person: a lead's opt-out on one channel suppresses every channel of the same person; channel: only that one. */
  optOutScope: OptOutScope;
  /** A line saying the reply was written by an AI, added to automatic replies on these channels (EU AI Act Art. 50). */
  disclosure: { text: string; channels: Channel[] } | null;
}

export const OPT_OUT_SCOPES = ['person', 'channel'] as const;
export type OptOutScope = (typeof OPT_OUT_SCOPES)[number];

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
  timezone: 'UTC',
  optOutScope: 'person',
  disclosure: null,
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

/**
 * What belongs to the user rather than to one contact (the day the caps count in, the cap on automatic replies,
 * how far an opt-out reaches): always the user's own row, whatever a contact's override says.
 */
export function userLevelSettings(userRow: AutopilotSettings | undefined): Pick<AutopilotSettings, 'timezone' | 'maxAutoRepliesPerDay' | 'optOutScope'> {
  const row = userRow ?? DEFAULT_SETTINGS;
  return { timezone: row.timezone, maxAutoRepliesPerDay: row.maxAutoRepliesPerDay, optOutScope: row.optOutScope };
}

/**
 * Why an owner's change stops a reply that is not sent yet: the autopilot turned off stops every reply; a move to
 * assist mode or a channel switched off stops only the replies the autopilot scheduled by itself (a person's
 * approval stands).
 */
export type StopReason = 'autopilot_paused' | 'mode_changed' | 'channel_disabled';

export function controlStop(settings: AutopilotSettings, channel: Channel, decidedByAutopilot: boolean): StopReason | undefined {
  if (!settings.isActive) return 'autopilot_paused';
  if (!decidedByAutopilot) return undefined;
  if (!settings.channels.includes(channel)) return 'channel_disabled';
  if (settings.mode !== 'auto') return 'mode_changed';
  return undefined;
}

export type Eligibility = { eligible: true } | { eligible: false; reason: 'autopilot_inactive' | 'channel_not_enabled' };

export function checkEligibility(settings: AutopilotSettings, channel: Channel): Eligibility {
  if (!settings.isActive) return { eligible: false, reason: 'autopilot_inactive' };
  if (!settings.channels.includes(channel)) return { eligible: false, reason: 'channel_not_enabled' };
  return { eligible: true };
}
