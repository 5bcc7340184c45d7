import type { PoolClient } from 'pg';
import type { Channel } from '../domain/channels';
import { appendAudit } from './audit';
import { trackResult } from './experiments';
import { markJobSent, type JobRow } from './jobs';

/**
 * A reply that reached the lead, recorded all at once (the caller's transaction): the job sent, the reply as an
 * outbound message, the A/B "sent" count, and the audit entry naming who sent it (an adapter, a person, or the
 * platform's own status report).
 */
export async function recordSentReply(
  client: PoolClient,
  r: {
    userId: string;
    event: { id: string; contactId: string; channel: Channel };
    job: Pick<JobRow, 'id' | 'experimentId' | 'variantId' | 'variantShares'>;
    providerMessageId: string;
    sandbox: boolean;
    text: string;
    at: Date;
    actor: string;
    action: string;
  },
): Promise<void> {
  await markJobSent(client, r.job.id, r.providerMessageId, r.sandbox, r.at);
  await client.query(
    `INSERT INTO message_events (user_id, contact_id, channel, direction, external_id, content, occurred_at, stage, metadata)
     VALUES ($1, $2, $3, 'outbound', $4, $5, $6, 'sent', $7)
     ON CONFLICT (user_id, channel, direction, external_id) DO NOTHING`,
    [r.userId, r.event.contactId, r.event.channel, r.providerMessageId, r.text, r.at, JSON.stringify({ replyTo: r.event.id, jobId: r.job.id, sandbox: r.sandbox })],
  );
  if (r.job.experimentId && r.job.variantId) {
    await trackResult(client, {
      userId: r.userId,
      experimentId: r.job.experimentId,
      variantId: r.job.variantId,
      eventId: r.event.id,
      metric: 'sent',
      shares: r.job.variantShares,
    });
  }
  await appendAudit(client, {
    userId: r.userId,
    actor: r.actor,
    action: r.action,
    subjectType: 'message_event',
    subjectId: r.event.id,
    details: { jobId: r.job.id, providerMessageId: r.providerMessageId, sandbox: r.sandbox, variantId: r.job.variantId },
  });
}
