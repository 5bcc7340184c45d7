import type { Channel } from './channels';

/** What each platform accepts in one message (WhatsApp Cloud API text body 4096; LinkedIn 1300; Instagram 2200). */
export const CHANNEL_RULES: Record<Channel, { maxLength: number; html: boolean; window24h: boolean }> = {
  whatsapp: { maxLength: 4096, html: false, window24h: true },
  email: { maxLength: 100_000, html: true, window24h: false },
  linkedin: { maxLength: 1300, html: false, window24h: false },
  instagram: { maxLength: 2200, html: false, window24h: true },
};

/** The hour (contact's local time) a channel's messages are read most, when nothing better is known. */
export const CHANNEL_DEFAULT_HOUR: Record<Channel, number> = { email: 10, whatsapp: 14, linkedin: 9, instagram: 18 };
