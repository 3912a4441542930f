// Bursts of failures on a conversation: Modbus exceptions, BACnet errors, rejects and aborts,
// OPC UA Bad status codes, requests left unanswered — many in a short window, well above the
// conversation's learned failure rate (a device failing, or someone probing it).

import type { Transaction } from '../flow/transactions.js';
import type { Conversation } from '../learn/model.js';
import { CUT_OFF_OUTCOME, mainPoll, outcomeLabel } from '../learn/operation-stats.js';
import type { Detection } from './alert-book.js';
import { ATTACK } from './attack.js';
import { assetWords, spanWords } from './words.js';
import type { StableBaseline } from './novelty.js';

export interface FailureLimits {
  /**
   * The window failures are counted in, seconds of capture time; a conversation polled more
   * slowly counts over as long as `burst` of its polls take (a PLC polled every 20 s that stops
   * answering fails 3 polls a minute, never 10).
   */
  windowSeconds: number;
  /** Failures in one window that make a burst. */
  burst: number;
  /** A burst must also be this many times the learned failure share of the window's transactions. */
  factor: number;
  /** Conversations tracked at once (the least recently failing are forgotten first). */
  maxTracked: number;
}

export const DEFAULT_FAILURE_LIMITS: FailureLimits = { windowSeconds: 60, burst: 10, factor: 5, maxTracked: 10_000 };

/** A slow poll's window spans its `burst` polls with this much room for jitter. */
const POLL_WINDOW_SLACK = 1.2;

interface Window {
  start: number;
  seconds: number;
  transactions: number;
  failures: number;
  raised: boolean;
}

/** The outcomes that are failures, as learning labels them; everything else (ok, cut off by the capture's end) is not. */
function failed(t: Transaction): string | undefined {
  if (t.status === 'unanswered') return 'unanswered';
  const o = t.response?.outcome;
  return !o || o.status === 'ok' ? undefined : outcomeLabel(o);
}

export class FailureDetector {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly baseline: StableBaseline,
    private readonly settled: (c: Conversation, ts: number) => boolean,
    private readonly raise: (d: Detection) => void,
    private readonly limits: FailureLimits = DEFAULT_FAILURE_LIMITS,
  ) {}

  transaction(t: Transaction, c: Conversation | undefined): void {
    if (!c || t.status === 'orphan_response' || t.status === 'unsolicited' || t.status === 'unpaired') return;
    const ts = t.op.evidence.ts;
    let w = this.windows.get(c.key);
    const why = failed(t);
    if (!w) {
      if (!why) return; // only conversations that fail are tracked
      if (this.windows.size >= this.limits.maxTracked) this.windows.delete(this.windows.keys().next().value!);
      w = { start: ts, seconds: this.windowFor(c), transactions: 0, failures: 0, raised: false };
      this.windows.set(c.key, w);
    }
    if (ts - w.start > w.seconds) Object.assign(w, { start: ts, seconds: this.windowFor(c), transactions: 0, failures: 0, raised: false });
    w.transactions++;
    if (!why) return;
    w.failures++;
    if (w.raised || w.failures < this.limits.burst || !this.settled(c, ts)) return;
    const learned = learnedFailureShare(c, w);
    if (w.failures / w.transactions < Math.min(1, this.limits.factor * learned)) return;
    w.raised = true;
    const client = this.baseline.asset(c.client.ip, c.client.vlan);
    const server = this.baseline.asset(c.server.ip, c.server.vlan);
    this.raise({
      type: 'failure_burst',
      detector: 'failures',
      severity: 'medium',
      subject: c.key,
      ...(why === 'unanswered' ? { attack: ATTACK.denialOfService } : {}),
      asset: c.server.ip,
      conversation: c.key,
      summary: `${assetWords(server, c.server.ip)} failed ${w.failures} of ${w.transactions} requests from ${assetWords(client, c.client.ip)} within ${spanWords(ts - w.start)} (latest: ${why})`,
      baseline: `${(learned * 100).toFixed(learned < 0.01 ? 2 : 1)}% of its transactions failed while learning`,
      seen: `${w.failures} failures in ${w.transactions} transactions`,
      op: t.op,
    });
  }

  /** The window of `c`: the configured one, or as long as `burst` of its fastest learned poll take. */
  private windowFor(c: Conversation): number {
    let fastest = Infinity;
    for (const s of Object.values(c.operations)) {
      const poll = mainPoll(s);
      if (poll && poll.interval > 0) fastest = Math.min(fastest, poll.interval);
    }
    return Number.isFinite(fastest) ? Math.max(this.limits.windowSeconds, this.limits.burst * fastest * POLL_WINDOW_SLACK) : this.limits.windowSeconds;
  }
}

/** The share of a conversation's learned transactions whose outcome was a failure, the window's own left out. */
function learnedFailureShare(c: Conversation, w: Window): number {
  let all = 0;
  let bad = 0;
  for (const s of Object.values(c.operations)) {
    for (const [label, n] of Object.entries(s.outcomes)) {
      all += n;
      if (label !== 'ok' && label !== CUT_OFF_OUTCOME) bad += n;
    }
  }
  all -= w.transactions;
  bad -= w.failures;
  return all <= 0 ? 0 : Math.max(0, bad) / all;
}
