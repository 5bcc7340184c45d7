export {
  approveSignal,
  autopilotWorkflow,
  cancelReplyUpdate,
  cancelSignal,
  controlsChangedSignal,
  decideUpdate,
  sendConfirmedSignal,
  sendTaskQueue,
  skipSignal,
  stateQuery,
} from './autopilot';
export { controlsChangedWorkflow } from './controls';
