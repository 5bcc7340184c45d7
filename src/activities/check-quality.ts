import { replySubject } from '../channels/email';
import { isOptedOut } from '../db/contacts';
import { findEvent } from '../db/events';
import { countAutoRepliesToday } from '../db/jobs';
import type { Channel } from '../domain/channels';
import { checkCompliance, checkSpam, runLocalGates, type GateResult } from '../domain/quality-gates';
import type { OptOutScope } from '../domain/settings';
import type { ActivityDeps } from './deps';
import { activityLogger } from './logger';

/**
 * Moderation through the configured moderator. An outage of a remote moderator is a failed gate, not an error:
 * the reply waits for a person (reason moderation_unavailable) instead of leaving the workflow without an outcome.
 */
async function moderate({ moderator, logger }: Pick<ActivityDeps, 'moderator' | 'logger'>, text: string): Promise<GateResult> {
  try {
    return await moderator.check(text);
  } catch (err) {
    logger.warn({ event: 'moderation.unavailable', error: (err as Error).message });
    return { gate: 'moderation', passed: false, reason: 'moderation_unavailable', detail: (err as Error).message.slice(0, 200) };
  }
}

/**
 * Every quality gate on the text, and on an email's subject line (it is sent too), plus the contact's opt-out as it
 * stands now (on this channel, or on any channel of the same person).
 */
export async function runGates(
  deps: Pick<ActivityDeps, 'db' | 'moderator' | 'logger' | 'metrics'>,
  input: { userId: string; contactId: string; channel: Channel; text: string; subject?: string; optOutScope?: OptOutScope },
): Promise<{ gates: GateResult[]; passed: boolean; optedOut: boolean }> {
  const optedOut = await isOptedOut(deps.db, input.userId, input.contactId, input.channel, input.optOutScope ?? 'channel');
  const gates = [await moderate(deps, input.text), ...runLocalGates(input.text, input.channel, optedOut)];
  if (input.subject) {
    const onSubject = [await moderate(deps, input.subject), checkCompliance(input.subject), checkSpam(input.subject)];
    for (const g of onSubject) gates.push({ ...g, detail: `subject: ${g.detail ?? (g.passed ? 'ok' : g.reason)}` });
  }
  for (const g of gates) if (!g.passed) deps.metrics.gateFailed(g.gate, input.channel);
  return { gates, passed: gates.every((g) => g.passed), optedOut };
}

/**
 * Step 4: every quality gate on the text (moderation through the configured moderator, the rest pure), the
 * contact's opt-out as it stands now, and (for the first pipeline's routing) how many replies went out without a
 * human today. Run again after an edit and right before sending.
 */
export function createCheckQuality(deps: ActivityDeps) {
  const { db, clock, channels, logger } = deps;
  return async function checkQuality(input: {
    userId: string;
    contactId: string;
    channel: Channel;
    text: string;
    subject?: string;
    optOutScope?: OptOutScope;
    /** The message answered: an email's reply repeats its subject, which passes the gates too. */
    eventId?: string;
  }): Promise<{ gates: GateResult[]; passed: boolean; optedOut: boolean; autoRepliesToday: number; connected: boolean }> {
    let subject = input.subject;
    if (subject === undefined && input.eventId && input.channel === 'email') {
      const event = await findEvent(db, input.userId, input.eventId);
      subject = replySubject((event?.metadata.email as { subject?: string } | undefined)?.subject);
    }
    const checked = await runGates({ ...deps, logger: activityLogger(logger, input) }, { ...input, subject });
    const autoRepliesToday = await countAutoRepliesToday(db, input.userId, clock.now());
    const connected = (await channels.get(input.channel)?.isConnected(input.userId)) ?? false;
    return { ...checked, autoRepliesToday, connected };
  };
}
