import { DateTime } from 'luxon';
import { localDay, mostCommonHour, planSendTime, type SendTimeInput } from '../../src/domain/send-time';

const berlin = (iso: string) => DateTime.fromISO(iso, { zone: 'Europe/Berlin' }).toJSDate();
const local = (d: Date, zone = 'Europe/Berlin') => DateTime.fromJSDate(d, { zone }).toFormat("yyyy-MM-dd'T'HH:mm");

function plan(overrides: Partial<SendTimeInput>) {
  const now = overrides.now ?? berlin('2026-11-25T09:00');
  return planSendTime({
    now,
    channel: 'email',
    timezone: 'Europe/Berlin',
    timing: 'best_time',
    sendingHours: { start: 8, end: 20 },
    lastInboundAt: now,
    asapDelaySeconds: 90,
    ...overrides,
  });
}

describe('planSendTime, best_time', () => {
  it("uses the contact's preferred hour first", () => {
    const p = plan({ preferredHour: 16, historyHour: 11 });
    expect(p).toMatchObject({ ok: true, basis: 'preference' });
    expect(p.ok && local(p.sendAt)).toBe('2026-11-25T16:00');
  });

  it('then the hour the contact has replied at before', () => {
    const p = plan({ historyHour: 11 });
    expect(p.ok && local(p.sendAt)).toBe('2026-11-25T11:00');
    expect(p).toMatchObject({ basis: 'history' });
  });

  it("then the channel's default hour (email 10, WhatsApp 14, LinkedIn 9, Instagram 18)", () => {
    const at7 = berlin('2026-11-25T07:00');
    expect(local((plan({ now: at7 }) as any).sendAt)).toBe('2026-11-25T10:00');
    expect(local((plan({ now: at7, channel: 'whatsapp' }) as any).sendAt)).toBe('2026-11-25T14:00');
    expect(local((plan({ now: at7, channel: 'linkedin' }) as any).sendAt)).toBe('2026-11-25T09:00');
    expect(local((plan({ now: at7, channel: 'instagram' }) as any).sendAt)).toBe('2026-11-25T18:00');
  });

  it('moves to the next day when the hour has passed', () => {
    const p = plan({ now: berlin('2026-11-25T10:30') });
    expect(p.ok && local(p.sendAt)).toBe('2026-11-26T10:00');
  });

  it("plans in the contact's time zone", () => {
    const p = plan({ timezone: 'America/New_York', now: DateTime.fromISO('2026-11-25T08:00', { zone: 'America/New_York' }).toJSDate() });
    expect(p.ok && local(p.sendAt, 'America/New_York')).toBe('2026-11-25T10:00');
  });

  it('keeps the wall-clock hour across a DST change', () => {
    // Berlin leaves summer time on 2026-10-25: 10:00 on the 24th is 08:00Z, on the 25th 09:00Z.
    const p = plan({ now: berlin('2026-10-24T11:00'), lastInboundAt: berlin('2026-10-24T11:00') });
    expect(p.ok && p.sendAt.toISOString()).toBe('2026-10-25T09:00:00.000Z');
    expect(p.ok && local(p.sendAt)).toBe('2026-10-25T10:00');
  });

  it('moves a preferred hour that does not exist on a spring-forward day forward, as the clock does', () => {
    // 2027-03-28 02:00 does not exist in Berlin.
    const p = plan({ now: berlin('2027-03-27T12:00'), preferredHour: 2 });
    expect(p.ok && local(p.sendAt)).toBe('2027-03-28T03:00');
  });

  it('falls back to UTC with a warning for an invalid time zone', () => {
    const p = plan({ timezone: 'Mars/Olympus', now: new Date('2026-11-25T07:00:00Z') });
    expect(p).toMatchObject({ ok: true, zone: 'UTC', warnings: ['invalid time zone "Mars/Olympus", using UTC'] });
    expect(p.ok && p.sendAt.toISOString()).toBe('2026-11-25T10:00:00.000Z');
  });
});

describe('planSendTime, 24-hour windows (WhatsApp, Instagram)', () => {
  it('moves a WhatsApp reply earlier when the planned hour is past the window', () => {
    // The lead wrote at 13:30; 14:00 tomorrow would be past the window's end (13:30 tomorrow), so the reply moves to now.
    const p = plan({ channel: 'whatsapp', now: berlin('2026-11-25T15:30'), lastInboundAt: berlin('2026-11-25T13:30') });
    expect(p).toMatchObject({ ok: true, basis: 'moved_into_window' });
    expect(p.ok && local(p.sendAt)).toBe('2026-11-25T15:31');
  });

  it('sends to review when no moment inside the sending hours is left in the window', () => {
    const p = plan({ channel: 'instagram', now: berlin('2026-11-25T21:00'), lastInboundAt: berlin('2026-11-24T21:30') });
    expect(p).toMatchObject({ ok: false, reason: 'outside_window' });
  });

  it('does not apply the window to email', () => {
    const p = plan({ channel: 'email', now: berlin('2026-11-25T21:00'), lastInboundAt: berlin('2026-11-20T09:00') });
    expect(p).toMatchObject({ ok: true, basis: 'channel_default' });
  });
});

describe('planSendTime, asap', () => {
  it('sends after a short delay inside the sending hours', () => {
    const p = plan({ timing: 'asap', now: berlin('2026-11-25T11:00') });
    expect(p).toMatchObject({ ok: true, basis: 'asap' });
    expect(p.ok && local(p.sendAt)).toBe('2026-11-25T11:01');
  });

  it('waits for the next sending window at night', () => {
    const p = plan({ timing: 'asap', now: berlin('2026-11-25T23:00') });
    expect(p).toMatchObject({ ok: true, basis: 'next_window' });
    expect(p.ok && local(p.sendAt)).toBe('2026-11-26T08:00');
  });

  it('honours custom sending hours', () => {
    const p = plan({ timing: 'asap', now: berlin('2026-11-25T07:00'), sendingHours: { start: 9, end: 17 } });
    expect(p.ok && local(p.sendAt)).toBe('2026-11-25T09:00');
  });
});

describe('helpers', () => {
  it("counts the day in the contact's zone", () => {
    expect(localDay(new Date('2026-11-25T23:30:00Z'), 'Europe/Berlin')).toBe('2026-11-26');
    expect(localDay(new Date('2026-11-25T23:30:00Z'), 'America/New_York')).toBe('2026-11-25');
  });
  it('finds the hour a contact usually replies at, given enough history', () => {
    const times = ['2026-11-01T16:10', '2026-11-02T16:40', '2026-11-03T09:00', '2026-11-04T16:05'].map(berlin);
    expect(mostCommonHour(times, 'Europe/Berlin')).toBe(16);
    expect(mostCommonHour(times.slice(0, 2), 'Europe/Berlin')).toBeUndefined();
  });
});

describe('planSendTime, Instagram HUMAN_AGENT', () => {
  it('gives a human-approved Instagram reply 7 days instead of 24 hours', () => {
    const input = { channel: 'instagram' as const, now: berlin('2026-11-25T21:00'), lastInboundAt: berlin('2026-11-23T21:30') };
    expect(plan(input)).toMatchObject({ ok: false, reason: 'outside_window' });
    expect(plan({ ...input, humanApproved: true })).toMatchObject({ ok: true });
  });
});
