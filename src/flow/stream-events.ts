// Stream events: what the flow layer notices about a stream rather than an operation in it,
// emitted within a budget per second of capture time; those over it are counted and reported
// as suppressed.

import type { Protocol } from '../../protocols/operation.js';

export type StreamEventType =
  | 'stream_gap'
  | 'framing_error'
  | 'not_protocol'
  | 'ip_fragment'
  | 'overlap_conflict'
  | 'unreplied_limit'
  | 'flow_evicted'
  | 'events_suppressed';

/** Something the flow layer noticed about a stream rather than an operation in it. */
export interface StreamEvent {
  event: StreamEventType;
  flowId: string;
  protocol?: Protocol;
  ts: number;
  frame: number;
  detail: string;
}

export class StreamEvents {
  private window = -1;
  private inWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly onEvent: (e: StreamEvent) => void,
    private readonly maxPerSecond: number,
    /** Every event raised, by type, emitted or not (the decoder's statistics). */
    private readonly counts: Record<StreamEventType, number>,
  ) {}

  /** An event at capture time `ts`, packet `frame`: emitted unless that second's budget is spent. */
  raise(type: StreamEventType, flowId: string, protocol: Protocol | undefined, detail: string, ts: number, frame: number): void {
    this.counts[type]++;
    const second = Math.floor(ts);
    if (second !== this.window) {
      this.flush(ts, frame);
      this.window = second;
      this.inWindow = 0;
    }
    if (++this.inWindow > this.maxPerSecond) {
      this.suppressed++;
      return;
    }
    const e: StreamEvent = { event: type, flowId, ts, frame, detail };
    if (protocol) e.protocol = protocol;
    this.onEvent(e);
  }

  /** Reports the events suppressed since the last report, if any (a new second, or the end of input). */
  flush(ts: number, frame: number): void {
    if (this.suppressed === 0) return;
    this.counts.events_suppressed += this.suppressed;
    this.onEvent({ event: 'events_suppressed', flowId: '', ts, frame, detail: `${this.suppressed} stream events suppressed by the ${this.maxPerSecond}/s limit` });
    this.suppressed = 0;
  }
}
