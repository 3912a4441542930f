// What the baseline tells its listener (the detectors) as it learns something new.

import type { Operation } from '../../protocols/operation.js';
import type { Transaction } from '../flow/transactions.js';
import type { Asset, Conversation, OperationStats, ValueProfile } from './model.js';

/**
 * What is new to the baseline, told as it is learned, with the operation that showed it (the
 * detectors listen here; learning needs no listener). Called before the operation is counted in.
 */
export interface NoveltyListener {
  asset(a: Asset, op: Operation): void;
  conversation(c: Conversation, op: Operation): void;
  operation(c: Conversation, op: Operation): void;
  /** A target of a known operation not touched before; `what` says it in the baseline's words. */
  target(c: Conversation, what: string, op: Operation): void;
  /** A known address seen with a MAC it never had (`known`: the ones it had). */
  mac(a: Asset, mac: string, known: readonly string[], op: Operation): void;
  /** Every transaction, once counted in: for detectors of rates, failures and sweeps. */
  transaction(t: Transaction, c: Conversation | undefined): void;
  /** A known operation at an hour of day (plant time) it was never seen in, before it is counted in. */
  hour(c: Conversation, op: Operation, stats: OperationStats, hour: number): void;
  /** A process value about to be learned into `profile` (undefined: the point's first). */
  value(c: Conversation, op: Operation, point: string, value: number, profile: ValueProfile | undefined): void;
}
