// One direction of a TCP connection: delivers bytes in sequence order, holds out-of-order
// segments up to a bound, drops retransmissions (the first copy seen wins, as a receiving
// stack that already accepted the data does), reports retransmissions whose bytes differ from
// what was delivered (an evasion technique), and reports gaps (data the peer acknowledged or
// that we gave up waiting for) so the parser can resynchronise.

export interface StreamSink {
  /**
   * In-order bytes; `segmentStart` is true when `data` begins where a TCP segment began.
   * `frame` and `ts` are those of the packet that carried the bytes (held segments arrive late).
   */
  data(data: Buffer, segmentStart: boolean, frame: number, ts: number): void;
  /** `bytes` of the stream were never seen. */
  gap(bytes: number): void;
  /** A retransmitted or overlapping segment carried `bytes` that differ from those delivered. */
  conflict(bytes: number, frame: number): void;
}

interface Held {
  seq: number;
  data: Buffer;
  frame: number;
  ts: number;
}

/** Signed distance a - b in 32-bit sequence space. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** A delivered-bytes ring's first size: most requests and responses fit, a larger first delivery gets its own. */
const FIRST_TAIL = 256;

export class TcpDirection {
  private next = -1;
  private held: Held[] = [];
  private heldBytes = 0;
  /** Bytes of retransmitted or overlapping data dropped. */
  duplicateBytes = 0;
  /** Segments that overlapped delivered data (their new tail was delivered, the overlap dropped). */
  overlaps = 0;
  /** Overlaps whose bytes differed from the delivered copy. */
  conflicts = 0;
  /** This side sent FIN. */
  finished = false;
  /**
   * Ring of the most recently delivered bytes, allocated on first delivery and grown with the
   * stream up to tailBytes: a short connection keeps what it sent, not a full ring (at 3M
   * packets of bench:decode 3,800 short connections held 11.6 MB of rings). Until it is full
   * size it does not wrap: its bytes lie from 0 to tailLen, and tailPos is tailLen (or 0, once
   * filled to its end, until it grows).
   */
  private tail: Buffer | undefined;
  private tailPos = 0;
  private tailLen = 0;

  constructor(
    private readonly maxHeldBytes: number,
    private readonly tailBytes = 0,
  ) {}

  syn(seq: number): void {
    this.next = (seq + 1) >>> 0;
    this.finished = false;
    this.clearHeld();
    this.forgetTail();
  }

  /** FIN takes one sequence number after the segment's data. */
  fin(seq: number, payloadLength: number): void {
    this.finished = true;
    if (this.next >= 0 && seqDiff((seq + payloadLength) >>> 0, this.next) === 0) {
      this.next = (this.next + 1) >>> 0;
      this.forgetTail(); // FIN takes a sequence number but no byte: the ring no longer lines up
    }
  }

  segment(seq: number, payload: Buffer, sink: StreamSink, frame: number, ts: number): void {
    if (payload.length === 0) return;
    if (this.next < 0) this.next = seq;
    const rel = seqDiff(seq, this.next);
    if (rel > 0) {
      this.hold(seq, payload, sink, frame, ts);
      return;
    }
    if (rel < 0) {
      this.compareOverlap(payload, -rel, sink, frame);
      if (rel + payload.length <= 0) {
        this.duplicateBytes += payload.length;
        return;
      }
      this.overlaps++;
      this.duplicateBytes += -rel;
      this.deliver(payload.subarray(-rel), false, sink, frame, ts);
    } else this.deliver(payload, true, sink, frame, ts);
    this.drain(sink);
  }

  /** The peer acknowledged `ack`: anything before it that we never saw is lost. */
  ack(ack: number, sink: StreamSink): void {
    if (this.next < 0 || seqDiff(ack, this.next) <= 0) return;
    const first = this.held[0];
    const to = first && seqDiff(first.seq, ack) < 0 ? first.seq : ack;
    this.skipTo(to, sink);
    this.drain(sink);
  }

  /** End of flow or capture: deliver what is held, declaring the holes. */
  flush(sink: StreamSink): void {
    while (this.held.length > 0) {
      const first = this.held[0]!;
      this.skipTo(first.seq, sink);
      this.drain(sink);
    }
  }

  /** Declares the bytes up to `seq` lost; delivered bytes before the hole no longer line up. */
  private skipTo(seq: number, sink: StreamSink): void {
    const missing = seqDiff(seq, this.next);
    if (missing <= 0) return;
    sink.gap(missing);
    this.next = seq;
    this.forgetTail();
  }

  private deliver(data: Buffer, segmentStart: boolean, sink: StreamSink, frame: number, ts: number): void {
    this.next = (this.next + data.length) >>> 0;
    if (this.tailBytes > 0) this.remember(data);
    sink.data(data, segmentStart, frame, ts);
  }

  private remember(data: Buffer): void {
    const tail = this.roomFor(data.length);
    const size = tail.length;
    const from = data.length > size ? data.length - size : 0;
    let n = data.length - from;
    let src = from;
    while (n > 0) {
      const chunk = Math.min(n, size - this.tailPos);
      data.copy(tail, this.tailPos, src, src + chunk);
      this.tailPos = (this.tailPos + chunk) % size;
      src += chunk;
      n -= chunk;
    }
    this.tailLen = Math.min(size, this.tailLen + data.length);
  }

  /** The ring, grown before it would wrap while it is smaller than tailBytes. */
  private roomFor(n: number): Buffer {
    const tail = this.tail;
    if (tail && (tail.length === this.tailBytes || this.tailLen + n <= tail.length)) return tail;
    // Its own memory, not a slice of Node's shared 8 KiB pool: a connection's tail lives as long as
    // it does, and a pool slice would keep the whole slab alive (52 MB at 100,000 conversations).
    const grown = Buffer.allocUnsafeSlow(Math.min(this.tailBytes, Math.max(FIRST_TAIL, this.tailLen + n, (tail?.length ?? 0) * 2)));
    tail?.copy(grown, 0, 0, this.tailLen);
    // A ring filled to its end has its position back at 0: the next byte goes after the last.
    this.tailPos = this.tailLen;
    this.tail = grown;
    return grown;
  }

  /** The delivered bytes no longer line up with the sequence: none are compared. */
  private forgetTail(): void {
    this.tailLen = 0;
    this.tailPos = 0;
  }

  /**
   * `payload` starts `behind` bytes before the next expected byte: compare the part that is
   * still in the ring with what was delivered.
   */
  private compareOverlap(payload: Buffer, behind: number, sink: StreamSink, frame: number): void {
    const tail = this.tail;
    if (!tail) return;
    const size = tail.length;
    const overlap = Math.min(behind, payload.length);
    let differing = 0;
    for (let j = 0; j < overlap; j++) {
      const k = behind - j; // the delivered byte k positions before `next`
      if (k > this.tailLen) continue;
      if (tail[(this.tailPos - k + size) % size] !== payload[j]) differing++;
    }
    if (differing > 0) {
      this.conflicts++;
      sink.conflict(differing, frame);
    }
  }

  private hold(seq: number, payload: Buffer, sink: StreamSink, frame: number, ts: number): void {
    if (this.heldBytes + payload.length > this.maxHeldBytes) {
      // Waiting longer would need unbounded memory: declare the hole lost.
      this.flush(sink);
      this.skipTo(seq, sink);
      this.segment(seq, payload, sink, frame, ts);
      return;
    }
    let i = this.held.length;
    while (i > 0 && seqDiff(this.held[i - 1]!.seq, seq) > 0) i--;
    const same = i > 0 ? this.held[i - 1]! : undefined;
    if (same && same.seq === seq) {
      this.duplicateBytes += payload.length;
      let differing = 0;
      for (let j = Math.min(same.data.length, payload.length) - 1; j >= 0; j--) if (same.data[j] !== payload[j]) differing++;
      if (differing > 0) {
        this.conflicts++;
        sink.conflict(differing, frame);
      }
      return;
    }
    // Captured bytes live in a reused read buffer: keep a copy.
    this.held.splice(i, 0, { seq, data: Buffer.from(payload), frame, ts });
    this.heldBytes += payload.length;
  }

  private drain(sink: StreamSink): void {
    while (this.held.length > 0) {
      const first = this.held[0]!;
      const rel = seqDiff(first.seq, this.next);
      if (rel > 0) return;
      this.held.shift();
      this.heldBytes -= first.data.length;
      if (rel < 0) this.compareOverlap(first.data, -rel, sink, first.frame);
      if (rel + first.data.length <= 0) {
        this.duplicateBytes += first.data.length;
        continue;
      }
      if (rel < 0) this.overlaps++;
      this.deliver(first.data.subarray(-rel), rel === 0, sink, first.frame, first.ts);
    }
  }

  private clearHeld(): void {
    this.held = [];
    this.heldBytes = 0;
  }
}
