import { ApplicationFailure, condition, log } from '@temporalio/workflow';
import type { DecisionOutcome, ReviewDecision, TaskKind } from './types';

/** The decisions each kind of task takes. */
const FITS: Record<TaskKind, ReadonlyArray<ReviewDecision['decision']>> = {
  review: ['approve', 'skip'],
  human_send: ['sent', 'skip'],
  // Did an interrupted send arrive? `sent`: yes; `approve`: send it again; `skip`: leave it.
  send_uncertain: ['sent', 'approve', 'skip'],
};

const MISFIT: Record<TaskKind, string> = {
  review: 'only a reply handed to a person to send, or an uncertain send, can be confirmed as sent',
  human_send: 'this reply is sent by a person: confirm it with sent, or skip it',
  send_uncertain: 'an uncertain send is confirmed as sent, sent again with approve, or skipped',
};

/**
 * The floor where one person's decision on an open task is taken (the samples' safe-message-handlers keeps such
 * handler state in one small class). Signals and the `decide` Update both come in here; the Update's validator
 * rejects what the floor would not take, and the Update answers once the workflow has acted on the decision.
 */
export class ReviewFloor {
  private kind: TaskKind = 'review';
  private open = false;
  private taken: { decision: ReviewDecision; seq: number } | undefined;
  private seq = 0;
  private readonly outcomes = new Map<number, DecisionOutcome>();

  /** Opens the floor for one decision on a task of this kind. */
  openFor(kind: TaskKind): void {
    this.kind = kind;
    this.taken = undefined;
    this.open = true;
  }

  close(): void {
    this.open = false;
  }

  get decision(): { decision: ReviewDecision; seq: number } | undefined {
    return this.taken;
  }

  /** From a signal (unvalidated, so a misfit is logged and dropped) or the Update (already validated). */
  accept(decision: ReviewDecision): number | undefined {
    if (!this.open || this.taken || !FITS[this.kind].includes(decision.decision)) {
      log.warn('autopilot.decision_ignored', { decision: decision.decision, open: this.open, alreadyDecided: this.taken !== undefined, kind: this.kind });
      return undefined;
    }
    this.seq += 1;
    this.taken = { decision, seq: this.seq };
    return this.seq;
  }

  /** The `decide` Update's validator: a clear error instead of a silent race. */
  validate(decision: ReviewDecision): void {
    if (decision.decision !== 'approve' && decision.decision !== 'skip' && decision.decision !== 'sent') {
      throw ApplicationFailure.create({ type: 'InvalidDecision', message: 'decision must be approve, skip or sent' });
    }
    if (decision.decision === 'approve' && decision.text !== undefined && decision.text.trim() === '') {
      throw ApplicationFailure.create({ type: 'InvalidDecision', message: 'an edited text must not be empty' });
    }
    if (this.taken) throw ApplicationFailure.create({ type: 'ReviewAlreadyDecided', message: 'this review has already been decided' });
    if (!this.open) throw ApplicationFailure.create({ type: 'ReviewNotOpen', message: 'no review is open for this reply (expired, decided or not needed)' });
    if (!FITS[this.kind].includes(decision.decision)) throw ApplicationFailure.create({ type: 'InvalidDecision', message: MISFIT[this.kind] });
    if (this.kind === 'send_uncertain' && decision.decision === 'approve' && decision.text !== undefined) {
      throw ApplicationFailure.create({ type: 'InvalidDecision', message: 'an uncertain send is sent again as it was; edit nothing' });
    }
  }

  /** The Update's answer, once the workflow has settled the decision it carried. */
  async outcomeOf(seq: number): Promise<DecisionOutcome> {
    await condition(() => this.outcomes.has(seq));
    return this.outcomes.get(seq)!;
  }

  /** Answers the decision taken last, once: a later settle (the workflow's end) keeps the first answer. */
  settle(outcome: DecisionOutcome): void {
    if (this.taken && !this.outcomes.has(this.taken.seq)) this.outcomes.set(this.taken.seq, outcome);
  }

  /**
   * Waits until a decision is taken, `interrupted()` holds (a cancel, a controls change), or the deadline (workflow
   * time) passes. The floor stays open across an interruption: a decision arriving meanwhile is kept.
   */
  async waitUntil(deadline: number, interrupted: () => boolean): Promise<'decided' | 'interrupted' | 'expired'> {
    if (this.taken) return 'decided';
    const remaining = deadline - Date.now();
    if (remaining <= 0) return 'expired';
    const woke = await condition(() => this.taken !== undefined || interrupted(), remaining);
    if (this.taken) return 'decided';
    return woke ? 'interrupted' : 'expired';
  }
}
