// Learning cost:
//  1. cost curves at 10,000 / 100,000 / 1,000,000 packets: learning's time (decode + pairing +
//     baseline + SQLite flushes) against decode alone on the same capture in the same run
//     (targets: at most 1.2x decode time on a steady plant, 1.5x where conversations never stop
//     appearing), and learning with every detector judging from the first packet (at most +25%);
//  2. peak memory of `bulkhead learn` on a synthetic plant of 10,000 assets and 100,000
//     conversations (target: under 200 MB), as shipped and with V8's default heap sizing.
//
//   npm run bench:learn [-- --sizes 10000,100000,1000000 --runs 3 --json]

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { printCurves, type Curve } from '../lib/curve.js';
import { readCapture } from '../../src/capture/capture-reader.js';
import { OperationDecoder } from '../../src/flow/operation-decoder.js';
import { Watch } from '../../src/detect/watch.js';
import { Learner } from '../../src/learn/learner.js';
import { openDatabase } from '../../src/store/database.js';
import { LearnStore } from '../../src/store/learn-store.js';
import { writeReplicatedCapture } from '../lib/replicated-capture.js';
import { writeSyntheticPlant } from '../lib/synthetic-plant.js';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '10000,100000,1000000' }, runs: { type: 'string', default: '3' }, json: { type: 'boolean' } } });
const SIZES = values.sizes!.split(',').map(Number);
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

/** Learning and watched learning against decode on one capture: best of N each, alternated so machine noise hits all alike. */
async function measure(capture: string): Promise<{ decode: number; learn: number; watched: number }> {
  const runs = Number(values.runs);
  const decode: number[] = [];
  const learn: number[] = [];
  const watched: number[] = [];
  for (let i = 0; i < runs; i++) {
    decode.push(await timeDecode(capture));
    learn.push(await timeLearn(capture, i, false));
    watched.push(await timeLearn(capture, i, true));
  }
  return { decode: best(decode), learn: best(learn), watched: best(watched) };
}

/** The curves of one kind of capture, written at each size by `write` (which returns its packets). */
async function curves(label: string, write: (path: string, packets: number) => Promise<number>): Promise<Curve[]> {
  const learn: Curve = { name: `learn, ${label}`, sizeUnit: 'packets', unit: 'packets/s', yardstick: 'decode alone', better: 'higher', per: 'packet', points: [] };
  const watched: Curve = { name: `learn with every detector, ${label}`, sizeUnit: 'packets', unit: 'packets/s', yardstick: 'learning alone', better: 'higher', per: 'packet', points: [] };
  for (const size of SIZES) {
    const path = join(dir, `capture-${size}.pcap`);
    const packets = await write(path, size);
    const m = await measure(path);
    rmSync(path);
    learn.points.push({ size: packets, value: packets / m.learn, yardstick: packets / m.decode });
    watched.points.push({ size: packets, value: packets / m.watched, yardstick: packets / m.learn });
  }
  return [learn, watched];
}

try {
  // A plant's mirror port: long-lived connections polled all day (200 conversations; 400 packets a round of polls).
  const steady = await curves('steady plant (200 polled conversations)', (path, n) =>
    Promise.resolve(writeSyntheticPlant(path, { servers: 200, clients: 20, serversPerClient: 10, requestsPerConversation: Math.max(1, Math.round(n / 400)), batch: 200 })),
  );
  // The shared corpus replicated with new addresses: a new conversation every ~40 packets, the worst case for the baseline.
  const churn = await curves('new conversations all the time (shared corpus replicated)', async (path, n) => (await writeReplicatedCapture(path, n)).packets);
  const plant = join(dir, 'synthetic-plant.pcap');
  const plantPackets = writeSyntheticPlant(plant, { servers: 9000, clients: 1000, serversPerClient: 100, requestsPerConversation: 2 });
  const memory = (command: string, args: string[], label: string) => {
    const db = join(dir, `${label}.db`);
    const out = execFileSync(command, [...args, 'learn', '--pcap', plant, '--db', db, '--json'], { encoding: 'utf8', maxBuffer: 1 << 24 });
    const r = JSON.parse(out) as { assets: number; conversations: number; peakRssMb: number; seconds: number };
    if (!values.json) console.log(`${label.padEnd(9)} ${r.assets} assets, ${r.conversations} conversations in ${r.seconds.toFixed(1)} s: peak RSS ${r.peakRssMb.toFixed(0)} MB`);
    return r.peakRssMb;
  };
  if (!values.json) console.log(`synthetic plant: ${plantPackets} packets, 10000 assets, 100000 conversations`);
  // As shipped: the command's own interpreter line sets V8's young generation small.
  const shipped = memory(CLI, [], 'shipped:');
  const v8Default = memory(process.execPath, [CLI], 'V8 dflt:');
  printCurves([...steady, ...churn], values.json === true, { memory: { shippedMb: shipped, v8DefaultMb: v8Default } });
  if (!values.json) {
    const ratio = (c: Curve) => {
      const p = c.points[c.points.length - 1]!;
      return `${(p.yardstick! / p.value).toFixed(2)}x`;
    };
    const extra = (c: Curve) => {
      const p = c.points[c.points.length - 1]!;
      return `+${((p.yardstick! / p.value - 1) * 100).toFixed(0)}%`;
    };
    console.log(`targets at ${SIZES[SIZES.length - 1]!.toLocaleString('en')} packets: learning takes ${ratio(steady[0]!)} decode time on the steady plant (at most 1.2x), ${ratio(churn[0]!)} under churn (at most 1.5x); every detector adds ${extra(steady[1]!)} steady, ${extra(churn[1]!)} under churn (at most +25%)`);
  }
  if (!values.json) console.log(`memory: ${shipped.toFixed(0)} MB peak as shipped (target: under 200 MB)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
