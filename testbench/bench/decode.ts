// Decode throughput, end to end (file read + L2-L4 + flows + app decode), against tshark
// extracting the same fields from the same file in the same run.
//
//   npm run bench:decode [-- --packets 1000000 --keep]
//
// The capture is the shared corpus's Ethernet captures replicated until it holds --packets
// packets; each replica's IPv4 addresses are rewritten so its flows are new flows, not
// retransmissions of the previous replica's.

import { execFileSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readCapture } from '../../src/capture/capture-reader.js';
import { OperationDecoder } from '../../src/flow/operation-decoder.js';
import { tsharkAvailable } from '../lib/tshark.js';
import { SHARED_PCAPS, writeReplicatedCapture } from '../lib/replicated-capture.js';

const { values } = parseArgs({ options: { packets: { type: 'string', default: '1000000' }, keep: { type: 'boolean' }, pcaps: { type: 'string' } } });
const target = Number(values.packets);
const root = values.pcaps ?? SHARED_PCAPS;

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

const path = join(tmpdir(), `bulkhead-bench-${process.pid}.pcap`);
const { packets, corpus } = await writeReplicatedCapture(path, target, root);
console.log(`capture: ${packets} packets (${corpus}-packet corpus replicated), ${(statSync(path).size / 1e6).toFixed(0)} MB`);
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
