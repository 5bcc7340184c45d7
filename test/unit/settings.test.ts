import { checkEligibility, DEFAULT_SETTINGS, resolveSettings, type AutopilotSettings } from '../../src/domain/settings';

const user: AutopilotSettings = { ...DEFAULT_SETTINGS, mode: 'one_click', channels: ['email'], maxAutoRepliesPerDay: 5, isActive: true };
const contact: AutopilotSettings = { ...DEFAULT_SETTINGS, mode: 'auto', channels: ['whatsapp'], maxAutoRepliesPerDay: 2, isActive: true };

describe('resolveSettings', () => {
  it("prefers the contact's override", () => {
    expect(resolveSettings(contact, user)).toEqual({ settings: contact, source: 'contact' });
  });
  it("falls back to the user's default", () => {
    expect(resolveSettings(undefined, user)).toEqual({ settings: user, source: 'user' });
  });
  it('falls back to the built-in default: assist mode, every channel, active', () => {
    expect(resolveSettings(undefined, undefined)).toEqual({ settings: DEFAULT_SETTINGS, source: 'default' });
    expect(DEFAULT_SETTINGS).toMatchObject({ mode: 'assist', isActive: true, channels: ['whatsapp', 'email', 'linkedin', 'instagram'] });
  });
});

describe('checkEligibility', () => {
  it('is eligible on an enabled channel of an active autopilot', () => {
    expect(checkEligibility(user, 'email')).toEqual({ eligible: true });
  });
  it('skips a channel that is not enabled', () => {
    expect(checkEligibility(user, 'whatsapp')).toEqual({ eligible: false, reason: 'channel_not_enabled' });
  });
  it('skips everything while the autopilot is inactive', () => {
    expect(checkEligibility({ ...user, isActive: false }, 'email')).toEqual({ eligible: false, reason: 'autopilot_inactive' });
  });
});
