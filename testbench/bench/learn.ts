// Learning cost, in two figures:
//  1. ingest packets/s for learning (decode + pairing + baseline + SQLite flushes) against
//     decode-only on the same capture in the same run (target: learning at most 2x decode time),
//     on a steady plant capture and on a worst case where conversations never stop appearing,
//     and learning with the detectors judging from the first packet (target: at most +25%);
//  2. peak memory of `bulkhead learn` on a synthetic plant of 10,000 assets and 100,000
//     conversations (target: under 200 MB), as shipped and with V8's default heap sizing.
//
//   npm run bench:learn [-- --packets 1000000]

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readCapture } from '../../src/capture/capture-reader.js';
import { OperationDecoder } from '../../src/flow/operation-decoder.js';
import { Watch } from '../../src/detect/watch.js';
import { Learner } from '../../src/learn/learner.js';
import { openDatabase } from '../../src/store/database.js';
import { LearnStore } from '../../src/store/learn-store.js';
import { writeReplicatedCapture } from '../lib/replicated-capture.js';
import { writeSyntheticPlant } from '../lib/synthetic-plant.js';

const { values } = parseArgs({ options: { packets: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' } } });
const dir = mkdtempSync(join(tmpdir(), 'bulkhead-bench-learn-'));
const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli.js');

async function timeDecode(path: string): Promise<number> {
  const decoder = new OperationDecoder(() => {});
  const start = process.hrtime.bigint();
  await readCapture(path, (p) => decoder.packet(p));
  decoder.flush();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Learning alone, or with the detectors judging from the first packet (their worst case: everything new is judged). */
async function timeLearn(path: string, run: number, watch: boolean): Promise<number> {
  const db = join(dir, `learn-${run}-${watch}.db`);
  const store = new LearnStore(openDatabase(db));
  const start = process.hrtime.bigint();
  const learner = new Learner(store, watch ? { watch: (b) => new Watch(b, { learningHours: 0 }) } : {});
  await readCapture(path, (p) => learner.packet(p));
  learner.finish();
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  store.db.close();
  return secs;
}

const best = (xs: number[]) => Math.min(...xs);

async function compare(label: string, capture: string, packets: number): Promise<void> {
  const runs = Number(values.runs);
  const decode: number[] = [];
  const learn: number[] = [];
  const watched: number[] = [];
  // Alternate them so that machine noise hits all alike; best of N each.
  for (let i = 0; i < runs; i++) {
    decode.push(await timeDecode(capture));
    learn.push(await timeLearn(capture, i, false));
    watched.push(await timeLearn(capture, i, true));
  }
  const d = best(decode);
  const l = best(learn);
  const w = best(watched);
  console.log(`${label}: ${packets} packets, best of ${runs}`);
  console.log(`  decode:   ${d.toFixed(2)} s, ${Math.round(packets / d)} packets/s`);
  console.log(`  learn:    ${l.toFixed(2)} s, ${Math.round(packets / l)} packets/s (SQLite on disk, WAL, one transaction per second)`);
  console.log(`  overhead: learning takes ${(l / d).toFixed(2)}x decode time (target: at most 2x)`);
  console.log(`  detect:   ${w.toFixed(2)} s learning with every detector judging from the first packet: +${(((w - l) / l) * 100).toFixed(0)}% (target: at most +25%)`);
}

try {
  // A plant's mirror port: long-lived connections polled all day (200 conversations).
  const steady = join(dir, 'steady-plant.pcap');
  const steadyPackets = writeSyntheticPlant(steady, { servers: 200, clients: 20, serversPerClient: 10, requestsPerConversation: 2500, batch: 200 });
  await compare('steady plant (200 polled conversations)', steady, steadyPackets);
  rmSync(steady);
  // The shared corpus replicated with new addresses: a new conversation every ~40 packets, the worst case for the baseline.
  const churn = join(dir, 'replicated.pcap');
  const { packets } = await writeReplicatedCapture(churn, Number(values.packets));
  await compare('shared corpus replicated (new conversations all the time)', churn, packets);
  rmSync(churn);

  const plant = join(dir, 'synthetic-plant.pcap');
  const plantPackets = writeSyntheticPlant(plant, { servers: 9000, clients: 1000, serversPerClient: 100, requestsPerConversation: 2 });
  const memory = (command: string, args: string[], label: string) => {
    const db = join(dir, `${label}.db`);
    const out = execFileSync(command, [...args, 'learn', '--pcap', plant, '--db', db, '--json'], { encoding: 'utf8', maxBuffer: 1 << 24 });
    const r = JSON.parse(out) as { assets: number; conversations: number; peakRssMb: number; seconds: number };
    console.log(`${label.padEnd(9)} ${r.assets} assets, ${r.conversations} conversations in ${r.seconds.toFixed(1)} s: peak RSS ${r.peakRssMb.toFixed(0)} MB`);
    return r.peakRssMb;
  };
  console.log(`\nsynthetic plant: ${plantPackets} packets, 10000 assets, 100000 conversations`);
  // As shipped: the command's own interpreter line sets V8's young generation small.
  const shipped = memory(CLI, [], 'shipped:');
  memory(process.execPath, [CLI], 'V8 dflt:');
  console.log(`memory:   ${shipped.toFixed(0)} MB peak as shipped (target: under 200 MB)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
