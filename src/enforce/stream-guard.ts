// Sequence tracking for inline inspection. The inspector decides per packet, and passes a
// segment only when it holds whole PDUs that are all allowed. That alone is not enough: a
// receiver frames the stream, not the packets. A segment that overlaps data already passed, or
// arrives ahead of it, is framed by the receiver from another byte than the inspector framed it
// from, and a write can hide inside what the inspector read as an allowed read. So every
// client-to-server segment must start where the passed stream has a PDU boundary, and where it
// runs past the end of the passed stream, that end must be one of its own PDU boundaries.
// Retransmissions that start on a recent boundary pass (each of their PDUs is inspected again).

import { seqDiff } from '../flow/tcp-stream.js';

/** Recent PDU boundaries remembered per flow: how far back a retransmission may start. */
const BOUNDARIES = 16;

export type SegmentFit = 'ok' | 'overlap' | 'ahead' | 'old';

interface Flow {
  /** The sequence number after the last byte passed. */
  next: number;
  /** The most recent PDU boundaries passed, as a ring (`next` is always one of them). */
  readonly boundaries: Uint32Array;
  count: number;
  /** When the flow last moved to the young end of the table (ms). */
  moved: number;
  /** The gateway reset the server's side: the client's next segments are to provoke the server's RST. */
  reset: boolean;
}

export class StreamGuard {
  private readonly flows = new Map<string, Flow>();
  /** PDU ends of the segment being inspected, relative to its sequence number. */
  private readonly ends: number[] = [];

  constructor(private readonly maxFlows: number) {}

  get size(): number {
    return this.flows.size;
  }

  /** A SYN: the stream starts at isn + 1, whatever an earlier connection on this key did. */
  open(key: string, isn: number, now: number): void {
    this.start(key, (isn + 1) >>> 0, now);
  }

  /** Forgets the inspected segment's PDU ends; `end` adds one (bytes from the segment's start). */
  beginSegment(): void {
    this.ends.length = 0;
  }

  pduEnd(offset: number): void {
    this.ends.push(offset);
  }

  /**
   * Whether a segment of `length` payload bytes at `seq`, whose PDU ends were given, frames the
   * stream as the receiver will. A flow not seen before (the engine started mid-connection, or
   * it was evicted) is picked up at this segment.
   */
  fit(key: string, seq: number): SegmentFit {
    const f = this.flows.get(key);
    if (!f) return 'ok';
    const ahead = seqDiff(seq, f.next);
    if (ahead > 0) return 'ahead';
    if (ahead < 0 && !this.isBoundary(f, seq)) return this.isRecent(f, seq) ? 'overlap' : 'old';
    // Every PDU end inside what was already passed must be a boundary the receiver knows, and the
    // end of the passed stream must be one of this segment's PDU ends.
    let reachesNext = ahead === 0;
    for (const e of this.ends) {
      const at = (seq + e) >>> 0;
      const d = seqDiff(at, f.next);
      if (d < 0 && !this.isBoundary(f, at)) return 'overlap';
      if (d === 0) reachesNext = true;
    }
    const last = this.ends.length ? this.ends[this.ends.length - 1]! : 0;
    if (!reachesNext && seqDiff((seq + last) >>> 0, f.next) > 0) return 'overlap';
    return 'ok';
  }

  /**
   * The segment passed: its PDU ends beyond the passed stream become boundaries. `through` (learn
   * mode, where everything passes) also takes the segment's end, so one odd segment does not
   * make every later one look out of place.
   */
  passed(key: string, seq: number, now: number, through?: number): void {
    let f = this.flows.get(key);
    if (!f) f = this.start(key, seq, now);
    else if (now - f.moved > 1000) {
      // Recency by re-insertion, at most once a second per flow.
      this.flows.delete(key);
      this.flows.set(key, f);
      f.moved = now;
    }
    if (through !== undefined) this.ends.push(through);
    for (const e of this.ends) {
      const at = (seq + e) >>> 0;
      if (seqDiff(at, f.next) <= 0) continue;
      f.next = at;
      f.boundaries[f.count++ % BOUNDARIES] = at;
    }
  }

  /** The gateway reset this connection's server side (onDeny: reset). */
  markReset(key: string, seq: number, now: number): void {
    (this.flows.get(key) ?? this.start(key, seq, now)).reset = true;
  }

  isReset(key: string): boolean {
    return this.flows.get(key)?.reset === true;
  }

  /** A FIN or RST: the connection's stream ends. */
  close(key: string): void {
    this.flows.delete(key);
  }

  private start(key: string, seq: number, now: number): Flow {
    this.flows.delete(key);
    // Bounded: the flow seen longest ago goes (a live one is picked up again at its next segment).
    if (this.flows.size >= this.maxFlows) this.flows.delete(this.flows.keys().next().value!);
    const f: Flow = { next: seq, boundaries: new Uint32Array(BOUNDARIES), count: 1, moved: now, reset: false };
    f.boundaries[0] = seq;
    this.flows.set(key, f);
    return f;
  }

  private isBoundary(f: Flow, seq: number): boolean {
    const n = Math.min(f.count, BOUNDARIES);
    for (let i = 0; i < n; i++) if (f.boundaries[i] === seq) return true;
    return false;
  }

  /** Whether `seq` lies within the span of the remembered boundaries. */
  private isRecent(f: Flow, seq: number): boolean {
    const oldest = f.count <= BOUNDARIES ? f.boundaries[0]! : f.boundaries[f.count % BOUNDARIES]!;
    return seqDiff(seq, oldest) >= 0;
  }
}
