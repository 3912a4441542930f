// Hand-made IPv4/TCP and UDP packets as NFQUEUE hands them to the inspector (raw IP, no link
// layer): for unit tests of the inspector and the learner, and for the inspector's benchmark.

export const ACK = 0x10;
export const PSH = 0x08;
export const SYN = 0x02;

/** An IPv4 packet of `length` bytes with its header filled in (no options, TTL 64, checksum left 0). */
function ipv4(length: number, protocol: number, src: string, dst: string): Buffer {
  const p = Buffer.alloc(length);
  p[0] = 0x45;
  p.writeUInt16BE(length, 2);
  p[8] = 64;
  p[9] = protocol;
  Buffer.from(src.split('.').map(Number)).copy(p, 12);
  Buffer.from(dst.split('.').map(Number)).copy(p, 16);
  return p;
}

/** An IPv4/TCP segment from `src`:`sport` to `dst`:`dport` carrying `payload` (checksums left 0). */
export function tcpSegment(src: string, dst: string, sport: number, dport: number, seq: number, payload: Buffer, flags = ACK | PSH): Buffer {
  const p = ipv4(40 + payload.length, 6, src, dst);
  p.writeUInt16BE(sport, 20);
  p.writeUInt16BE(dport, 22);
  p.writeUInt32BE(seq >>> 0, 24);
  p.writeUInt32BE(1, 28);
  p[32] = 0x50;
  p[33] = flags;
  p.writeUInt16BE(65535, 34);
  payload.copy(p, 40);
  return p;
}

/** An IPv4/UDP datagram from `src`:`sport` to `dst`:`dport` carrying `payload` (checksums left 0). */
export function udpDatagram(src: string, dst: string, sport: number, dport: number, payload: Buffer): Buffer {
  const p = ipv4(28 + payload.length, 17, src, dst);
  p.writeUInt16BE(sport, 20);
  p.writeUInt16BE(dport, 22);
  p.writeUInt16BE(8 + payload.length, 24);
  payload.copy(p, 28);
  return p;
}

/** An Ethernet II frame carrying `payload` as `etherType` (IPv4 by default). */
export function ethernet(src: string, dst: string, payload: Buffer, etherType = 0x0800): Buffer {
  const mac = (m: string) => Buffer.from(m.replace(/:/g, ''), 'hex');
  const type = Buffer.alloc(2);
  type.writeUInt16BE(etherType);
  return Buffer.concat([mac(dst), mac(src), type, payload]);
}
