import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  ApproveSignal,
  AutopilotState,
  CancelRequest,
  CancelSignal,
  ControlsChangedSignal,
  DecisionOutcome,
  ReviewDecision,
  SendConfirmedSignal,
  SkipSignal,
} from './types';

/** What a reply workflow answers and hears; the API, the webhooks and other workflows use these names. */
export const stateQuery = defineQuery<AutopilotState>('state');
export const approveSignal = defineSignal<[ApproveSignal]>('approve');
export const skipSignal = defineSignal<[SkipSignal]>('skip');
/** Withdraws the reply (a newer message, an opt-out elsewhere): not deduplicated, and need not be. */
export const cancelSignal = defineSignal<[CancelSignal]>('cancel');
/** A reviewer's decision, validated: a second or late decision is rejected (the API's 409). */
export const decideUpdate = defineUpdate<DecisionOutcome, [ReviewDecision]>('decide');
/** The owner stops the reply; rejected once it is being sent or has ended. Answers the stage it was stopped at. */
export const cancelReplyUpdate = defineUpdate<{ stage: string }, [CancelRequest]>('cancelReply');
export const controlsChangedSignal = defineSignal<[ControlsChangedSignal]>('controlsChanged');
export const sendConfirmedSignal = defineSignal<[SendConfirmedSignal]>('sendConfirmed');
