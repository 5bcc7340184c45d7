import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * What an operator filters on in the Temporal UI, e.g. `AutopilotStage = "awaiting_review"`. Internal ids
 * only: never a phone number, an address or a name.
 */
export const AutopilotStage = defineSearchAttributeKey('AutopilotStage', SearchAttributeType.KEYWORD);
export const AutopilotChannel = defineSearchAttributeKey('AutopilotChannel', SearchAttributeType.KEYWORD);
export const AutopilotUser = defineSearchAttributeKey('AutopilotUser', SearchAttributeType.KEYWORD);
export const AutopilotContact = defineSearchAttributeKey('AutopilotContact', SearchAttributeType.KEYWORD);
export const AutopilotSendAt = defineSearchAttributeKey('AutopilotSendAt', SearchAttributeType.DATETIME);
export const AutopilotConfidence = defineSearchAttributeKey('AutopilotConfidence', SearchAttributeType.DOUBLE);

export const SEARCH_ATTRIBUTES = [
  AutopilotStage,
  AutopilotChannel,
  AutopilotUser,
  AutopilotContact,
  AutopilotSendAt,
  AutopilotConfidence,
] as const;
