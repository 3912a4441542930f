// One direction of a TCP connection: delivers bytes in sequence order, holds out-of-order
// segments up to a bound, drops retransmissions (the first copy seen wins), and reports gaps
// (data the peer acknowledged or that we gave up waiting for) so the parser can resynchronise.

export interface StreamSink {
  /**
   * In-order bytes; `segmentStart` is true when `data` begins where a TCP segment began.
   * `frame` and `ts` are those of the packet that carried the bytes (held segments arrive late).
   */
  data(data: Buffer, segmentStart: boolean, frame: number, ts: number): void;
  /** `bytes` of the stream were never seen. */
  gap(bytes: number): void;
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

export class TcpDirection {
  private next = -1;
  private held: Held[] = [];
  private heldBytes = 0;
  /** Bytes of retransmitted or overlapping data dropped. */
  duplicateBytes = 0;
  /** Segments that overlapped delivered data (their new tail was delivered, the overlap dropped). */
  overlaps = 0;

  constructor(private readonly maxHeldBytes: number) {}

  syn(seq: number): void {
    this.next = (seq + 1) >>> 0;
    this.clearHeld();
  }

  /** FIN takes one sequence number after the segment's data. */
  fin(seq: number, payloadLength: number): void {
    if (this.next >= 0 && seqDiff((seq + payloadLength) >>> 0, this.next) === 0) this.next = (this.next + 1) >>> 0;
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
    sink.gap(seqDiff(to, this.next));
    this.next = to;
    this.drain(sink);
  }

  /** End of flow or capture: deliver what is held, declaring the holes. */
  flush(sink: StreamSink): void {
    while (this.held.length > 0) {
      const first = this.held[0]!;
      const missing = seqDiff(first.seq, this.next);
      if (missing > 0) {
        sink.gap(missing);
        this.next = first.seq;
      }
      this.drain(sink);
    }
  }

  private deliver(data: Buffer, segmentStart: boolean, sink: StreamSink, frame: number, ts: number): void {
    this.next = (this.next + data.length) >>> 0;
    sink.data(data, segmentStart, frame, ts);
  }

  private hold(seq: number, payload: Buffer, sink: StreamSink, frame: number, ts: number): void {
    if (this.heldBytes + payload.length > this.maxHeldBytes) {
      // Waiting longer would need unbounded memory: declare the hole lost.
      this.flush(sink);
      const missing = seqDiff(seq, this.next);
      if (missing > 0) {
        sink.gap(missing);
        this.next = seq;
      }
      this.segment(seq, payload, sink, frame, ts);
      return;
    }
    let i = this.held.length;
    while (i > 0 && seqDiff(this.held[i - 1]!.seq, seq) > 0) i--;
    if (i > 0 && this.held[i - 1]!.seq === seq) {
      this.duplicateBytes += payload.length;
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
