import { REPLY_WINDOWS, replyWindowClosesAt } from '../../src/domain/reply-window';

const HOUR = 3600_000;
const lastInbound = new Date('2025-11-03T09:30:00.000Z');

describe('replyWindowClosesAt', () => {
  it('closes a WhatsApp window 24 h after the lead wrote, whoever approved the reply', () => {
    expect(replyWindowClosesAt('whatsapp', lastInbound, true)).toEqual(new Date(lastInbound.getTime() + 24 * HOUR));
    expect(replyWindowClosesAt('whatsapp', lastInbound, false)).toEqual(new Date(lastInbound.getTime() + 24 * HOUR));
  });

  it('gives an Instagram reply a person approved 7 days (HUMAN_AGENT), an automatic one 24 h', () => {
    expect(replyWindowClosesAt('instagram', lastInbound, true)).toEqual(new Date(lastInbound.getTime() + 7 * 24 * HOUR));
    expect(replyWindowClosesAt('instagram', lastInbound, false)).toEqual(new Date(lastInbound.getTime() + 24 * HOUR));
  });

  it('has no window for email and LinkedIn', () => {
    expect(replyWindowClosesAt('email', lastInbound, true)).toBeNull();
    expect(replyWindowClosesAt('linkedin', lastInbound, false)).toBeNull();
  });

  it('lists every channel for the queue order', () => {
    expect(REPLY_WINDOWS).toEqual({
      whatsapp: { humanApproved: 24 * HOUR, automatic: 24 * HOUR },
      instagram: { humanApproved: 7 * 24 * HOUR, automatic: 24 * HOUR },
      email: { humanApproved: null, automatic: null },
      linkedin: { humanApproved: null, automatic: null },
    });
  });
});
