import { isOptedOut } from '../db/contacts';
import { countAutoRepliesToday } from '../db/jobs';
import type { Channel } from '../domain/channels';
import { runLocalGates, type GateResult } from '../domain/quality-gates';
import type { ActivityDeps } from './deps';

/**
 * Step 4: every quality gate on the text (moderation through the configured moderator, the rest pure), the
 * contact's opt-out on this channel as it stands now, and how many replies went out without a human today.
 * Run again after an edit and right before sending.
 */
export function createCheckQuality({ db, moderator, clock, channels }: ActivityDeps) {
  return async function checkQuality(input: {
    userId: string;
    contactId: string;
    channel: Channel;
    text: string;
  }): Promise<{ gates: GateResult[]; passed: boolean; optedOut: boolean; autoRepliesToday: number; connected: boolean }> {
    const optedOut = await isOptedOut(db, input.userId, input.contactId, input.channel);
    const gates = [await moderator.check(input.text), ...runLocalGates(input.text, input.channel, optedOut)];
    const autoRepliesToday = await countAutoRepliesToday(db, input.userId, clock.now());
    const connected = (await channels.get(input.channel)?.isConnected(input.userId)) ?? false;
    return { gates, passed: gates.every((g) => g.passed), optedOut, autoRepliesToday, connected };
  };
}
