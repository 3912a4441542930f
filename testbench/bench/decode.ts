// Decode throughput, end to end (file read + L2-L4 + flows + app decode), against tshark
// extracting the same fields from the same file in the same run.
//
//   npm run bench:decode [-- --packets 1000000 --keep]
//
// The capture is the shared corpus's Ethernet captures replicated until it holds --packets
// packets; each replica's IPv4 addresses are rewritten so its flows are new flows, not
// retransmissions of the previous replica's.

import { execFileSync } from 'node:child_process';
import { openSync, writeSync, closeSync, rmSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readCapture } from '../../src/capture/capture-reader.js';
import { OperationDecoder } from '../../src/flow/operation-decoder.js';
import { PacketInfo, decodePacket } from '../../protocols/net/packet.js';
import { tsharkAvailable } from '../lib/tshark.js';
import { pcapFileHeader, pcapRecordHeader } from '../lib/pcap-writer.js';

const { values } = parseArgs({ options: { packets: { type: 'string', default: '1000000' }, keep: { type: 'boolean' }, pcaps: { type: 'string' } } });
const target = Number(values.packets);
const root = values.pcaps ?? join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'pcaps');

interface Frame {
  ts: number;
  data: Buffer;
  ipOffset: number;
}

async function corpus(): Promise<Frame[]> {
  const frames: Frame[] = [];
  const info = new PacketInfo();
  for (const dir of ['modbus', 'bacnet', 'opcua']) {
    for (const f of readdirSync(join(root, dir)).filter((n) => n.endsWith('.pcap')).sort()) {
      await readCapture(join(root, dir, f), (p) => {
        if (p.linkType !== 1) return;
        decodePacket(1, p.frame, info);
        frames.push({ ts: p.ts, data: Buffer.from(p.frame), ipOffset: info.ipVersion === 4 ? info.ipOffset : -1 });
      });
    }
  }
  return frames;
}

function writeReplicated(frames: Frame[], path: string): number {
  const fd = openSync(path, 'w');
  writeSync(fd, pcapFileHeader(1));
  const chunk: Buffer[] = [];
  let written = 0;
  let t = 1_700_000_000;
  for (let r = 0; written < target; r++) {
    for (const f of frames) {
      if (written >= target) break;
      const data = Buffer.from(f.data);
      if (f.ipOffset >= 0) {
        // Distinct addresses per replica: 10.x.y.h keeps the host byte, varies the middle.
        for (const at of [f.ipOffset + 12, f.ipOffset + 16]) {
          data[at + 1] = (r >> 8) & 0xff;
          data[at + 2] = r & 0xff;
        }
      }
      t += 0.0001;
      chunk.push(pcapRecordHeader(Math.floor(t), Math.round((t % 1) * 1e6) % 1000000, data.length), data);
      written++;
      if (chunk.length >= 8192) writeSync(fd, Buffer.concat(chunk.splice(0)));
    }
  }
  if (chunk.length) writeSync(fd, Buffer.concat(chunk));
  closeSync(fd);
  return written;
}

async function runOurs(path: string): Promise<{ secs: number; packets: number; operations: number; heapGrowthMb: number; peakRssMb: number }> {
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let peakRss = 0;
  let operations = 0;
  const decoder = new OperationDecoder(() => {
    operations++;
  });
  const start = process.hrtime.bigint();
  const r = await readCapture(path, (p) => {
    decoder.packet(p);
    if ((p.index & 0xffff) === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
  });
  decoder.flush();
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  global.gc?.();
  const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
  return { secs, packets: r.packets, operations, heapGrowthMb, peakRssMb: peakRss / 1e6 };
}

function runTshark(path: string): number {
  const fields = [
    'frame.number', 'mbtcp.trans_id', 'mbtcp.unit_id', 'modbus.func_code', 'modbus.reference_num', 'modbus.word_cnt', 'modbus.bit_cnt',
    'bacapp.type', 'bacapp.confirmed_service', 'bacapp.unconfirmed_service', 'bacapp.objectType', 'bacapp.instance_number', 'bacapp.property_identifier',
    'opcua.transport.type', 'opcua.servicenodeid.numeric',
  ];
  const args = ['-r', path, '-n', '-d', 'tcp.port==4840,opcua', '-T', 'fields'];
  for (const f of fields) args.push('-e', f);
  const start = process.hrtime.bigint();
  execFileSync('sh', ['-c', `tshark ${args.map((a) => `'${a}'`).join(' ')} > /dev/null 2>&1`]);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const frames = await corpus();
const path = join(tmpdir(), `bulkhead-bench-${process.pid}.pcap`);
const packets = writeReplicated(frames, path);
console.log(`capture: ${packets} packets (${frames.length}-packet corpus replicated), ${(statSync(path).size / 1e6).toFixed(0)} MB`);
try {
  const ours = await runOurs(path);
  console.log(`bulkhead: ${ours.secs.toFixed(2)} s, ${Math.round(ours.packets / ours.secs)} packets/s, ${ours.operations} operations, heap growth ${ours.heapGrowthMb.toFixed(1)} MB, peak RSS ${ours.peakRssMb.toFixed(0)} MB`);
  if (tsharkAvailable()) {
    const secs = runTshark(path);
    console.log(`tshark:   ${secs.toFixed(2)} s, ${Math.round(packets / secs)} packets/s`);
    console.log(`ratio:    bulkhead is ${(secs / ours.secs).toFixed(1)}x tshark's packets/s (target: at least 10x)`);
  } else console.log('tshark:   SKIPPED: tshark is not installed, no baseline');
} finally {
  if (!values.keep) rmSync(path, { force: true });
  else console.log(`kept ${path}`);
}
