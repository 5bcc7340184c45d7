import { releaseSendSlot } from '../db/rate-limits';
import type { ActivityDeps } from './deps';

export function createReleaseSendSlot({ db }: ActivityDeps) {
  return async function releaseSlot(input: { userId: string; eventId: string }): Promise<boolean> {
    return releaseSendSlot(db, input.userId, input.eventId);
  };
}
