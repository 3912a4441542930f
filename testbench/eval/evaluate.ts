// The evaluation end to end: the plant's traffic written twice (a normal copy, and the same with
// the attacks woven in), each learned by the real pipeline into its own SQLite store, the
// alerts read back and scored against the labels.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { learnPcaps } from '../../src/app/learn.js';
import { AlertStore, type Alert } from '../../src/store/alert-store.js';
import { openDatabase } from '../../src/store/database.js';
import { LearnStore } from '../../src/store/learn-store.js';
import { attacks } from './attacks.js';
import { writeScenario } from './capture.js';
import { buildPlant, DAY, type PlantSize } from './plant.js';
import { score, type Score } from './score.js';

export interface Evaluation extends Score {
  plant: { devices: number; plcs: number; cells: number; learnedHours: number; judgedDays: number; packets: number; protocols: string[] };
  /** Seconds spent writing and learning (wall time, for information only: nothing depends on it). */
  seconds: { generate: number; learn: number };
  notes: string[];
}

/** Alerts raised anywhere at most; the plant's are a few dozen. */
const ALERTS_READ = 1000;

/**
 * Learns `pcap` into a new store at `db`. The learner commits (and ticks the watch with capture
 * time) every 1,024 packets, not every second of wall time, so that what is judged never
 * depends on how fast this machine replays the capture.
 */
async function learnAlerts(pcap: string, db: string): Promise<Alert[]> {
  const d = openDatabase(db);
  try {
    const { failed, report } = await learnPcaps(new LearnStore(d), [pcap], { flushIntervalMs: 0 });
    if (failed) throw new Error(`learning ${pcap} failed: ${report.files.map((f) => f.error).filter(Boolean).join('; ')}`);
    return new AlertStore(d).list({ limit: ALERTS_READ });
  } finally {
    d.close();
  }
}

const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;

export async function evaluate(size: PlantSize, seed = 1, keep?: string): Promise<Evaluation> {
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'bulkhead-eval-'));
  try {
    const plant = buildPlant(size, seed);
    const scripted = attacks(plant);
    let t = process.hrtime.bigint();
    const normal = writeScenario(join(dir, 'normal.pcap'), plant, [], seed);
    const attacked = writeScenario(join(dir, 'attacked.pcap'), plant, scripted, seed);
    const generate = seconds(t);
    t = process.hrtime.bigint();
    const normalAlerts = await learnAlerts(normal.path, join(dir, 'normal.db'));
    const attackedAlerts = await learnAlerts(attacked.path, join(dir, 'attacked.db'));
    const learn = seconds(t);
    const s = score(attacked.labels, attackedAlerts, normalAlerts, { devices: plant.devices, days: (plant.end - plant.judgedFrom) / DAY });
    return {
      ...s,
      plant: { devices: plant.devices, plcs: plant.plcs.length, cells: plant.cells.length, learnedHours: (plant.judgedFrom - plant.start) / 3600, judgedDays: size.judgedDays, packets: normal.packets, protocols: ['modbus'] },
      seconds: { generate, learn },
      notes: [
        'Modbus/TCP only: the test support has no BACnet/IP or OPC UA traffic writer yet.',
        'Learned with a commit (and a tick of the timing detectors) every 1,024 packets; `bulkhead learn` commits once a second of wall time, so on a capture its silences are seen only as often as that.',
        "poll_stopped's first evidence is the last request before the silence: its time to detect reads as zero or less.",
      ],
    };
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}
