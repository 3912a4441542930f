// Ending a connection instead of letting it stall (a conduit's `onDeny: reset`). A dropped
// request leaves the client waiting for its timeout and its TCP retransmitting the request; a
// connection reset tells both ends at once. The gateway is a bridge without addresses of its
// own, so it sends nothing: it rewrites the client's segments in the queue.
//   1. The denied segment becomes a bare RST toward the server (same sequence number, so the
//      server accepts it): the server's side of the connection is gone.
//   2. The client's next segment on that connection (its retransmission) becomes a bare ACK:
//      the server, which no longer knows the connection, answers it with a RST of its own,
//      and the client's side is gone too, within one retransmission timeout.
// Neither rewritten segment carries any of the client's bytes.

import type { PacketInfo } from '../../protocols/net/packet.js';
import { TcpFlag } from '../../protocols/net/packet.js';

/** Ones'-complement sum of 16-bit words (RFC 1071), not yet folded or inverted. */
function sum16(buf: Buffer, off: number, len: number, acc = 0): number {
  let i = 0;
  for (; i + 1 < len; i += 2) acc += (buf[off + i]! << 8) | buf[off + i + 1]!;
  if (i < len) acc += buf[off + i]! << 8;
  return acc;
}

function fold(acc: number): number {
  while (acc > 0xffff) acc = (acc & 0xffff) + (acc >>> 16);
  return ~acc & 0xffff;
}

/** The TCP checksum of the segment at `l4` (`length` bytes), over the IPv4 or IPv6 pseudo-header. */
export function tcpChecksum(p: Buffer, i: PacketInfo, length: number): number {
  const addrLen = i.ipVersion === 4 ? 4 : 16;
  let acc = sum16(p, i.srcIpOffset, addrLen) + sum16(p, i.dstIpOffset, addrLen) + 6 + length;
  const saved = p.readUInt16BE(i.l4Offset + 16);
  p.writeUInt16BE(0, i.l4Offset + 16);
  acc = sum16(p, i.l4Offset, length, acc);
  p.writeUInt16BE(saved, i.l4Offset + 16);
  return fold(acc);
}

export function ipv4HeaderChecksum(p: Buffer, ipOffset: number): number {
  const ihl = (p[ipOffset]! & 0x0f) * 4;
  const saved = p.readUInt16BE(ipOffset + 10);
  p.writeUInt16BE(0, ipOffset + 10);
  const c = fold(sum16(p, ipOffset, ihl));
  p.writeUInt16BE(saved, ipOffset + 10);
  return c;
}

/**
 * Rewrites the TCP segment in `p` (as decoded into `i`) in place: no payload, only `flags`, the
 * lengths and checksums made right. Returns the packet's new length.
 */
export function rewriteSegment(p: Buffer, i: PacketInfo, flags: number): number {
  const tcpLength = i.payloadOffset - i.l4Offset;
  const length = i.payloadOffset;
  p[i.l4Offset + 13] = flags;
  // A RST carries no window; an ACK keeps the client's.
  if (flags & TcpFlag.RST) p.writeUInt16BE(0, i.l4Offset + 14);
  p.writeUInt16BE(0, i.l4Offset + 18); // no urgent data
  if (i.ipVersion === 4) {
    p.writeUInt16BE(length - i.ipOffset, i.ipOffset + 2);
    p.writeUInt16BE(ipv4HeaderChecksum(p, i.ipOffset), i.ipOffset + 10);
  } else {
    p.writeUInt16BE(length - i.ipOffset - 40, i.ipOffset + 4);
  }
  p.writeUInt16BE(tcpChecksum(p, i, tcpLength), i.l4Offset + 16);
  return length;
}
