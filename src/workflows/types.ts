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
  updatedAt: string;
}
