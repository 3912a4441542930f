// Cuts one direction's in-order byte stream into PDUs with a protocol's framing function.
// Whole PDUs are handed out as views of the segment (no copy); only a PDU split across
// segments is copied, into a carry buffer bounded by maxPduBytes. After a gap or a framing
// error it resynchronises only where a segment starts with a strictly valid header, so bytes
// in the middle of a body are never taken for a PDU. A carry grown past KEPT_CARRY for one large
// PDU is let go once that PDU is out: a connection holds a large buffer only while it needs one.

import type { Anomaly, Framing } from '../../protocols/operation.js';

export interface Framer {
  frame(buf: Buffer, off: number, end: number): Framing;
  looksLike(buf: Buffer, off: number, end: number): boolean;
}

export interface PduSink {
  pdu(buf: Buffer, off: number, len: number): void;
  /** Framing failed: the stream is being resynchronised; emitted once per episode. */
  lost(anomaly: Anomaly): void;
}

/**
 * Bytes of carry a connection keeps between PDUs: a Modbus ADU (260) and most split headers fit.
 * An OPC UA chunk of 8-64 KiB is carried in a buffer of its own, freed when the chunk is whole
 * (251 such connections kept 3.5 MB of carries in bench:decode's million packets).
 */
const KEPT_CARRY = 2048;

export class PduAssembler {
  private carry: Buffer | undefined;
  private carryLen = 0;
  private resyncing = false;
  /** Bytes skipped while resynchronising. */
  skippedBytes = 0;

  constructor(
    private readonly framer: Framer,
    private readonly maxPduBytes: number,
  ) {}

  data(data: Buffer, segmentStart: boolean, sink: PduSink): void {
    if (this.resyncing) {
      if (!segmentStart || !this.framer.looksLike(data, 0, data.length)) {
        this.skippedBytes += data.length;
        return;
      }
      this.resyncing = false;
    }
    if (this.carryLen > 0) {
      data = this.append(data, sink);
      if (data.length === 0) return;
    }
    this.parse(data, sink);
  }

  /** Bytes of the stream were lost: drop any partial PDU and wait for a clean start. */
  gap(): void {
    this.empty();
    this.resyncing = true;
  }

  private parse(buf: Buffer, sink: PduSink): void {
    let off = 0;
    const end = buf.length;
    while (off < end) {
      const f = this.framer.frame(buf, off, end);
      if (f.status === 'ok') {
        sink.pdu(buf, off, f.length);
        off += f.length;
      } else if (f.status === 'incomplete') {
        this.keep(buf, off, end, f.needed, sink);
        return;
      } else {
        this.lose(f.anomaly, end - off, sink);
        return;
      }
    }
  }

  /** Complete the carried partial PDU with bytes from `data`; returns what is left of data. */
  private append(data: Buffer, sink: PduSink): Buffer {
    let used = 0;
    while (true) {
      const f = this.framer.frame(this.carry!, 0, this.carryLen);
      if (f.status === 'ok') {
        sink.pdu(this.carry!, 0, f.length);
        this.empty();
        return data.subarray(used);
      }
      if (f.status === 'invalid') {
        this.lose(f.anomaly, data.length - used, sink);
        return data.subarray(data.length);
      }
      if (used >= data.length) return data.subarray(used);
      const take = Math.min(f.needed, data.length - used);
      if (!this.ensure(this.carryLen + take, sink)) return data.subarray(data.length);
      data.copy(this.carry!, this.carryLen, used, used + take);
      this.carryLen += take;
      used += take;
    }
  }

  private keep(buf: Buffer, off: number, end: number, needed: number, sink: PduSink): void {
    const len = end - off;
    if (!this.ensure(len + needed, sink)) return;
    buf.copy(this.carry!, 0, off, end);
    this.carryLen = len;
  }

  private ensure(size: number, sink: PduSink): boolean {
    if (size > this.maxPduBytes) {
      this.lose({ type: 'message_too_large', detail: `PDU of at least ${size} bytes exceeds the ${this.maxPduBytes}-byte bound` }, size, sink);
      return false;
    }
    if (!this.carry || this.carry.length < size) {
      // Not from the shared pool: the carry lives with its connection (tcp-stream.ts remember()).
      const next = Buffer.allocUnsafeSlow(Math.max(size, 512));
      if (this.carry && this.carryLen > 0) this.carry.copy(next, 0, 0, this.carryLen);
      this.carry = next;
    }
    return true;
  }

  private empty(): void {
    this.carryLen = 0;
    if (this.carry && this.carry.length > KEPT_CARRY) this.carry = undefined;
  }

  private lose(anomaly: Anomaly, bytes: number, sink: PduSink): void {
    this.empty();
    this.resyncing = true;
    this.skippedBytes += bytes;
    sink.lost(anomaly);
  }
}
