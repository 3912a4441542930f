// A flow: one conversation's 5-tuple, in either direction. Its key, endpoints and id as a
// decoded packet gives them, and the state the decoder keeps for it while it lasts.

import { flatAscii, ipString } from '../../protocols/net/address.js';
import type { PacketInfo } from '../../protocols/net/packet.js';
import type { Endpoint, Protocol } from '../../protocols/operation.js';
import type { ProtocolChannel, ProtocolModule } from '../../protocols/protocol.js';
import { ipName, macName } from './address-names.js';
import type { PduAssembler, PduSink } from './pdu-assembler.js';
import type { Undecided } from './protocol-detection.js';
import type { StreamSink, TcpDirection } from './tcp-stream.js';

/** Why a flow's state went away. */
export type FlowEndReason = 'closed' | 'reset' | 'idle' | 'evicted' | 'end_of_input';

/** One direction's plumbing: bytes from TCP into PDUs into Operations. */
export type DirectionSink = StreamSink & PduSink;

export interface Flow extends Undecided {
  id: string;
  key: string;
  tcp: boolean;
  /** Endpoints in the order of the packet that created the flow; clientIs says which is the client. */
  a: Endpoint;
  b: Endpoint;
  /** The MAC each end last sent from, as a number (-1: none seen): a change is taken into its endpoint. */
  senderMacs: [number, number];
  /** `a`'s IPv4 address as a number (-1: IPv6), so that which end sent a packet is told without a string. */
  aIpv4: number;
  /** 0: a is the client, 1: b is the client. */
  clientIs: 0 | 1;
  lastSeen: number;
  /** When the flow was last moved to the recent end of the table. */
  movedAt: number;
  /** Packets and wire bytes not yet reported to the observer. */
  packets: number;
  bytes: number;
  /** The TCP connection ended (both FINs or a RST); kept a moment so that trailing packets count. */
  closed: boolean;
  closedAt: number;
  app: 'detecting' | Protocol | 'none';
  /** The recognised protocol's module and its decoding state for this connection. */
  module?: ProtocolModule;
  channel?: ProtocolChannel;
  dirs?: [TcpDirection, TcpDirection];
  sinks?: [DirectionSink, DirectionSink];
  assemblers?: [PduAssembler, PduAssembler];
}

/** The key of the packet's flow: the same in both directions. */
export function flowKey(info: PacketInfo, frame: Buffer, tcp: boolean): string {
  return endpointsKey(info, frame, tcp, false);
}

/** The key of one direction of a connection, sender first (the inspector sees client to server only). */
export function directedKey(info: PacketInfo, frame: Buffer, tcp: boolean): string {
  return endpointsKey(info, frame, tcp, true);
}

/**
 * IPv4's key is eight 16-bit units made in one call (no Buffer-to-string, no joined string to
 * flatten on lookup, per packet); IPv6's, longer, joins the address bytes.
 */
function endpointsKey(info: PacketInfo, frame: Buffer, tcp: boolean, directed: boolean): string {
  const proto = tcp ? 6 : 17;
  if (info.ipVersion === 4) {
    const s = info.srcIpOffset;
    const d = info.dstIpOffset;
    const s1 = (frame[s]! << 8) | frame[s + 1]!;
    const s2 = (frame[s + 2]! << 8) | frame[s + 3]!;
    const d1 = (frame[d]! << 8) | frame[d + 1]!;
    const d2 = (frame[d + 2]! << 8) | frame[d + 3]!;
    const srcFirst = directed || (s1 !== d1 ? s1 < d1 : s2 !== d2 ? s2 < d2 : info.srcPort <= info.dstPort);
    return srcFirst ? String.fromCharCode(s1, s2, info.srcPort, d1, d2, info.dstPort, proto, info.vlan + 1) : String.fromCharCode(d1, d2, info.dstPort, s1, s2, info.srcPort, proto, info.vlan + 1);
  }
  const src = frame.toString('latin1', info.srcIpOffset, info.srcIpOffset + 16) + String.fromCharCode(info.srcPort);
  const dst = frame.toString('latin1', info.dstIpOffset, info.dstIpOffset + 16) + String.fromCharCode(info.dstPort);
  const tail = String.fromCharCode(proto, info.vlan + 1);
  return directed || src < dst ? src + dst + tail : dst + src + tail;
}

/** The flow the packet opens, its sender `a`; `clientIs` says which end is taken for the client. */
export function newFlow(info: PacketInfo, frame: Buffer, key: string, tcp: boolean, clientIs: 0 | 1, ts: number): Flow {
  const eth = info.ethOffset >= 0;
  const a = endpoint(ipName(frame, info.srcIpOffset, info.ipVersion), info.srcPort, eth ? macName(frame, info.ethOffset + 6) : undefined, info.vlan);
  const b = endpoint(ipName(frame, info.dstIpOffset, info.ipVersion), info.dstPort, eth ? macName(frame, info.ethOffset) : undefined, info.vlan);
  const senderMacs: [number, number] = [eth ? frame.readUIntBE(info.ethOffset + 6, 6) : -1, -1];
  const vlan = info.vlan >= 0 ? `@vlan${info.vlan}` : '';
  const client = clientIs === 0 ? a : b;
  const server = clientIs === 0 ? b : a;
  return {
    id: flatAscii(`${tcp ? 'tcp' : 'udp'}/${fmt(client)}-${fmt(server)}${vlan}`),
    key,
    tcp,
    a,
    b,
    senderMacs,
    aIpv4: info.ipVersion === 4 ? frame.readUInt32BE(info.srcIpOffset) : -1,
    clientIs,
    lastSeen: ts,
    movedAt: ts,
    packets: 0,
    bytes: 0,
    closed: false,
    closedAt: 0,
    app: tcp ? 'detecting' : 'none',
    detectTries: 0,
    // Named now, though empty: fields added later go to a separate store, one more object a flow.
    start: undefined,
    module: undefined,
    channel: undefined,
    dirs: undefined,
    sinks: undefined,
    assemblers: undefined,
  };
}

/**
 * The sender's MAC into its endpoint when it changed since its last packet (a host answering from
 * another MAC in the middle of a connection: ARP spoofing). A new endpoint object, so that
 * operations already made keep the MAC they were seen with; no allocation while it stays.
 */
export function followSenderMac(flow: Flow, side: 0 | 1, info: PacketInfo, frame: Buffer): void {
  if (info.ethOffset < 0) return;
  const n = frame.readUIntBE(info.ethOffset + 6, 6);
  if (n === flow.senderMacs[side]) return;
  const first = flow.senderMacs[side] === -1;
  flow.senderMacs[side] = n;
  if (first) return; // the first packet from this end: newFlow took its MAC from the opening packet
  const e = side === 0 ? flow.a : flow.b;
  const next = { ...e, mac: macName(frame, info.ethOffset + 6) };
  if (side === 0) flow.a = next;
  else flow.b = next;
}

/** Which end of the flow sent the packet: 0 for `a`, 1 for `b`. */
export function sideOf(flow: Flow, info: PacketInfo, frame: Buffer): 0 | 1 {
  if (info.srcPort !== flow.a.port) return 1;
  if (info.srcPort !== info.dstPort) return 0;
  if (flow.aIpv4 >= 0) return frame.readUInt32BE(info.srcIpOffset) === flow.aIpv4 ? 0 : 1;
  return ipString(frame, info.srcIpOffset, info.ipVersion) === flow.a.ip ? 0 : 1;
}

/** An endpoint made whole at once (fields added later go to a separate store: one more object each). */
function endpoint(ip: string, port: number, mac: string | undefined, vlan: number): Endpoint {
  if (mac === undefined) return vlan < 0 ? { ip, port } : { ip, port, vlan };
  return vlan < 0 ? { ip, port, mac } : { ip, port, mac, vlan };
}

function fmt(e: Endpoint): string {
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}
