// The user-space part of deep inspection, alone: verdicts per second of the inspector on
// queued IPv4 packets (Modbus read requests on many connections, with a denied write in every
// hundred), against the floor of decoding the same packets' headers only, in the same run.
// Free of the scheduling noise of a namespace bridge (bench:inline measures that path whole).
//
//   npm run bench:inspector [-- --packets 2000000 --connections 256]

import { parseArgs } from 'node:util';
import { PacketInfo, decodePacket } from '../../protocols/net/packet.js';
import { Inspector, LINKTYPE_RAW } from '../../src/enforce/inspector.js';
import { compilePolicy } from '../../src/policy/evaluate.js';
import { cellPolicy } from '../lib/inline.js';
import { tcpSegment } from '../../src/test-support/ip-packets.js';

const { values } = parseArgs({ options: { packets: { type: 'string', default: '2000000' }, connections: { type: 'string', default: '256' } } });
const total = Number(values.packets);
const connections = Number(values.connections);
const HMI = '10.0.0.21';
const PLC = '10.0.0.11';

/** An IPv4/TCP segment from the HMI's port `port` to the PLC's 502 carrying `payload`. */
const segment = (port: number, seq: number, payload: Buffer) => tcpSegment(HMI, PLC, port, 502, seq, payload);

const ADU = 12;
const read = (tid: number) => Buffer.from([tid >> 8, tid & 0xff, 0, 0, 0, 6, 1, 3, 0, 0, 0, 10]);
const write = (tid: number) => Buffer.from([tid >> 8, tid & 0xff, 0, 0, 0, 6, 1, 6, 0, 5, 0, 42]);

// Packets prepared up front (a ring, reused): the loop measures verdicts, not packet building.
const RING = 64 * connections;
const packets: Buffer[] = [];
for (let k = 0; k < RING; k++) {
  const conn = k % connections;
  const n = Math.floor(k / connections);
  packets.push(segment(40000 + conn, 0, k % 100 === 99 ? write(n) : read(n)));
}

/** The k-th packet, its sequence number moved on so that every connection's stream continues. */
function packet(k: number): Buffer {
  const p = packets[k % RING]!;
  const n = Math.floor(k / connections);
  p.writeUInt32BE((1 + n * ADU) >>> 0, 24);
  return p;
}

function run(label: string, verdict: (p: Buffer) => number): number {
  const start = process.hrtime.bigint();
  for (let k = 0; k < total; k++) verdict(packet(k));
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  const rate = total / secs;
  console.log(`${label.padEnd(36)} ${Math.round(rate).toLocaleString('en').padStart(11)} packets/s  ${((secs / total) * 1e9).toFixed(0).padStart(6)} ns/packet`);
  return rate;
}

const info = new PacketInfo();
const floor = run('header decode only (floor)', (p) => (decodePacket(LINKTYPE_RAW, p, info) ? 1 : 0));
const inspector = new Inspector(compilePolicy(cellPolicy(HMI, PLC)), 'learn', () => {});
// Each connection's stream starts at sequence number 1 (picked up at its first segment).
const rate = run('inspector verdicts (learn mode)', (p) => inspector.verdict(p));
console.log(`inspector: ${(floor / rate).toFixed(1)}x the floor's cost per packet; ${inspector.counts.denied} would-deny verdicts of ${inspector.counts.packets} packets`);
