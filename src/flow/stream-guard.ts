// The client-to-server byte stream of each inspected TCP connection, as the server will see it.
// A receiver frames the stream, not the packets: a segment that overlaps data already passed,
// or arrives ahead of it, is framed by the server from another byte than a per-packet look
// would frame it from, and a write can hide inside what looked like an allowed read. So:
// - a segment must start at the end of the passed stream, or (a retransmission) at a PDU
//   boundary the stream had recently; one ahead of the stream is held back (dropped; the
//   client sends it again once the gap is filled);
// - a PDU split across segments is reassembled (at most `maxPduBytes`) and judged when its last
//   byte arrives: the segments before only carry a prefix the server cannot act on, and the one
//   completing it passes only if the PDU is allowed;
// - a retransmission must carry the bytes of the partial PDU it repeats; its complete PDUs are
//   judged again like new ones, so changed bytes cannot turn a passed read into a write.
// `inspect` frames a segment and lists the complete PDUs it finishes; the caller judges them and
// calls `commit` when the segment passes.

import type { Framing } from '../../protocols/operation.js';
import { seqDiff } from './tcp-stream.js';

/** Recent PDU boundaries remembered per connection: how far back a retransmission may start. */
const BOUNDARIES = 16;

export type FrameFunction = (buf: Buffer, off: number, end: number) => Framing;

/** Why a segment cannot be shown to be allowed. */
export type SegmentProblem = 'ahead' | 'overlap' | 'old' | 'changed' | 'malformed' | 'too_large';

/** One connection's client-to-server stream: the handle `stream` returns, for one lookup per segment. */
export interface Stream {
  readonly key: string;
  /** The sequence number after the last byte passed. */
  next: number;
  /** The most recent PDU boundaries passed, as a ring. */
  readonly boundaries: Uint32Array;
  count: number;
  /** Bytes of a PDU begun but not finished (it starts at a boundary and ends at `next`). */
  partial: Buffer | undefined;
  /** When the flow last moved to the young end of the table (ms). */
  moved: number;
  /** The gateway reset the server's side: the client's next segments are to provoke the server's RST. */
  reset: boolean;
  /** Protocol state a decoder keeps per connection (its protocol, OPC UA's secure channel). */
  state: unknown;
}

export interface Pdu {
  buf: Buffer;
  off: number;
  len: number;
}

export class StreamGuard {
  private readonly flows = new Map<string, Stream>();
  /** The complete PDUs of the segment last inspected (reused: no allocation per segment). */
  readonly pdus: Pdu[] = [];
  pduCount = 0;
  /** What the last inspection found wrong, with detail for the reason. */
  problem: SegmentProblem | undefined;
  detail = '';
  // What committing the last inspected segment changes.
  private endsCount = 0;
  private readonly ends = new Uint32Array(4096);
  private pendingNext = 0;
  private pendingPartial: Buffer | undefined;

  constructor(
    private readonly maxFlows: number,
    private readonly maxPduBytes: number,
    /** A stream's connection is no longer followed (closed, replaced or evicted): its state can go. */
    private readonly onForget: (s: Stream) => void = () => undefined,
  ) {}

  get size(): number {
    return this.flows.size;
  }

  /** A SYN: the stream starts at isn + 1, whatever an earlier connection on this key did. */
  open(key: string, isn: number, now: number): void {
    this.start(key, (isn + 1) >>> 0, now);
  }

  /** A FIN or RST: the connection's stream ends. */
  close(key: string): void {
    const f = this.flows.get(key);
    if (!f) return;
    this.flows.delete(key);
    this.onForget(f);
  }

  /** The gateway reset this connection's server side (onDeny: reset). */
  markReset(key: string, seq: number, now: number): void {
    (this.flows.get(key) ?? this.start(key, seq, now)).reset = true;
  }

  /** A connection's stream if it is followed, without picking it up. */
  peek(key: string): Stream | undefined {
    return this.flows.get(key);
  }

  /**
   * The stream of a connection. One not seen before (the engine started mid-connection, or it
   * was evicted) is picked up at `seq`.
   */
  stream(key: string, seq: number, now: number): Stream {
    return this.flows.get(key) ?? this.start(key, seq, now);
  }

  /**
   * Frames the segment's payload `p[off, off+len)` at sequence number `seq` against the stream.
   * True when it fits: `pdus` then holds the complete PDUs it carries or finishes (to be judged).
   */
  inspect(f: Stream, seq: number, p: Buffer, off: number, len: number, frame: FrameFunction): boolean {
    this.pduCount = 0;
    this.endsCount = 0;
    this.problem = undefined;
    this.detail = '';
    const ahead = seqDiff(seq, f.next);
    if (ahead > 0) return this.fail('ahead');
    const partialStart = f.partial ? (f.next - f.partial.length) >>> 0 : f.next;
    if (ahead < 0 && seq !== partialStart && !this.isBoundary(f, seq)) return this.fail(this.isRecent(f, seq) ? 'overlap' : 'old');
    this.pendingNext = seqDiff((seq + len) >>> 0, f.next) > 0 ? (seq + len) >>> 0 : f.next;
    this.pendingPartial = f.partial;
    const end = off + len;
    if (ahead === 0) return f.partial ? this.frameFrom(Buffer.concat([f.partial, p.subarray(off, end)]), 0, f.partial.length + len, partialStart, f, frame) : this.frameFrom(p, off, end, seq, f, frame);
    // A retransmission, from a boundary: its complete PDUs are judged again, and must end where
    // the passed stream had boundaries, up to the partial PDU (or the end of what was passed).
    let pos = seq;
    let at = off;
    while (at < end) {
      if (pos === partialStart) {
        if (!f.partial) return this.frameFrom(p, at, end, pos, f, frame);
        // The bytes it repeats of the partial PDU must be the ones passed.
        const n = Math.min(end - at, f.partial.length);
        if (p.compare(f.partial, 0, n, at, at + n) !== 0) return this.fail('changed');
        if (n === end - at) return true; // nothing new
        const joined = Buffer.concat([f.partial, p.subarray(at + n, end)]);
        return this.frameFrom(joined, 0, joined.length, partialStart, f, frame);
      }
      const r = frame(p, at, end);
      if (r.status === 'invalid') return this.fail('malformed', r.anomaly.type);
      if (r.status === 'incomplete') return this.fail('overlap');
      const pduEnd = (pos + r.length) >>> 0;
      if (seqDiff(pduEnd, partialStart) > 0 || (pduEnd !== partialStart && !this.isBoundary(f, pduEnd))) return this.fail('overlap');
      this.push(p, at, r.length);
      at += r.length;
      pos = pduEnd;
    }
    return true;
  }

  /** Frames new bytes `b[at, end)` that start at stream position `pos` (a PDU boundary). */
  private frameFrom(b: Buffer, at: number, end: number, pos: number, f: Stream, frame: FrameFunction): boolean {
    while (at < end) {
      const r = frame(b, at, end);
      if (r.status === 'invalid') return this.fail('malformed', r.anomaly.type);
      if (r.status === 'incomplete') {
        const total = end - at + r.needed;
        if (total > this.maxPduBytes) return this.fail('too_large', `${total} bytes`);
        this.pendingPartial = Buffer.from(b.subarray(at, end));
        return true;
      }
      this.push(b, at, r.length);
      at += r.length;
      pos = (pos + r.length) >>> 0;
      if (seqDiff(pos, f.next) > 0 && this.endsCount < this.ends.length) this.ends[this.endsCount++] = pos;
    }
    this.pendingPartial = undefined;
    return true;
  }

  /** The segment last inspected passed: the stream moves on. */
  commit(f: Stream, now: number): void {
    this.touch(f, now);
    for (let k = 0; k < this.endsCount; k++) f.boundaries[f.count++ % BOUNDARIES] = this.ends[k]!;
    f.next = this.pendingNext;
    f.partial = this.pendingPartial;
  }

  /**
   * Learn mode passes everything: the stream follows the segment even where it did not fit, so
   * one odd segment does not make every later one look out of place.
   */
  resync(f: Stream, seq: number, len: number, now: number): void {
    this.touch(f, now);
    f.next = (seq + len) >>> 0;
    f.partial = undefined;
    f.boundaries[f.count++ % BOUNDARIES] = f.next;
  }

  /** Recency by re-insertion, at most once a second per flow (a stream evicted meanwhile stays out). */
  private touch(f: Stream, now: number): void {
    if (now - f.moved <= 1000 || this.flows.get(f.key) !== f) return;
    this.flows.delete(f.key);
    this.flows.set(f.key, f);
    f.moved = now;
  }

  private push(buf: Buffer, off: number, len: number): void {
    const slot = this.pdus[this.pduCount];
    if (slot) {
      slot.buf = buf;
      slot.off = off;
      slot.len = len;
    } else this.pdus.push({ buf, off, len });
    this.pduCount++;
  }

  private fail(problem: SegmentProblem, detail = ''): false {
    this.problem = problem;
    this.detail = detail;
    return false;
  }

  private start(key: string, seq: number, now: number): Stream {
    this.close(key);
    // Bounded: the flow seen longest ago goes (a live one is picked up again at its next segment).
    if (this.flows.size >= this.maxFlows) this.close(this.flows.keys().next().value!);
    const f: Stream = { key, next: seq, boundaries: new Uint32Array(BOUNDARIES), count: 1, partial: undefined, moved: now, reset: false, state: undefined };
    f.boundaries[0] = seq;
    this.flows.set(key, f);
    return f;
  }

  private isBoundary(f: Stream, seq: number): boolean {
    const n = Math.min(f.count, BOUNDARIES);
    for (let i = 0; i < n; i++) if (f.boundaries[i] === seq) return true;
    return false;
  }

  /** Whether `seq` lies within the span of the remembered boundaries. */
  private isRecent(f: Stream, seq: number): boolean {
    const oldest = f.count <= BOUNDARIES ? f.boundaries[0]! : f.boundaries[f.count % BOUNDARIES]!;
    return seqDiff(seq, oldest) >= 0;
  }
}
