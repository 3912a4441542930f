// Decode cost curve, end to end (file read + L2-L4 + flows + application decode), at 10,000,
// 100,000 and 1,000,000 packets, each size beside two yardsticks in the same run: tshark
// extracting the same fields from the same file, and a raw read that only walks the file's
// records (the I/O floor). Each measurement runs in a fresh process, so resident memory is
// that size's alone. Targets: at least 1,000,000 packets/s, 30x tshark, within 3x of the raw
// read, resident memory flat under 100 MB whatever the size.
//
//   npm run bench:decode [-- --sizes 10000,100000,1000000 --json --keep]
//
// The capture is the shared corpus's Ethernet captures replicated until it holds the wanted
// packets; each replica's IPv4 addresses are rewritten so its flows are new flows.

import { execFileSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readCapture } from '../../src/capture/capture-reader.js';
import { OperationDecoder } from '../../src/flow/operation-decoder.js';
import { ENGINE_NODE_OPTIONS } from '../../src/gateway/engine-options.js';
import { printCurves, type Curve } from '../lib/curve.js';
import { tsharkAvailable } from '../lib/tshark.js';
import { SHARED_PCAPS, writeReplicatedCapture } from '../lib/replicated-capture.js';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '10000,100000,1000000' }, keep: { type: 'boolean' }, pcaps: { type: 'string' }, json: { type: 'boolean' }, measure: { type: 'string' }, raw: { type: 'boolean' } } });

interface Run {
  secs: number;
  packets: number;
  operations: number;
  peakRssMb: number;
}

/** One measurement, in this (fresh) process: decode the file, or only walk its records. */
async function measure(path: string, raw: boolean): Promise<Run> {
  let peakRss = process.memoryUsage.rss();
  let operations = 0;
  const decoder = new OperationDecoder(() => {
    operations++;
  });
  const start = process.hrtime.bigint();
  const r = await readCapture(
    path,
    raw
      ? (p) => {
          if ((p.index & 0xffff) === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
        }
      : (p) => {
          decoder.packet(p);
          if ((p.index & 0xffff) === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
        },
  );
  decoder.flush();
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  return { secs, packets: r.packets, operations, peakRssMb: peakRss / 1e6 };
}

/** Best of `runs` fresh processes, with the heap flags bulkhead ships with: memory as shipped. */
function best(path: string, raw: boolean, runs = 3): Run {
  const results: Run[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, [...ENGINE_NODE_OPTIONS, import.meta.filename, '--measure', path, ...(raw ? ['--raw'] : [])], { encoding: 'utf8' });
    results.push(JSON.parse(out) as Run);
  }
  return results.sort((a, b) => a.secs - b.secs)[0]!;
}

const TSHARK_FIELDS = [
  'frame.number', 'mbtcp.trans_id', 'mbtcp.unit_id', 'modbus.func_code', 'modbus.reference_num', 'modbus.word_cnt', 'modbus.bit_cnt',
  'bacapp.type', 'bacapp.confirmed_service', 'bacapp.unconfirmed_service', 'bacapp.objectType', 'bacapp.instance_number', 'bacapp.property_identifier',
  'opcua.transport.type', 'opcua.servicenodeid.numeric',
];

function runTshark(path: string): number {
  const args = ['-r', path, '-n', '-d', 'tcp.port==4840,opcua', '-T', 'fields'];
  for (const f of TSHARK_FIELDS) args.push('-e', f);
  const start = process.hrtime.bigint();
  execFileSync('sh', ['-c', `tshark ${args.map((a) => `'${a}'`).join(' ')} > /dev/null 2>&1`]);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function main(): Promise<void> {
  const sizes = values.sizes!.split(',').map(Number);
  const hasTshark = tsharkAvailable();
  const decode: Curve = { name: 'decode', sizeUnit: 'packets', unit: 'packets/s', yardstick: hasTshark ? 'tshark on the same file' : undefined, better: 'higher', per: 'packet', points: [] };
  const floor: Curve = { name: 'decode against the raw read', sizeUnit: 'packets', unit: 'packets/s', yardstick: 'raw read walking the records only, the I/O floor', better: 'higher', per: 'packet', points: [] };
  const memory: Curve = { name: 'decode resident memory', sizeUnit: 'packets', unit: 'MB peak RSS', yardstick: 'raw read', better: 'lower', points: [] };
  const details: Record<string, unknown>[] = [];
  for (const size of sizes) {
    const path = join(tmpdir(), `bulkhead-bench-${process.pid}-${size}.pcap`);
    const { packets, corpus } = await writeReplicatedCapture(path, size, values.pcaps ?? SHARED_PCAPS);
    try {
      const ours = best(path, false);
      const raw = best(path, true);
      const tshark = hasTshark ? runTshark(path) : undefined;
      const rate = packets / ours.secs;
      decode.points.push({ size: packets, value: rate, ...(tshark !== undefined ? { yardstick: packets / tshark } : {}) });
      floor.points.push({ size: packets, value: rate, yardstick: packets / raw.secs });
      memory.points.push({ size: packets, value: ours.peakRssMb, yardstick: raw.peakRssMb });
      details.push({ packets, corpus, megabytes: statSync(path).size / 1e6, operations: ours.operations, decodeSecs: ours.secs, rawSecs: raw.secs, tsharkSecs: tshark });
    } finally {
      if (!values.keep) rmSync(path, { force: true });
      else console.log(`kept ${path}`);
    }
  }
  printCurves([decode, floor, memory], values.json === true, { captures: details });
  if (!values.json) {
    if (!hasTshark) console.log('tshark: SKIPPED: tshark is not installed, no baseline');
    const last = details[details.length - 1]!;
    const top = decode.points[decode.points.length - 1]!;
    console.log(`targets at ${top.size.toLocaleString('en')} packets: ${Math.round(top.value).toLocaleString('en')} packets/s (at least 1,000,000)${top.yardstick ? `, ${(top.value / top.yardstick).toFixed(1)}x tshark (at least 30x)` : ''}, ${((last.decodeSecs as number) / (last.rawSecs as number)).toFixed(1)}x the raw read's time (at most 3x), ${Math.max(...memory.points.map((p) => p.value)).toFixed(0)} MB peak resident (under 100 MB, flat)`);
  }
}

if (values.measure) console.log(JSON.stringify(await measure(values.measure, values.raw === true)));
else await main();
