// The flows being followed, least recently seen first: lookup by key, eviction when the table
// is full, the sweep of idle flows, and the linger of closed connections before they leave.

import type { Flow, FlowEndReason } from './flow.js';
import type { FlowLimits } from './limits.js';

/**
 * Seconds a closed connection stays in the table, as TCP's TIME_WAIT (2 MSL) does: its trailing
 * ACKs, retransmitted FINs and late probes count with it, not as a new unknown flow.
 */
const CLOSED_LINGER_SECONDS = 60;
/** Seconds of capture time between sweeps for idle flows. */
const SWEEP_SECONDS = 60;

export class FlowTable {
  private readonly flows = new Map<string, Flow>();
  private lastSweep = 0;
  /** Closed connections in the order they closed, leaving the table after a linger. */
  private closing: Flow[] = [];
  private closingHead = 0;

  constructor(
    private readonly limits: FlowLimits,
    /** A flow leaves the table (closed and lingered, idle, or evicted): its state is to be let go. */
    private readonly leave: (flow: Flow, reason: FlowEndReason) => void,
  ) {}

  /** Capture time is `now`: idle flows, and closed ones past their linger, leave. */
  advance(now: number): void {
    if (now - this.lastSweep > SWEEP_SECONDS) this.sweep(now);
    if (this.closingHead < this.closing.length) this.reapClosed(now);
  }

  /** The flow of `key`, seen at `now`. */
  find(key: string, now: number): Flow | undefined {
    const flow = this.flows.get(key);
    if (!flow) return undefined;
    // Map order is kept as recency order (eviction and sweeping take the oldest first), but
    // re-inserting on every packet costs; once a second per flow is recent enough.
    if (now - flow.movedAt > 1) {
      this.flows.delete(key);
      this.flows.set(key, flow);
      flow.movedAt = now;
    }
    flow.lastSeen = now;
    return flow;
  }

  /** A new flow, making room by evicting the least recently seen when the table is full. */
  add(flow: Flow): void {
    if (this.flows.size >= this.limits.maxFlows) this.evictOldest();
    this.flows.set(flow.key, flow);
  }

  /** The flow's connection closed: it leaves after lingering for its trailing packets. */
  linger(flow: Flow): void {
    this.closing.push(flow);
  }

  values(): IterableIterator<Flow> {
    return this.flows.values();
  }

  clear(): void {
    this.flows.clear();
  }

  private reapClosed(now: number): void {
    while (this.closingHead < this.closing.length) {
      const flow = this.closing[this.closingHead]!;
      const crowded = this.closing.length - this.closingHead > this.limits.maxClosedFlows;
      if (flow.closed && now - flow.closedAt <= CLOSED_LINGER_SECONDS && !crowded) break;
      this.closingHead++;
      // Reopened since, or already gone (evicted, swept): nothing to do.
      if (flow.closed && this.flows.get(flow.key) === flow) this.remove(flow, 'closed');
    }
    if (this.closingHead > 1024 && this.closingHead * 2 > this.closing.length) {
      this.closing = this.closing.slice(this.closingHead);
      this.closingHead = 0;
    }
  }

  private evictOldest(): void {
    const first = this.flows.values().next();
    if (!first.done) this.remove(first.value, 'evicted');
  }

  /** Oldest first: past the shorter idle time, TCP flows between the two are passed over, not removed. */
  private sweep(now: number): void {
    this.lastSweep = now;
    const { idleTimeoutSeconds: tcp, udpIdleTimeoutSeconds: udp } = this.limits;
    const shortest = Math.min(tcp, udp);
    for (const flow of this.flows.values()) {
      const idle = now - flow.lastSeen;
      if (idle <= shortest) break;
      if (idle > (flow.tcp ? tcp : udp)) this.remove(flow, 'idle');
    }
  }

  private remove(flow: Flow, reason: FlowEndReason): void {
    this.leave(flow, reason);
    this.flows.delete(flow.key);
  }
}
