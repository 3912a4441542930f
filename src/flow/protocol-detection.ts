// Recognising a TCP flow's protocol from the first bytes of its streams with the registry's
// strict probes; a stream's start that may be a PDU not yet whole (its header came in pieces)
// is held, within a bound, so that the PDU is probed whole once the rest arrives.

import type { ProtocolModule } from '../../protocols/protocol.js';
import { protocolsOver } from '../../protocols/registry.js';

export const TCP_PROTOCOLS = protocolsOver('tcp');

/**
 * The protocol whose PDU starts `buf[0, end)`: the flow's service protocol (`onPort`, probed as
 * on its own port), else one recognised on any port.
 */
export function recognise(onPort: ProtocolModule | undefined, buf: Buffer, end: number): ProtocolModule | undefined {
  if (onPort?.probe(buf, 0, end, true)) return onPort;
  for (const m of TCP_PROTOCOLS) if (m !== onPort && m.anyPort && m.probe(buf, 0, end, false)) return m;
  return undefined;
}

/** Whether `buf[0, end)` may begin a PDU of one of the protocols `recognise` tries, not yet whole. */
export function mayBegin(onPort: ProtocolModule | undefined, buf: Buffer, end: number): boolean {
  for (const m of TCP_PROTOCOLS) if ((m === onPort || m.anyPort) && m.frame(buf, 0, end).status === 'incomplete') return true;
  return false;
}

/** The first bytes of one direction of a flow, held while they may begin a PDU not yet whole. */
export class StreamStart {
  private readonly held: Buffer;
  private length = 0;

  constructor(
    readonly side: 0 | 1,
    size: number,
  ) {
    this.held = Buffer.allocUnsafe(size);
  }

  /** Appends what fits of `data`; returns how many of its bytes were taken. */
  append(data: Buffer): number {
    const n = Math.min(data.length, this.held.length - this.length);
    data.copy(this.held, this.length, 0, n);
    this.length += n;
    return n;
  }

  get bytes(): Buffer {
    return this.held.subarray(0, this.length);
  }

  get full(): boolean {
    return this.length === this.held.length;
  }
}
