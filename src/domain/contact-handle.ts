import type { Channel } from './channels';

export type HandleResult = { ok: true; handle: string } | { ok: false; message: string };

// E.164 allows at most 15 digits; WhatsApp's wa_id is the number in international form without "+".
const PHONE_DIGITS = /^\d{7,15}$/;
// Deliberately loose (one @, a dot in the domain, no spaces): the mail server is the judge of the rest.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** One spelling per contact handle, so "+49 170 1234567" and "491701234567" are the same WhatsApp contact. */
export function normalizeHandle(channel: Channel, raw: string): HandleResult {
  const value = raw.trim();
  if (value === '') return { ok: false, message: 'handle must not be empty' };
  switch (channel) {
    case 'whatsapp': {
      const digits = value.replace(/^\+|^00/, '').replace(/[\s\-()./]/g, '');
      return PHONE_DIGITS.test(digits)
        ? { ok: true, handle: digits }
        : { ok: false, message: 'a WhatsApp handle is a phone number in international form, e.g. +491701234567' };
    }
    case 'email':
      return EMAIL.test(value) ? { ok: true, handle: value.toLowerCase() } : { ok: false, message: 'an email handle is an email address' };
    case 'linkedin':
    case 'instagram':
      return value.length <= 256 ? { ok: true, handle: value } : { ok: false, message: 'handle is longer than 256 characters' };
  }
}
