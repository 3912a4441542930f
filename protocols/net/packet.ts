// L2-L4 decoding into one reused PacketInfo: offsets into the frame, no copies, no strings.
// Addresses are turned into strings only by the caller that needs them (see address.ts).

export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  RAW_OPENBSD: 14,
  RAW_BSD: 12,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export const IpProto = { TCP: 6, UDP: 17 } as const;

export const TcpFlag = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20 } as const;

/** Why a frame could not be decoded down to a transport payload. */
export type NetError =
  | 'unsupported_link_type'
  | 'truncated_link_header'
  | 'not_ip'
  | 'truncated_ip_header'
  | 'bad_ip_header'
  | 'fragment'
  | 'unsupported_transport'
  | 'truncated_transport_header'
  | 'bad_transport_header';

export class PacketInfo {
  /** Offset of the Ethernet header, -1 when the link type has none. */
  ethOffset = -1;
  /** Outer and inner 802.1Q/802.1ad VLAN ids, -1 when untagged. */
  vlan = -1;
  innerVlan = -1;
  /** The EtherType after any tags (-1 without an Ethernet or SLL header); for 802.3, its length. */
  etherType = -1;
  ipVersion = 0;
  ipOffset = 0;
  srcIpOffset = 0;
  dstIpOffset = 0;
  ipProto = 0;
  /** The frame is an IPv4/IPv6 fragment: not reassembled, its payload is not decoded. */
  fragment = false;
  /** Offset of the TCP or UDP header. */
  l4Offset = 0;
  srcPort = 0;
  dstPort = 0;
  tcpSeq = 0;
  tcpAck = 0;
  tcpFlags = 0;
  payloadOffset = 0;
  payloadLength = 0;
  error: NetError | undefined = undefined;

  clear(): void {
    this.ethOffset = -1;
    this.vlan = -1;
    this.innerVlan = -1;
    this.etherType = -1;
    this.ipVersion = 0;
    this.ipProto = 0;
    this.fragment = false;
    this.srcPort = 0;
    this.dstPort = 0;
    this.tcpSeq = 0;
    this.tcpAck = 0;
    this.tcpFlags = 0;
    this.payloadOffset = 0;
    this.l4Offset = 0;
    this.payloadLength = 0;
    this.error = undefined;
  }
}

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const ETH_VLAN = 0x8100;
const ETH_QINQ = 0x88a8;
const ETH_QINQ_OLD = 0x9100;

/**
 * Decode one captured frame down to its TCP/UDP payload. Returns true when `info` holds a
 * transport payload; otherwise `info.error` says why not. Never throws.
 */
export function decodePacket(linkType: number, frame: Buffer, info: PacketInfo): boolean {
  info.clear();
  const len = frame.length;
  switch (linkType) {
    case LinkType.ETHERNET:
      return decodeEthernet(frame, 0, info);
    case LinkType.NULL:
    case LinkType.LOOP: {
      if (len < 4) return fail(info, 'truncated_link_header');
      // DLT_NULL stores the address family in the capturing host's byte order; DLT_LOOP in network order.
      const le = frame.readUInt32LE(0);
      const family = linkType === LinkType.LOOP ? frame.readUInt32BE(0) : le < 256 ? le : frame.readUInt32BE(0);
      if (family === 2) return decodeIpv4(frame, 4, len, info);
      if (family === 24 || family === 28 || family === 30 || family === 10) return decodeIpv6(frame, 4, len, info);
      return fail(info, 'not_ip');
    }
    case LinkType.RAW:
    case LinkType.RAW_BSD:
    case LinkType.RAW_OPENBSD:
    case LinkType.IPV4:
    case LinkType.IPV6:
      return decodeIp(frame, 0, info);
    case LinkType.LINUX_SLL:
      if (len < 16) return fail(info, 'truncated_link_header');
      return decodeEtherType(frame, frame.readUInt16BE(14), 16, info);
    case LinkType.LINUX_SLL2:
      if (len < 20) return fail(info, 'truncated_link_header');
      return decodeEtherType(frame, frame.readUInt16BE(0), 20, info);
    default:
      return fail(info, 'unsupported_link_type');
  }
}

function fail(info: PacketInfo, error: NetError): false {
  info.error = error;
  return false;
}

function decodeEthernet(frame: Buffer, off: number, info: PacketInfo): boolean {
  if (frame.length < off + 14) return fail(info, 'truncated_link_header');
  info.ethOffset = off;
  let pos = off + 12;
  let type = frame.readUInt16BE(pos);
  pos += 2;
  // Up to two tags (QinQ); a third is not a plant network we know.
  for (let tags = 0; (type === ETH_VLAN || type === ETH_QINQ || type === ETH_QINQ_OLD) && tags < 3; tags++) {
    if (frame.length < pos + 4) return fail(info, 'truncated_link_header');
    const vid = frame.readUInt16BE(pos) & 0x0fff;
    if (info.vlan < 0) info.vlan = vid;
    else if (info.innerVlan < 0) info.innerVlan = vid;
    type = frame.readUInt16BE(pos + 2);
    pos += 4;
  }
  return decodeEtherType(frame, type, pos, info);
}

function decodeEtherType(frame: Buffer, type: number, off: number, info: PacketInfo): boolean {
  info.etherType = type;
  if (type === ETH_IPV4) return decodeIpv4(frame, off, frame.length, info);
  if (type === ETH_IPV6) return decodeIpv6(frame, off, frame.length, info);
  return fail(info, 'not_ip');
}

function decodeIp(frame: Buffer, off: number, info: PacketInfo): boolean {
  if (frame.length <= off) return fail(info, 'truncated_ip_header');
  const version = frame[off]! >> 4;
  if (version === 4) return decodeIpv4(frame, off, frame.length, info);
  if (version === 6) return decodeIpv6(frame, off, frame.length, info);
  return fail(info, 'not_ip');
}

function decodeIpv4(frame: Buffer, off: number, limit: number, info: PacketInfo): boolean {
  if (limit < off + 20) return fail(info, 'truncated_ip_header');
  const vihl = frame[off]!;
  const ihl = (vihl & 0x0f) * 4;
  if (vihl >> 4 !== 4 || ihl < 20) return fail(info, 'bad_ip_header');
  const total = frame.readUInt16BE(off + 2);
  if (total < ihl) return fail(info, 'bad_ip_header');
  // The IP total length trims Ethernet padding; a snapped frame keeps what was captured.
  const end = Math.min(limit, off + total);
  if (end < off + ihl) return fail(info, 'truncated_ip_header');
  info.ipVersion = 4;
  info.ipOffset = off;
  info.srcIpOffset = off + 12;
  info.dstIpOffset = off + 16;
  info.ipProto = frame[off + 9]!;
  const frag = frame.readUInt16BE(off + 6);
  if ((frag & 0x2000) !== 0 || (frag & 0x1fff) !== 0) {
    info.fragment = true;
    return fail(info, 'fragment');
  }
  return decodeTransport(frame, off + ihl, end, info);
}

function decodeIpv6(frame: Buffer, off: number, limit: number, info: PacketInfo): boolean {
  if (limit < off + 40) return fail(info, 'truncated_ip_header');
  if (frame[off]! >> 4 !== 6) return fail(info, 'bad_ip_header');
  const end = Math.min(limit, off + 40 + frame.readUInt16BE(off + 4));
  info.ipVersion = 6;
  info.ipOffset = off;
  info.srcIpOffset = off + 8;
  info.dstIpOffset = off + 24;
  let next = frame[off + 6]!;
  let pos = off + 40;
  // Walk extension headers (hop-by-hop, routing, fragment, destination options, AH).
  for (let hops = 0; hops < 8; hops++) {
    if (next === 0 || next === 43 || next === 60 || next === 51) {
      if (end < pos + 8) return fail(info, 'truncated_ip_header');
      const hdrLen = next === 51 ? (frame[pos + 1]! + 2) * 4 : (frame[pos + 1]! + 1) * 8;
      next = frame[pos]!;
      pos += hdrLen;
    } else if (next === 44) {
      if (end < pos + 8) return fail(info, 'truncated_ip_header');
      info.ipProto = frame[pos]!;
      info.fragment = true;
      return fail(info, 'fragment');
    } else break;
  }
  if (pos > end) return fail(info, 'truncated_ip_header');
  info.ipProto = next;
  return decodeTransport(frame, pos, end, info);
}

function decodeTransport(frame: Buffer, off: number, end: number, info: PacketInfo): boolean {
  info.l4Offset = off;
  if (info.ipProto === 6) {
    if (end < off + 20) return fail(info, 'truncated_transport_header');
    const dataOff = (frame[off + 12]! >> 4) * 4;
    if (dataOff < 20) return fail(info, 'bad_transport_header');
    if (end < off + dataOff) return fail(info, 'truncated_transport_header');
    info.srcPort = frame.readUInt16BE(off);
    info.dstPort = frame.readUInt16BE(off + 2);
    info.tcpSeq = frame.readUInt32BE(off + 4);
    info.tcpAck = frame.readUInt32BE(off + 8);
    info.tcpFlags = frame[off + 13]!;
    info.payloadOffset = off + dataOff;
    info.payloadLength = end - off - dataOff;
    return true;
  }
  if (info.ipProto === 17) {
    if (end < off + 8) return fail(info, 'truncated_transport_header');
    const udpLen = frame.readUInt16BE(off + 4);
    if (udpLen < 8) return fail(info, 'bad_transport_header');
    info.srcPort = frame.readUInt16BE(off);
    info.dstPort = frame.readUInt16BE(off + 2);
    info.payloadOffset = off + 8;
    info.payloadLength = Math.min(end, off + udpLen) - off - 8;
    return true;
  }
  return fail(info, 'unsupported_transport');
}
