// Live capture on an interface (a mirror port, or the bridge when installed inline) through
// libpcap, by the `cap` binding: immediate mode, a BPF filter, one reused packet buffer.

import { createRequire } from 'node:module';
import type { Cap as CapType } from 'cap';
import { protocolsOver } from '../../protocols/registry.js';
import type { CapturedPacket } from './capture-reader.js';
import { BulkheadError } from '../errors.js';

/** libpcap's link type names as the binding reports them -> pcap LINKTYPE numbers. */
const LINK_TYPES: Record<string, number> = { NULL: 0, ETHERNET: 1, RAW: 101, LINKTYPE_LINUX_SLL: 113 };

/** Kernel buffer for packets waiting to be read: bursts on a busy mirror port fit. */
const KERNEL_BUFFER = 16 << 20;
const SNAP_LENGTH = 65_535;

/** A BPF match for a set of ports: `port N` and `portrange A-B` for runs. */
function portMatch(ports: readonly number[]): string {
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `port ${sorted[i]}` : `portrange ${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(' or ');
}

/**
 * Traffic Bulkhead learns from, and the IP fragments that may carry it: all TCP (stream
 * protocols are recognised on any port), datagram protocols on their ports.
 */
export const DEFAULT_CAPTURE_FILTER = [
  // Non-IP frames (ARP, LLDP, PROFINET...), counted by EtherType; no `vlan` keyword here, which
  // would shift the offsets of every test after it.
  '(not ip and not ip6 and not ether proto 0x8100)',
  ...(protocolsOver('tcp').length ? ['tcp'] : []),
  ...protocolsOver('udp').map((m) => `(udp ${portMatch(m.ports)})`),
  '(ip[6:2] & 0x3fff != 0)',
].join(' or ');

const unreleasable: CapType[] = [];

export class LiveCaptureError extends BulkheadError {
  constructor(
    readonly iface: string,
    message: string,
  ) {
    super('BH_LIVE_CAPTURE', `${iface}: ${message}`);
    this.name = 'LiveCaptureError';
  }
}

export interface LiveCapture {
  linkType: number;
  packets: number;
  truncated: number;
  stop(): void;
}

/**
 * Starts capturing; `onPacket` gets a reused packet object (copy what you keep). libpcap's own
 * timestamps are not exposed by the binding: packets are stamped when they reach Bulkhead,
 * which immediate mode keeps within a millisecond or so of the wire on an idle machine.
 */
export function startLiveCapture(iface: string, filter: string, onPacket: (p: CapturedPacket) => void): LiveCapture {
  let Cap: typeof CapType;
  try {
    ({ Cap } = createRequire(import.meta.url)('cap') as { Cap: typeof CapType });
  } catch (err) {
    throw new LiveCaptureError(iface, `live capture is unavailable: the libpcap binding did not load (${(err as Error).message.split('\n')[0]}); install libpcap-dev and reinstall Bulkhead`);
  }
  // Check the name first: the binding, failing to open a missing device, later aborts the process.
  const devices = Cap.deviceList().map((d) => d.name);
  if (!devices.includes(iface)) throw new LiveCaptureError(iface, `no such capture interface (available: ${devices.join(', ') || 'none'})`);
  const cap = new Cap();
  const buffer = Buffer.alloc(SNAP_LENGTH);
  let linkName: string;
  try {
    linkName = cap.open(iface, filter, KERNEL_BUFFER, buffer);
  } catch (err) {
    // The binding cannot release a handle whose open failed (closing or collecting it aborts
    // the process): keep it referenced and never close it.
    unreleasable.push(cap);
    const msg = (err as Error).message;
    throw new LiveCaptureError(iface, /permission|not permitted/i.test(msg) ? `${msg} (capturing needs root or CAP_NET_RAW)` : msg);
  }
  const linkType = LINK_TYPES[linkName];
  if (linkType === undefined) {
    cap.close();
    throw new LiveCaptureError(iface, `unsupported link type ${linkName}`);
  }
  const state: LiveCapture = {
    linkType,
    packets: 0,
    truncated: 0,
    stop: () => cap.close(),
  };
  const pkt: CapturedPacket = { index: 0, linkType, ts: 0, frame: buffer.subarray(0, 0), origLength: 0, interfaceId: 0 };
  cap.on('packet', (nbytes, truncated) => {
    state.packets++;
    if (truncated) state.truncated++;
    pkt.index = state.packets;
    pkt.ts = Date.now() / 1000;
    pkt.frame = buffer.subarray(0, nbytes);
    pkt.origLength = nbytes;
    onPacket(pkt);
  });
  return state;
}
