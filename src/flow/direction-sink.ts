// One TCP direction's plumbing, between the stream reassembler, the PDU assembler and the
// decoder that owns the flow: what each of them reports is passed on with its flow and side.

import type { Anomaly } from '../../protocols/operation.js';
import type { Flow } from './flow.js';
import type { PduSink } from './pdu-assembler.js';
import type { StreamEventType } from './stream-events.js';
import type { StreamSink } from './tcp-stream.js';

/** What a direction reports to (operation-decoder.ts). */
export interface DirectionOwner {
  streamData(flow: Flow, side: 0 | 1, data: Buffer, segmentStart: boolean, frame: number, ts: number): void;
  streamGap(flow: Flow, side: 0 | 1, bytes: number): void;
  pdu(flow: Flow, side: 0 | 1, buf: Buffer, off: number, len: number): void;
  event(flow: Flow, type: StreamEventType, detail: string): void;
}

/** One direction's plumbing: bytes from TCP into PDUs into Operations. */
export class DirectionSink implements StreamSink, PduSink {
  constructor(
    private readonly dec: DirectionOwner,
    private readonly flow: Flow,
    private readonly side: 0 | 1,
  ) {}

  data(data: Buffer, segmentStart: boolean, frame: number, ts: number): void {
    this.dec.streamData(this.flow, this.side, data, segmentStart, frame, ts);
  }

  gap(bytes: number): void {
    this.dec.streamGap(this.flow, this.side, bytes);
  }

  pdu(buf: Buffer, off: number, len: number): void {
    this.dec.pdu(this.flow, this.side, buf, off, len);
  }

  lost(anomaly: Anomaly): void {
    this.dec.event(this.flow, 'framing_error', `${anomaly.type}: ${anomaly.detail ?? ''}`);
  }

  conflict(bytes: number, frame: number): void {
    const dir = this.side === this.flow.clientIs ? 'client to server' : 'server to client';
    this.dec.event(this.flow, 'overlap_conflict', `frame ${frame}: retransmitted ${dir} data differs from the copy already delivered in ${bytes} bytes (the first copy was kept)`);
  }
}
