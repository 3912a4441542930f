// Protocol violations as alerts of their own: a request the decoder found malformed (a bad
// length, an illegal function code, a value out of range, bytes past the PDU) on a settled
// conversation whose operation never showed that anomaly before — fuzzing, an exploit attempt,
// or a device gone wrong. A quirk the conversation always had is part of its baseline. What the
// capture itself causes (gaps, fragments, our own target bound, a chunk the sender aborted) is not
// a violation.

import type { AnomalyType } from '../../protocols/operation.js';
import type { Transaction } from '../flow/transactions.js';
import { operationKey } from '../learn/operation-stats.js';
import type { Conversation } from '../learn/model.js';
import type { Detection } from './alert-book.js';
import type { StableBaseline } from './novelty.js';
import { assetWords, numberWords, operationWords, spanWords } from './words.js';

const NOT_VIOLATIONS: ReadonlySet<AnomalyType> = new Set(['stream_gap', 'ip_fragment', 'targets_truncated', 'chunk_aborted']);

/** Incidents remembered as raised here, so that their repeats add to them (the oldest forgotten first). */
const MAX_RAISED = 10_000;

export class ViolationDetector {
  private readonly raised = new Set<string>();

  constructor(
    private readonly baseline: StableBaseline,
    private readonly settled: (c: Conversation, ts: number) => boolean,
    private readonly raise: (d: Detection) => void,
  ) {}

  /** Called once the transaction is counted in: the operation's anomaly counts include this one. */
  transaction(t: Transaction, c: Conversation | undefined): void {
    const op = t.op;
    if (!c || op.anomalies.length === 0 || !this.settled(c, op.evidence.ts)) return;
    const stats = c.operations[operationKey(op)];
    for (const a of op.anomalies) {
      if (NOT_VIOLATIONS.has(a.type)) continue;
      const subject = `${c.key}|${a.type}`;
      const here = op.anomalies.filter((x) => x.type === a.type).length;
      const before = (stats?.anomalies[a.type] ?? here) - here;
      if (before > 0 && !this.raised.has(subject)) continue; // a quirk learned with the conversation
      if (!this.raised.has(subject)) {
        if (this.raised.size >= MAX_RAISED) this.raised.delete(this.raised.values().next().value!);
        this.raised.add(subject);
      }
      const client = assetWords(this.baseline.asset(c.client.ip, c.client.vlan), c.client.ip);
      const server = assetWords(this.baseline.asset(c.server.ip, c.server.vlan), c.server.ip);
      const count = stats?.count ?? 1;
      this.raise({
        type: 'protocol_violation',
        detector: 'violations',
        severity: 'medium',
        subject,
        asset: c.client.ip,
      source: c.client.ip,
        conversation: c.key,
        summary: `${client} sent ${server} a malformed ${op.protocol} ${operationWords(op)}: ${a.type.replace(/_/g, ' ')}${a.detail ? ` (${a.detail})` : ''}`,
        baseline: `${numberWords(count - 1)} earlier ${operationWords(op)} in ${spanWords(op.evidence.ts - c.firstSeen)}, none with this fault`,
        seen: `${a.type}${a.detail ? `: ${a.detail}` : ''}`,
        op,
      });
      break; // one incident per request
    }
  }
}
