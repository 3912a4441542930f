// Recognising a TCP flow's protocol from the first bytes of its streams with the registry's
// strict probes; a stream's start that may be a PDU not yet whole (its header came in pieces)
// is held, within a bound, so that the PDU is probed whole once the rest arrives.

import type { ProtocolModule } from '../../protocols/protocol.js';
import { protocolsOver } from '../../protocols/registry.js';

export const TCP_PROTOCOLS = protocolsOver('tcp');

const NOTHING = Buffer.alloc(0);

/** What detection keeps of a flow while its protocol is undecided. */
export interface Undecided {
  /** Payload segments looked at without finding a protocol. */
  detectTries: number;
  /** A direction's first bytes, held while they may begin a PDU not yet whole. */
  start?: StreamStart;
}

/** What a look at a flow's bytes found: its protocol, nothing yet, or (looked long enough) none. */
export type Detection = 'found' | 'undecided' | 'none';

/** Looks for flows' protocols; one serves every flow, what a look found is in its fields until the next. */
export class ProtocolDetector {
  /** After 'found': the protocol, and the bytes its first PDU begins (a held start, or the segment). */
  module: ProtocolModule | undefined;
  first: Buffer = NOTHING;
  /** After 'found': the segment's bytes after `first` (none unless `first` is a held start). */
  rest: Buffer = NOTHING;
  /** After 'none': the size of the held start that reached the bound; 0 when the segments ran out. */
  heldBytes = 0;

  constructor(
    private readonly maxHeld: number,
    private readonly maxTries: number,
  ) {}

  /**
   * One direction's next in-order bytes (`segmentStart`: they begin where a segment began), on a
   * flow whose service protocol by its ports is `onPort`. A PDU may begin at each segment start,
   * or (a header sent in pieces) at the start of the bytes held.
   */
  look(flow: Undecided, side: 0 | 1, data: Buffer, segmentStart: boolean, onPort: ProtocolModule | undefined): Detection {
    // A segment that is a PDU on its own wins over a held start that only looked like one
    // (a keep-alive byte or a tail left from before the capture began).
    const own = segmentStart ? recognise(onPort, data, data.length) : undefined;
    if (own) {
      if (flow.start?.side === side) flow.start = undefined;
      return this.found(own, data, NOTHING);
    }
    if (flow.start?.side === side) {
      const held = this.continueStart(flow, flow.start, data, onPort);
      if (held) return held;
    }
    if (segmentStart && !flow.start && data.length < this.maxHeld && mayBegin(onPort, data, data.length)) {
      flow.start = new StreamStart(side, this.maxHeld);
      flow.start.append(data);
    }
    return this.undecided(flow);
  }

  /** The held start with `data` after it; undefined when it begins no PDU after all, and is let go. */
  private continueStart(flow: Undecided, start: StreamStart, data: Buffer, onPort: ProtocolModule | undefined): Detection | undefined {
    const taken = start.append(data);
    const held = start.bytes;
    const m = recognise(onPort, held, held.length);
    if (m) return this.found(m, held, data.subarray(taken));
    if (!mayBegin(onPort, held, held.length)) {
      flow.start = undefined;
      return undefined;
    }
    if (!start.full) return this.undecided(flow);
    // A PDU too large to be probed within the bound is not waited for.
    this.heldBytes = held.length;
    return 'none';
  }

  private found(m: ProtocolModule, first: Buffer, rest: Buffer): 'found' {
    this.module = m;
    this.first = first;
    this.rest = rest;
    return 'found';
  }

  /** Another segment showed no protocol: after enough of them the flow has none. */
  private undecided(flow: Undecided): Detection {
    if (++flow.detectTries < this.maxTries) return 'undecided';
    this.heldBytes = 0;
    return 'none';
  }
}

/**
 * The protocol whose PDU starts `buf[0, end)`: the flow's service protocol (`onPort`, probed as
 * on its own port), else one recognised on any port.
 */
function recognise(onPort: ProtocolModule | undefined, buf: Buffer, end: number): ProtocolModule | undefined {
  if (onPort?.probe(buf, 0, end, true)) return onPort;
  for (const m of TCP_PROTOCOLS) if (m !== onPort && m.anyPort && m.probe(buf, 0, end, false)) return m;
  return undefined;
}

/** Whether `buf[0, end)` may begin a PDU of one of the protocols `recognise` tries, not yet whole. */
function mayBegin(onPort: ProtocolModule | undefined, buf: Buffer, end: number): boolean {
  for (const m of TCP_PROTOCOLS) if ((m === onPort || m.anyPort) && m.frame(buf, 0, end).status === 'incomplete') return true;
  return false;
}

/** The first bytes of one direction of a flow, held while they may begin a PDU not yet whole. */
export class StreamStart {
  /** Grown as bytes come, up to the bound: most held starts are a few bytes of a header. */
  private held: Buffer;
  private length = 0;

  constructor(
    readonly side: 0 | 1,
    private readonly limit: number,
  ) {
    // Not from the shared pool: a small slice held for minutes would keep its whole 8 KiB block alive.
    this.held = Buffer.allocUnsafeSlow(Math.min(limit, INITIAL_HELD));
  }

  /** Appends what fits of `data`; returns how many of its bytes were taken. */
  append(data: Buffer): number {
    const n = Math.min(data.length, this.limit - this.length);
    if (this.length + n > this.held.length) {
      const grown = Buffer.allocUnsafeSlow(Math.min(this.limit, Math.max(this.length + n, this.held.length * 2)));
      this.held.copy(grown, 0, 0, this.length);
      this.held = grown;
    }
    data.copy(this.held, this.length, 0, n);
    this.length += n;
    return n;
  }

  get bytes(): Buffer {
    return this.held.subarray(0, this.length);
  }

  get full(): boolean {
    return this.length === this.limit;
  }
}

/** The first allocation of a held start (a split header is usually under a dozen bytes). */
const INITIAL_HELD = 64;
