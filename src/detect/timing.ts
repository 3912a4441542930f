// Timing on a settled conversation: a poll that stops (an inactive channel, a silent PLC), and
// responses far slower than learned. Silence is only seen by a clock: the watch is ticked with
// capture time at every write of the baseline, and looks at the polls it tracks.

import type { Transaction } from '../flow/transactions.js';
import type { Conversation } from '../learn/model.js';
import { mainPoll, operationKey } from '../learn/operation-stats.js';
import type { Detection } from './alert-book.js';
import { ATTACK } from './attack.js';
import type { StableBaseline } from './novelty.js';
import { assetWords, numberWords, operationWords, spanWords } from './words.js';

export interface TimingLimits {
  /** A poll is silent after this many of its periods without a request (and at least `minSilence` s). */
  silentPeriods: number;
  minSilenceSeconds: number;
  /** Polls with at least this many samples are tracked (a period is known). */
  minPollSamples: number;
  /** ... that have gone on for this long: a burst of regular requests (a program download) is not a poll. */
  minPollSpanSeconds: number;
  /** ... and whose intervals vary by at most this share of their period: a poll is periodic, an operator's writes at random moments of a shift are not. */
  maxJitterShare: number;
  /** A response this many times the learned mean (and `minSlowSeconds` over it) is slow; needs `minResponses` learned. */
  slowFactor: number;
  minSlowSeconds: number;
  minResponses: number;
  /** Polls tracked at once (the least recently polled are forgotten first). */
  maxTracked: number;
}

export const DEFAULT_TIMING_LIMITS: TimingLimits = { silentPeriods: 10, minSilenceSeconds: 30, minPollSamples: 20, minPollSpanSeconds: 600, maxJitterShare: 0.25, slowFactor: 10, minSlowSeconds: 0.5, minResponses: 50, maxTracked: 10_000 };

interface Tracked {
  conversation: Conversation;
  transaction: Transaction;
  interval: number;
  last: number;
  raised: boolean;
}

export class TimingDetector {
  private readonly polls = new Map<string, Tracked>();

  constructor(
    private readonly baseline: StableBaseline,
    private readonly settled: (c: Conversation, ts: number) => boolean,
    private readonly raise: (d: Detection) => void,
    private readonly limits: TimingLimits = DEFAULT_TIMING_LIMITS,
  ) {}

  transaction(t: Transaction, c: Conversation | undefined): void {
    if (!c || (t.status !== 'answered' && t.status !== 'unanswered')) return;
    const ts = t.op.evidence.ts;
    const key = operationKey(t.op);
    const stats = c.operations[key];
    const poll = stats && mainPoll(stats);
    if (poll && poll.samples >= this.limits.minPollSamples && poll.samples * poll.interval >= this.limits.minPollSpanSeconds && poll.jitter <= this.limits.maxJitterShare * poll.interval) this.track(`${c.key}|${key}`, c, t, poll.interval, ts);
    if (t.responseTime !== undefined && stats?.responseTime) this.checkResponse(c, t, stats.responseTime);
  }

  /** Capture time now: polls silent for too long are raised once each until they poll again. */
  tick(now: number): void {
    for (const p of this.polls.values()) {
      if (p.raised) continue;
      const silence = now - p.last;
      if (silence < Math.max(this.limits.minSilenceSeconds, this.limits.silentPeriods * p.interval) || !this.settled(p.conversation, now)) continue;
      p.raised = true;
      const c = p.conversation;
      const server = assetWords(this.baseline.asset(c.server.ip, c.server.vlan), c.server.ip);
      this.raise({
        type: 'poll_stopped',
        detector: 'timing',
        severity: 'medium',
        subject: `${c.key}|${operationKey(p.transaction.op)}`,
        asset: c.server.ip,
        conversation: c.key,
        summary: `${assetWords(this.baseline.asset(c.client.ip, c.client.vlan), c.client.ip)} stopped polling ${server} with ${operationWords(p.transaction.op)}: nothing for ${spanWords(silence)}`,
        baseline: `a poll every ${p.interval.toFixed(p.interval < 10 ? 2 : 0)} s`,
        seen: `silent for ${spanWords(silence)}`,
        op: p.transaction.op,
      });
    }
  }

  /** One poll (an operation repeated on a conversation), by its key. */
  private track(key: string, c: Conversation, t: Transaction, interval: number, ts: number): void {
    let p = this.polls.get(key);
    if (!p) {
      if (this.polls.size >= this.limits.maxTracked) this.polls.delete(this.polls.keys().next().value!);
      p = { conversation: c, transaction: t, interval, last: ts, raised: false };
      this.polls.set(key, p);
      return;
    }
    Object.assign(p, { conversation: c, transaction: t, interval, last: ts, raised: false });
  }

  private checkResponse(c: Conversation, t: Transaction, counted: { samples: number; mean: number }): void {
    const rt = t.responseTime!;
    // Learning has counted this response in already: the baseline is the mean without it.
    const learned = { samples: counted.samples - 1, mean: (counted.mean * counted.samples - rt) / Math.max(1, counted.samples - 1) };
    if (learned.samples < this.limits.minResponses || rt < learned.mean * this.limits.slowFactor || rt - learned.mean < this.limits.minSlowSeconds) return;
    if (!this.settled(c, t.op.evidence.ts)) return;
    const server = assetWords(this.baseline.asset(c.server.ip, c.server.vlan), c.server.ip);
    this.raise({
      type: 'slow_response',
      detector: 'timing',
      severity: 'low',
      subject: c.key,
      ...(rt > 5 ? { attack: ATTACK.denialOfService } : {}),
      asset: c.server.ip,
      conversation: c.key,
      summary: `${server} took ${rt.toFixed(2)} s to answer ${operationWords(t.op)}; it answers in ${(learned.mean * 1000).toFixed(0)} ms on average`,
      baseline: `a mean of ${(learned.mean * 1000).toFixed(1)} ms over ${numberWords(learned.samples)} responses`,
      seen: `${(rt * 1000).toFixed(0)} ms`,
      op: t.op,
    });
  }
}
