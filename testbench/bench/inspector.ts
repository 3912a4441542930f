// The user-space part of deep inspection, alone: verdicts per second of the inspector on
// queued IPv4 packets (Modbus read requests on many connections, with a denied write in every
// hundred), against the floor of decoding the same packets' headers only, in the same run; a
// cost curve over 1, 10, 100 and 1,000 concurrent connections (the flow state it keeps), and the
// heap it allocates per packet (what garbage collection has to take back on the verdict path).
// Free of the scheduling noise of a namespace bridge (bench:inline measures that path whole).
//
//   npm run bench:inspector [-- --packets 2000000 --json]

import { parseArgs } from 'node:util';
import { PacketInfo, decodePacket } from '../../protocols/net/packet.js';
import { Inspector, LINKTYPE_RAW } from '../../src/enforce/inspector.js';
import { compilePolicy } from '../../src/policy/evaluate.js';
import { cellPolicy } from '../lib/inline.js';
import { allocated } from '../lib/allocation.js';
import { printCurves, type Curve } from '../lib/curve.js';
import { tcpSegment } from '../../src/test-support/ip-packets.js';

const { values } = parseArgs({ options: { packets: { type: 'string', default: '2000000' }, json: { type: 'boolean' } } });
const total = Number(values.packets);
const CONNECTIONS = [1, 10, 100, 1_000];
const HMI = '10.0.0.21';
const PLC = '10.0.0.11';

/** An IPv4/TCP segment from the HMI's port `port` to the PLC's 502 carrying `payload`. */
const segment = (port: number, seq: number, payload: Buffer) => tcpSegment(HMI, PLC, port, 502, seq, payload);

const ADU = 12;
const read = (tid: number) => Buffer.from([tid >> 8, tid & 0xff, 0, 0, 0, 6, 1, 3, 0, 0, 0, 10]);
const write = (tid: number) => Buffer.from([tid >> 8, tid & 0xff, 0, 0, 0, 6, 1, 6, 0, 5, 0, 42]);

/**
 * The packets of `connections` connections, prepared up front (a ring, reused: the loop measures
 * verdicts, not packet building); `packet(k)` moves the k-th's sequence number on so that every
 * connection's stream continues.
 */
function traffic(connections: number): (k: number) => Buffer {
  const ring = 64 * connections;
  const packets: Buffer[] = [];
  for (let k = 0; k < ring; k++) packets.push(segment(40000 + (k % connections), 0, k % 100 === 99 ? write(Math.floor(k / connections)) : read(Math.floor(k / connections))));
  return (k) => {
    const p = packets[k % ring]!;
    p.writeUInt32BE((1 + Math.floor(k / connections) * ADU) >>> 0, 24);
    return p;
  };
}

function run(packet: (k: number) => Buffer, verdict: (p: Buffer) => number): number {
  const start = process.hrtime.bigint();
  for (let k = 0; k < total; k++) verdict(packet(k));
  return total / (Number(process.hrtime.bigint() - start) / 1e9);
}

const info = new PacketInfo();
const curve: Curve = { name: 'inspector verdicts (learn mode)', sizeUnit: 'connections', unit: 'packets/s', yardstick: 'header decode only (the floor)', better: 'higher', per: 'packet', points: [] };
const bytes: Curve = { name: 'inspector heap allocated', sizeUnit: 'connections', unit: 'bytes/packet', better: 'lower', points: [] };
let denied = '';
for (const connections of CONNECTIONS) {
  const packet = traffic(connections);
  const floor = run(packet, (p) => (decodePacket(LINKTYPE_RAW, p, info) ? 1 : 0));
  // Each connection's stream starts at sequence number 1 (picked up at its first segment).
  const inspector = new Inspector(compilePolicy(cellPolicy(HMI, PLC)), 'learn', () => {});
  const { result: rate, bytes: heap } = await allocated(() => run(packet, (p) => inspector.verdict(p)));
  curve.points.push({ size: connections, value: rate, yardstick: floor });
  bytes.points.push({ size: connections, value: heap / total });
  denied = `${inspector.counts.denied} would-deny verdicts of ${inspector.counts.packets} packets on ${connections} connections`;
}
printCurves([curve, bytes], values.json === true);
if (!values.json) {
  for (const p of curve.points) console.log(`${String(p.size).padStart(5)} connections: ${((1e9 / p.value)).toFixed(0)} ns/packet, ${(p.yardstick! / p.value).toFixed(1)}x the floor's cost`);
  console.log(`last run: ${denied}`);
}
