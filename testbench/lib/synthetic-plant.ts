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
const MODBUS_PORT = 502;
/** Every conversation starts from the same sequence numbers. */
const CLIENT_ISN = 1000;
const SERVER_ISN = 5000;
/** Payload bytes: a read of ten holding registers and its response. */
const REQUEST = 12;
const RESPONSE = 29;
/** Servers carry a Siemens OUI, clients Dell's. */
const SERVER_OUI = [0x00, 0x1b, 0x1b];
const CLIENT_OUI = [0x00, 0x14, 0x22];
const START_SECONDS = 1_750_000_000;

/** The last three bytes of a 10.x.y.z address; x is 1 for clients, 2 for servers. */
type Addr = [number, number, number];

interface Endpoint {
  addr: Addr;
  port: number;
}

interface Conversation {
  /** The server's index (it picks the registers read). */
  s: number;
  client: Endpoint;
  server: Endpoint;
}

/** Writes a frame's payload at `at`; returns its length. */
type Payload = (b: Buffer, at: number) => number;

/** Writes the plant; returns the number of packets. */
export function writeSyntheticPlant(path: string, plant: SyntheticPlant): number {
  const out = new PcapOut(path);
  const batch = plant.batch ?? 1000;
  const total = plant.clients * plant.serversPerClient;
  for (let first = 0; first < total; first += batch) {
    const open = Array.from({ length: Math.min(batch, total - first) }, (_, k) => conversation(plant, first + k));
    for (const c of open) handshake(out, c);
    for (let r = 0; r < plant.requestsPerConversation; r++) for (const c of open) poll(out, c, r);
    for (const c of open) close(out, c, plant.requestsPerConversation);
  }
  return out.close();
}

/** The i-th conversation: clients in turn, each to `serversPerClient` consecutive servers from its own offset (so that every server has clients). */
function conversation(plant: SyntheticPlant, i: number): Conversation {
  const c = Math.floor(i / plant.serversPerClient);
  const stride = Math.max(1, Math.floor(plant.servers / plant.clients));
  const s = (c * stride + (i % plant.serversPerClient)) % plant.servers;
  return { s, client: { addr: [1, (c >> 8) & 255, c & 255], port: 20000 + (i % 40000) }, server: { addr: [2, (s >> 8) & 255, s & 255], port: MODBUS_PORT } };
}

function handshake(out: PcapOut, { client, server }: Conversation): void {
  out.frame(client, server, CLIENT_ISN, 0, SYN);
  out.frame(server, client, SERVER_ISN, CLIENT_ISN + 1, SYN | ACK);
  out.frame(client, server, CLIENT_ISN + 1, SERVER_ISN + 1, ACK);
}

/** The r-th request of a conversation (transaction id r) and its response. */
function poll(out: PcapOut, { s, client, server }: Conversation, r: number): void {
  const reg = (s % 100) * 10;
  out.frame(client, server, CLIENT_ISN + 1 + r * REQUEST, SERVER_ISN + 1 + r * RESPONSE, ACK | PSH, (b, at) => {
    b.writeUInt16BE(r, at); // transaction id
    b.writeUInt16BE(0, at + 2);
    b.writeUInt16BE(6, at + 4);
    b[at + 6] = 1;
    b[at + 7] = 3;
    b.writeUInt16BE(reg, at + 8);
    b.writeUInt16BE(10, at + 10);
    return REQUEST;
  });
  out.frame(server, client, SERVER_ISN + 1 + r * RESPONSE, CLIENT_ISN + 1 + (r + 1) * REQUEST, ACK | PSH, (b, at) => {
    b.writeUInt16BE(r, at);
    b.writeUInt16BE(0, at + 2);
    b.writeUInt16BE(23, at + 4);
    b[at + 6] = 1;
    b[at + 7] = 3;
    b[at + 8] = 20;
    b.fill(0, at + 9, at + RESPONSE);
    return RESPONSE;
  });
}

/** The close after `requests` requests, each side's FIN acknowledged. */
function close(out: PcapOut, { client, server }: Conversation, requests: number): void {
  const cEnd = CLIENT_ISN + 1 + requests * REQUEST;
  const sEnd = SERVER_ISN + 1 + requests * RESPONSE;
  out.frame(client, server, cEnd, sEnd, FIN | ACK);
  out.frame(server, client, sEnd, cEnd + 1, FIN | ACK);
  out.frame(client, server, cEnd + 1, sEnd + 1, ACK);
}

/** The capture file: frames assembled in a 1 MiB buffer written whenever it fills, one every 100 us. */
class PcapOut {
  private readonly fd: number;
  private readonly out = Buffer.alloc(1 << 20);
  private used = 0;
  private packets = 0;
  private usec = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
    writeSync(this.fd, pcapFileHeader(1));
  }

  frame(src: Endpoint, dst: Endpoint, seq: number, ack: number, flags: number, payload?: Payload): void {
    // Room for a record header and the largest frame.
    if (this.used + 16 + 300 > this.out.length) this.flush();
    const out = this.out;
    const rec = this.used;
    const f = rec + 16;
    ethernet(out, f, src.addr, dst.addr);
    const ip = f + ETH;
    const tcp = ip + IP;
    const len = payload ? payload(out, tcp + TCP) : 0;
    ipv4(out, ip, src.addr, dst.addr, TCP + len);
    tcpHeader(out, tcp, src.port, dst.port, seq, ack, flags);
    const caplen = ETH + IP + TCP + len;
    this.usec += 100;
    out.writeUInt32LE(START_SECONDS + Math.floor(this.usec / 1e6), rec);
    out.writeUInt32LE(this.usec % 1e6, rec + 4);
    out.writeUInt32LE(caplen, rec + 8);
    out.writeUInt32LE(caplen, rec + 12);
    this.used = f + caplen;
    this.packets++;
  }

  /** Writes what is left and closes the file; returns the number of packets. */
  close(): number {
    if (this.used > 0) this.flush();
    closeSync(this.fd);
    return this.packets;
  }

  private flush(): void {
    writeSync(this.fd, this.out, 0, this.used);
    this.used = 0;
  }
}

function ethernet(out: Buffer, at: number, src: Addr, dst: Addr): void {
  mac(out, at, dst);
  mac(out, at + 6, src);
  out.writeUInt16BE(0x0800, at + 12);
}

/** A MAC derived from the address: its vendor's OUI, then the address's last three bytes. */
function mac(out: Buffer, at: number, addr: Addr): void {
  const oui = addr[0] === 2 ? SERVER_OUI : CLIENT_OUI;
  out[at] = oui[0];
  out[at + 1] = oui[1];
  out[at + 2] = oui[2];
  address(out, at + 3, addr);
}

function address(out: Buffer, at: number, addr: Addr): void {
  out[at] = addr[0];
  out[at + 1] = addr[1];
  out[at + 2] = addr[2];
}

function ipv4(out: Buffer, ip: number, src: Addr, dst: Addr, payload: number): void {
  out[ip] = 0x45;
  out[ip + 1] = 0;
  out.writeUInt16BE(IP + payload, ip + 2);
  out.writeUInt32BE(0x40000000, ip + 4); // id 0, don't fragment
  out[ip + 8] = 64;
  out[ip + 9] = 6;
  out.writeUInt16BE(0, ip + 10);
  out[ip + 12] = 10;
  address(out, ip + 13, src);
  out[ip + 16] = 10;
  address(out, ip + 17, dst);
}

function tcpHeader(out: Buffer, tcp: number, sport: number, dport: number, seq: number, ack: number, flags: number): void {
  out.writeUInt16BE(sport, tcp);
  out.writeUInt16BE(dport, tcp + 2);
  out.writeUInt32BE(seq >>> 0, tcp + 4);
  out.writeUInt32BE(ack >>> 0, tcp + 8);
  out[tcp + 12] = 0x50;
  out[tcp + 13] = flags;
  out.writeUInt16BE(65535, tcp + 14);
  out.writeUInt32BE(0, tcp + 16);
}
