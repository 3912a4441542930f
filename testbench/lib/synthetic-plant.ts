// A synthetic Modbus/TCP plant written straight to a pcap file, at any size: clients each poll
// many servers, one TCP connection per conversation (handshake, requests and responses, close),
// connections interleaved in batches so that many flows are open at once. Used where the
// real-peer plant cannot reach the scale: memory bounds, crash and resume, throughput.

import { closeSync, openSync, writeSync } from 'node:fs';
import { pcapFileHeader } from '../../src/test-support/pcap-writer.js';

export interface SyntheticPlant {
  servers: number;
  clients: number;
  /** Servers each client talks to: spread so that every server has clients. */
  serversPerClient: number;
  requestsPerConversation: number;
  /** Connections open at once. */
  batch?: number;
}

export function serverIp(j: number): string {
  return `10.2.${(j >> 8) & 255}.${j & 255}`;
}

export function clientIp(i: number): string {
  return `10.1.${(i >> 8) & 255}.${i & 255}`;
}

const ETH = 14;
const IP = 20;
const TCP = 20;
const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;
const FIN = 0x01;

/** Writes the plant; returns the number of packets. */
export function writeSyntheticPlant(path: string, plant: SyntheticPlant): number {
  const fd = openSync(path, 'w');
  writeSync(fd, pcapFileHeader(1));
  const out = Buffer.alloc(1 << 20);
  let used = 0;
  let packets = 0;
  let usec = 0;
  const start = 1_750_000_000;

  const frame = (src: [number, number, number], dst: [number, number, number], sport: number, dport: number, seq: number, ack: number, flags: number, payload?: (b: Buffer, at: number) => number) => {
    if (used + 16 + 300 > out.length) {
      writeSync(fd, out, 0, used);
      used = 0;
    }
    const rec = used;
    const f = rec + 16;
    // Ethernet: MACs derived from the addresses (servers with a Siemens OUI, clients with Dell's).
    for (const [at, addr, oui] of [
      [f, dst, dst[0] === 2 ? [0x00, 0x1b, 0x1b] : [0x00, 0x14, 0x22]],
      [f + 6, src, src[0] === 2 ? [0x00, 0x1b, 0x1b] : [0x00, 0x14, 0x22]],
    ] as const) {
      out[at] = oui[0];
      out[at + 1] = oui[1];
      out[at + 2] = oui[2];
      out[at + 3] = addr[0];
      out[at + 4] = addr[1];
      out[at + 5] = addr[2];
    }
    out.writeUInt16BE(0x0800, f + 12);
    const ip = f + ETH;
    const tcp = ip + IP;
    const len = payload ? payload(out, tcp + TCP) : 0;
    out[ip] = 0x45;
    out[ip + 1] = 0;
    out.writeUInt16BE(IP + TCP + len, ip + 2);
    out.writeUInt32BE(0x40000000, ip + 4); // id 0, don't fragment
    out[ip + 8] = 64;
    out[ip + 9] = 6;
    out.writeUInt16BE(0, ip + 10);
    for (const [at, a] of [
      [ip + 12, src],
      [ip + 16, dst],
    ] as const) {
      out[at] = 10;
      out[at + 1] = a[0];
      out[at + 2] = a[1];
      out[at + 3] = a[2];
    }
    out.writeUInt16BE(sport, tcp);
    out.writeUInt16BE(dport, tcp + 2);
    out.writeUInt32BE(seq >>> 0, tcp + 4);
    out.writeUInt32BE(ack >>> 0, tcp + 8);
    out[tcp + 12] = 0x50;
    out[tcp + 13] = flags;
    out.writeUInt16BE(65535, tcp + 14);
    out.writeUInt32BE(0, tcp + 16);
    const caplen = ETH + IP + TCP + len;
    usec += 100;
    out.writeUInt32LE(start + Math.floor(usec / 1e6), rec);
    out.writeUInt32LE(usec % 1e6, rec + 4);
    out.writeUInt32LE(caplen, rec + 8);
    out.writeUInt32LE(caplen, rec + 12);
    used = f + caplen;
    packets++;
  };

  const batch = plant.batch ?? 1000;
  const total = plant.clients * plant.serversPerClient;
  for (let first = 0; first < total; first += batch) {
    const n = Math.min(batch, total - first);
    const conv = (k: number) => {
      const c = Math.floor((first + k) / plant.serversPerClient);
      const stride = Math.max(1, Math.floor(plant.servers / plant.clients));
      const s = (c * stride + ((first + k) % plant.serversPerClient)) % plant.servers;
      const cAddr: [number, number, number] = [1, (c >> 8) & 255, c & 255];
      const sAddr: [number, number, number] = [2, (s >> 8) & 255, s & 255];
      return { c, s, cAddr, sAddr, port: 20000 + ((first + k) % 40000) };
    };
    const cseq = 1000;
    const sseq = 5000;
    for (let k = 0; k < n; k++) {
      const { cAddr, sAddr, port } = conv(k);
      frame(cAddr, sAddr, port, 502, cseq, 0, SYN);
      frame(sAddr, cAddr, 502, port, sseq, cseq + 1, SYN | ACK);
      frame(cAddr, sAddr, port, 502, cseq + 1, sseq + 1, ACK);
    }
    for (let r = 0; r < plant.requestsPerConversation; r++) {
      for (let k = 0; k < n; k++) {
        const { s, cAddr, sAddr, port } = conv(k);
        const reg = (s % 100) * 10;
        frame(cAddr, sAddr, port, 502, cseq + 1 + r * 12, sseq + 1 + r * 29, ACK | PSH, (b, at) => {
          b.writeUInt16BE(r, at); // transaction id
          b.writeUInt16BE(0, at + 2);
          b.writeUInt16BE(6, at + 4);
          b[at + 6] = 1;
          b[at + 7] = 3;
          b.writeUInt16BE(reg, at + 8);
          b.writeUInt16BE(10, at + 10);
          return 12;
        });
        frame(sAddr, cAddr, 502, port, sseq + 1 + r * 29, cseq + 1 + (r + 1) * 12, ACK | PSH, (b, at) => {
          b.writeUInt16BE(r, at);
          b.writeUInt16BE(0, at + 2);
          b.writeUInt16BE(23, at + 4);
          b[at + 6] = 1;
          b[at + 7] = 3;
          b[at + 8] = 20;
          b.fill(0, at + 9, at + 29);
          return 29;
        });
      }
    }
    for (let k = 0; k < n; k++) {
      const { cAddr, sAddr, port } = conv(k);
      const R = plant.requestsPerConversation;
      const cEnd = cseq + 1 + R * 12;
      const sEnd = sseq + 1 + R * 29;
      frame(cAddr, sAddr, port, 502, cEnd, sEnd, FIN | ACK);
      frame(sAddr, cAddr, 502, port, sEnd, cEnd + 1, FIN | ACK);
      frame(cAddr, sAddr, port, 502, cEnd + 1, sEnd + 1, ACK);
    }
  }
  if (used > 0) writeSync(fd, out, 0, used);
  closeSync(fd);
  return packets;
}
