// One string per address for all the flows that name it. A plant's conversations share a few
// MACs (the hosts' own, a router's) and each host's address: in bench:decode's million packets
// 31,000 flows named 19 MACs and 16,000 IPv4 addresses, and each flow kept its own four strings.
// Made only when a flow is (or an end changes its MAC), never per packet.

import { ipString, macString } from '../../protocols/net/address.js';

/** Names kept of each kind; past it the table starts over (flows keep the strings they hold). */
const MAX_NAMES = 16_384;

class Names {
  private readonly byValue = new Map<number, string>();

  constructor(private readonly name: (frame: Buffer, off: number) => string) {}

  /** The name of `value`, the address read at `frame[off]`. */
  of(value: number, frame: Buffer, off: number): string {
    let s = this.byValue.get(value);
    if (s === undefined) {
      if (this.byValue.size >= MAX_NAMES) this.byValue.clear();
      s = this.name(frame, off);
      this.byValue.set(value, s);
    }
    return s;
  }
}

const macs = new Names(macString);
const ipv4s = new Names((frame, off) => ipString(frame, off, 4));

/** "aa:bb:cc:dd:ee:ff" of the MAC at `frame[off]`, shared. */
export function macName(frame: Buffer, off: number): string {
  return off >= 0 && frame.length >= off + 6 ? macs.of(frame.readUIntBE(off, 6), frame, off) : '';
}

/** The address at `frame[off]` as text, shared when it is IPv4. */
export function ipName(frame: Buffer, off: number, version: number): string {
  return version === 4 && off >= 0 && frame.length >= off + 4 ? ipv4s.of(frame.readUInt32BE(off), frame, off) : ipString(frame, off, version);
}
