export { approveSignal, autopilotWorkflow, cancelSignal, decideUpdate, skipSignal, stateQuery } from './autopilot';
