// Request/response pairing: each request waits, bounded per flow and in time, for the response
// with its transaction key (Modbus transaction id, BACnet invoke id on the same peer pair,
// OPC UA request id on the channel). The request then carries the response's outcome.

import type { Operation, Protocol } from '../../protocols/operation.js';
import { protocolModule } from '../../protocols/registry.js';

export type TransactionStatus =
  /** A request and its response. */
  | 'answered'
  /** A request whose response never came (timeout, connection end, or too many outstanding). */
  | 'unanswered'
  /** A request still within its response time when the input ended: its outcome is not known. */
  | 'cut_off'
  /** A message that expects no response (BACnet unconfirmed services, OPC UA CloseSecureChannel). */
  | 'unsolicited'
  /** A request that cannot be paired: its key is hidden (an encrypted OPC UA channel). */
  | 'unpaired'
  /** A response whose request was not seen (capture started mid-conversation, or lost). */
  | 'orphan_response';

export interface Transaction {
  status: TransactionStatus;
  /** The request, or the lone message for unsolicited and orphan_response. */
  op: Operation;
  response?: Operation;
  /** Seconds from request to response. */
  responseTime?: number;
}

export interface PairingLimits {
  maxUnrepliedPerFlow: number;
  requestTimeoutSeconds: number;
}

type Limited = (flowId: string, protocol: Protocol, detail: string) => void;

/** The transaction key of a message that takes part in pairing (its protocol's), or undefined when it does not. */
function keyOf(op: Operation): number | undefined {
  return protocolModule(op.protocol).transactionKey(op);
}

export class TransactionPairer {
  /** flowId -> key -> request, in arrival order. */
  private readonly pending = new Map<string, Map<number, Operation>>();
  private pendingCount = 0;
  private lastExpiry = 0;
  /** Time of the newest message seen: the end of input is judged against it. */
  private latest = 0;

  constructor(
    private readonly onTransaction: (t: Transaction) => void,
    private readonly limits: PairingLimits,
    private readonly onLimit: Limited = () => {},
  ) {}

  get outstanding(): number {
    return this.pendingCount;
  }

  operation(op: Operation): void {
    const now = op.evidence.ts;
    if (now > this.latest) this.latest = now;
    if (now - this.lastExpiry >= 1) this.expire(now);
    const key = keyOf(op);
    if (op.direction === 'response') {
      const waiting = key === undefined ? undefined : this.pending.get(op.flowId);
      const request = waiting?.get(key!);
      if (!request) {
        this.onTransaction({ status: 'orphan_response', op });
        return;
      }
      this.remove(waiting!, key!);
      request.outcome ??= op.outcome ?? { status: 'ok' };
      this.onTransaction({ status: 'answered', op: request, response: op, responseTime: Math.max(0, now - request.evidence.ts) });
      return;
    }
    if (key === undefined) {
      this.onTransaction({ status: op.encrypted ? 'unpaired' : 'unsolicited', op });
      return;
    }
    let waiting = this.pending.get(op.flowId);
    if (!waiting) this.pending.set(op.flowId, (waiting = new Map()));
    const previous = waiting.get(key);
    if (previous) {
      // The key was reused before an answer came: the earlier request went unanswered.
      this.remove(waiting, key);
      this.onTransaction({ status: 'unanswered', op: previous });
    } else if (waiting.size >= this.limits.maxUnrepliedPerFlow) {
      const [oldKey, oldest] = waiting.entries().next().value!;
      this.remove(waiting, oldKey);
      this.onTransaction({ status: 'unanswered', op: oldest });
      this.onLimit(op.flowId, op.protocol, `more than ${this.limits.maxUnrepliedPerFlow} requests without a response: the oldest is declared unanswered`);
    }
    waiting.set(key, op);
    this.pendingCount++;
  }

  /** The flow's connection ended: what it still waits for will not come. */
  flowEnded(flowId: string): void {
    const waiting = this.pending.get(flowId);
    if (!waiting) return;
    this.pending.delete(flowId);
    this.pendingCount -= waiting.size;
    for (const op of waiting.values()) this.onTransaction({ status: 'unanswered', op });
  }

  /**
   * End of input. A request older than the response timeout went unanswered; a younger one was
   * cut off: its response may have been on the wire when the capture stopped, so a learning
   * session that ends (or restarts) does not mark the devices it watched as silent.
   */
  flush(): void {
    const deadline = this.latest - this.limits.requestTimeoutSeconds;
    for (const waiting of this.pending.values()) {
      for (const op of waiting.values()) this.onTransaction({ status: op.evidence.ts > deadline ? 'cut_off' : 'unanswered', op });
    }
    this.pending.clear();
    this.pendingCount = 0;
  }

  private expire(now: number): void {
    this.lastExpiry = now;
    const deadline = now - this.limits.requestTimeoutSeconds;
    for (const [flowId, waiting] of this.pending) {
      for (const [key, op] of waiting) {
        if (op.evidence.ts > deadline) break; // arrival order: the rest are younger
        this.remove(waiting, key);
        this.onTransaction({ status: 'unanswered', op });
      }
      if (waiting.size === 0) this.pending.delete(flowId);
    }
  }

  /** Empty per-flow maps stay until the flow ends or the next expiry: no churn per request. */
  private remove(waiting: Map<number, Operation>, key: number): void {
    waiting.delete(key);
    this.pendingCount--;
  }
}
