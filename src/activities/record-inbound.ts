import { ApplicationFailure } from '@temporalio/activity';
import { optOutContact, upsertContact } from '../db/contacts';
import { attachContact, findEvent, type EventRow } from '../db/events';
import { findExperiment, lastSentVariant, trackResult } from '../db/experiments';
import { refreshExperiment } from '../experiments/evaluate';
import { loadSettingsRows } from '../db/settings';
import { withTransaction } from '../db/transaction';
import { detectOptOut, type OptOutResult } from '../domain/opt-out';
import {
  checkEligibility,
  resolveSettings,
  userLevelSettings,
  type AutopilotSettings,
  type Eligibility,
  type SettingsSource,
} from '../domain/settings';
import type { AutopilotInput } from '../workflows/types';
import type { ActivityDeps } from './deps';
import { activityLogger } from './logger';

export interface InboundRecord {
  contactId: string;
  settings: AutopilotSettings;
  settingsSource: SettingsSource;
  /** The user's own time zone, daily cap and opt-out scope (never a contact's override). */
  userLevel: Pick<AutopilotSettings, 'timezone' | 'maxAutoRepliesPerDay' | 'optOutScope'>;
  optOut: OptOutResult;
  eligibility: Eligibility;
  /** The numeric threshold in force: the user's own, else the installation's (also when autonomy is learned). */
  confidenceThreshold: number;
  reviewTtlMs: number;
  /** The channel forbids automated messages (LinkedIn): a person sends the ready reply. */
  manualSend?: boolean;
}

/** An opt-out in the lead's words; for email also in the subject line ("Unsubscribe" with a quoted body). */
export function optOutIn(event: Pick<EventRow, 'text' | 'channel' | 'metadata'>): OptOutResult {
  const inText = detectOptOut(event.text);
  if (inText.optOut || event.channel !== 'email') return inText;
  const subject = (event.metadata.email as { subject?: unknown } | undefined)?.subject;
  return typeof subject === 'string' && subject.trim() ? detectOptOut(subject.replace(/^\s*(re|aw|antw|fwd?|wg)\s*:\s*/i, '')) : inText;
}

/**
 * Step 1: the contact is upserted and linked to the stored message, the settings resolved (contact override,
 * user default, built-in default), an opt-out in the text recorded before anything else happens, and the
 * message counted as a reply to the variant of the last reply this contact got. Every write is an upsert keyed
 * by the event, so a retried attempt changes nothing.
 */
export async function recordInboundMessage(deps: ActivityDeps, input: AutopilotInput): Promise<InboundRecord> {
  const { db, logger, policy, channels } = deps;
  const event = await findEvent(db, input.userId, input.eventId);
  if (!event) {
    throw ApplicationFailure.nonRetryable(`message event ${input.eventId} does not exist`, 'EventNotFound');
  }
  const recorded = await withTransaction(db, async (client) => {
    const contact = await upsertContact(client, {
      userId: event.userId,
      channel: event.channel,
      handle: event.contact.handle,
      name: event.contact.name,
      timezone: event.contact.timezone,
      phone: event.contact.phone,
      email: event.contact.email,
    });
    await attachContact(client, event.userId, event.id, contact.id);
    const rows = await loadSettingsRows(client, event.userId, contact.id);
    const resolved = resolveSettings(rows.contact, rows.user);
    const optOut = optOutIn(event);
    if (optOut.optOut) {
      await optOutContact(client, {
        userId: event.userId,
        contactId: contact.id,
        channel: event.channel,
        source: 'inbound_message',
        detail: optOut.matched,
        messageEventId: event.id,
        actor: 'system',
        details: { eventId: event.id, rule: optOut.rule, matched: optOut.matched, language: optOut.language },
      });
    }
    // The lead answered the variant of the last reply they got: a reply, or — an opt-out is its own metric, never a
    // reply, so a variant that drives leads away does not look better for it.
    const answered = await lastSentVariant(client, event.userId, contact.id, event.channel, event.occurredAt);
    if (answered) await trackResult(client, { userId: event.userId, ...answered, metric: optOut.optOut ? 'opted_out' : 'replied' });
    return { contactId: contact.id, ...resolved, userLevel: userLevelSettings(rows.user), optOut, answered };
  });
  if (recorded.answered && recorded.optOut.optOut) {
    // The opt-out guardrail acts at once: the variant may have to pause itself.
    const experiment = await findExperiment(db, event.userId, recorded.answered.experimentId);
    if (experiment?.status === 'active') await refreshExperiment(db, event.userId, experiment, deps.clock.now(), 'decisions');
  }
  const { contactId, settings, source, optOut, userLevel } = recorded;
  const eligibility = checkEligibility(settings, event.channel);
  logger.info({
    event: 'inbound.recorded',
    contactId,
    channel: event.channel,
    optOut: optOut.optOut,
    settingsSource: source,
    mode: settings.mode,
  });
  return {
    contactId,
    settings,
    settingsSource: source,
    userLevel,
    optOut,
    eligibility,
    confidenceThreshold: typeof settings.confidenceThreshold === 'number' ? settings.confidenceThreshold : policy.confidenceThreshold,
    reviewTtlMs: policy.reviewTtlMs,
    manualSend: channels.get(event.channel)?.supports('automated_send') === false,
  };
}

/** The first pipeline's step 1 (workflows started before the prepareReply step); see recordInboundMessage. */
export function createRecordInbound(deps: ActivityDeps) {
  return async function recordInbound(input: AutopilotInput): Promise<InboundRecord> {
    return recordInboundMessage({ ...deps, logger: activityLogger(deps.logger, input) }, input);
  };
}
