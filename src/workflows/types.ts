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

/** A reviewer's decision, as the `approve` / `skip` signals and the `decide` update carry it. */
export type ReviewDecision =
  | { decision: 'approve'; text?: string; reviewer?: string }
  | { decision: 'skip'; reason?: string; reviewer?: string }
  /** A person sent the reply by hand (human-send tasks only). */
  | { decision: 'sent'; reviewer?: string };

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

/** What the `decide` update answers once the workflow has acted on the decision. */
export type DecisionOutcome =
  | { outcome: 'scheduled'; sendAt: string }
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'blocked'; reason: string; reviewId: string }
  | { outcome: 'cancelled'; reason: string }
  | { outcome: 'sent' };
