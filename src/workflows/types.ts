import type { Channel } from '../domain/channels';
import type { Stage } from '../domain/stages';

/** The workflow's input: internal ids only, so no personal data lands in the workflow history's first event. */
export interface AutopilotInput {
  eventId: string;
  userId: string;
  channel: Channel;
}

export interface AutopilotState {
  stage: Stage;
  reason?: string;
  eventId: string;
  channel: Channel;
  contactId?: string;
  settingsSource?: 'contact' | 'user' | 'default';
  mode?: string;
  intent?: string;
  confidence?: number;
  reviewId?: string;
  reviewDeadline?: string;
  reviewReason?: string;
  oneClick?: boolean;
  sendAt?: string;
  decidedBy?: string;
  sandbox?: boolean;
  updatedAt: string;
}

/**
 * A reviewer's decision, as the `approve` / `skip` signals and the `decide` update carry it. On a task asking
 * whether an uncertain send arrived, `sent` confirms it did and `approve` sends it again.
 */
export type ReviewDecision =
  | { decision: 'approve'; text?: string; reviewer?: string }
  | { decision: 'skip'; reason?: string; reviewer?: string }
  /** A person sent the reply by hand (human-send tasks), or confirms an uncertain send arrived. */
  | { decision: 'sent'; reviewer?: string };

/** The kind of task a person is asked to settle (see review_tasks.kind). */
export type TaskKind = 'review' | 'human_send' | 'send_uncertain';

export interface ApproveSignal {
  text?: string;
  reviewer?: string;
}
export interface SkipSignal {
  reason?: string;
  reviewer?: string;
}
export interface CancelSignal {
  reason: string;
  by?: string;
}

/** The owner stops one reply (POST /v1/events/:id/cancel): accepted at any stage before sending. */
export interface CancelRequest {
  reason?: string;
  by: string;
}

/** The owner's settings changed: a waiting reply re-reads them. */
export interface ControlsChangedSignal {
  change: string;
}

/** The platform reported an uncertain send as delivered (WhatsApp status with our job id). */
export interface SendConfirmedSignal {
  providerMessageId: string;
  by: string;
}

/** What the `decide` update answers once the workflow has acted on the decision. */
export type DecisionOutcome =
  | { outcome: 'scheduled'; sendAt: string }
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'blocked'; reason: string; reviewId: string }
  | { outcome: 'cancelled'; reason: string }
  | { outcome: 'sent' }
  /** An uncertain send goes out again (the reviewer chose to resend). */
  | { outcome: 'resending' };
