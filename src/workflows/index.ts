export { autopilotWorkflow, stateQuery } from './autopilot';
