// The demo plant (`bulkhead demo`): the evaluation's seeded plant (testbench/eval) sized as a
// works of three production cells, its clock set to end at the last noon before the demo starts, every PLC
// telling its engineering station who it is (Modbus device identification, several vendors,
// one of them a Modicon M340 firmware with published advisories), a building next door on
// BACnet (building.ts), a DMZ historian reading the line server over OPC UA and a program
// download in a maintenance window (historian.ts), and a few of the evaluation's attacks on
// its last day for the detectors to find. Generated at demo time, not committed: the
// evidence is then dated the last three days, whatever day the demo runs.

import { join } from 'node:path';
import { attacks } from '../eval/attacks.js';
import { writeScenario } from '../eval/capture.js';
import { buildingTasks, CONTROLLERS } from './building.js';
import { historianTasks } from './historian.js';
import { buildPlant, DAY, type Plant, type PlantSize, type Plc } from '../eval/plant.js';
import type { Task } from '../eval/schedule.js';
import type { Wire } from '../eval/traffic.js';

/** Three cells of ten PLCs, three days (one learned, two judged); HMIs refresh every 20 s. */
export const DEMO_PLANT: PlantSize = { cells: 3, plcsPerCell: 10, judgedDays: 2, hmiPeriod: 20 };
export const DEMO_SEED = 0xd3e0;

/**
 * The evaluation's attacks the demo keeps: a few moments worth explaining, none that rewrites
 * identities. The PLC that stops answering is seen by the timing detectors only when learning
 * ticks them in capture time (the evaluation's learning; `bulkhead demo` ticks once a second of wall time).
 */
const SUSPICIOUS = new Set(['rogue_asset', 'setpoint_out_of_range', 'write_outside_hours', 'plc_stops_answering', 'impossible_reading']);

/** What a PLC answers to Read Device Identification: vendor, product code, revision, product name. */
interface Identity {
  vendor: string;
  product: string;
  revision: string;
  name: string;
}

/** Real products of four vendors; the M340 at v2.70 is the one with known advisories. */
const IDENTITIES: Identity[] = [
  { vendor: 'Schneider Electric', product: 'BMX P34 2020', revision: 'v2.70', name: 'Modicon M340' },
  { vendor: 'Siemens', product: '6ES7 214-1AG40-0XB0', revision: 'V4.5', name: 'SIMATIC S7-1200' },
  { vendor: 'WAGO', product: '750-8202', revision: '03.10.08', name: 'PFC200' },
  { vendor: 'Phoenix Contact', product: '2404267', revision: '2022.0.4', name: 'AXC F 2152' },
];

/** The MEI 14 regular answer (objects 0-2 and 4) carrying `id`. */
export function deviceIdAnswer(id: Identity): number[] {
  const objects = [id.vendor, id.product, id.revision, undefined, id.name].flatMap((text, n) => (text === undefined ? [] : [n, Buffer.byteLength(text), ...Buffer.from(text)]));
  return [43, 14, 2, 2, 0, 0, 4, ...objects];
}

/** The identity of PLC `k` of its cell: cells mix vendors, the first PLC of each is a Modicon. */
export const identityOf = (p: Plc, k: number): Identity => IDENTITIES[(k + p.cell) % IDENTITIES.length]!;

/** Each engineering station asks each of its PLCs who it is, once, in the first hour. */
function identityTasks(plant: Plant, wire: Wire): Task[] {
  return plant.cells.flatMap((cell) =>
    cell.plcs.map((p, k): Task => {
      const ews = plant.ews[p.cell % plant.ews.length]!;
      const task: Task = {
        next: plant.start + 60 + p.cell * 600 + k * 17,
        fire: () => {
          wire.to(ews, p, task.next).exchange([43, 14, 2, 0], deviceIdAnswer(identityOf(p, k)), task.next, 1, 0.006);
          return undefined;
        },
      };
      return task;
    }),
  );
}

export interface DemoPlant {
  files: string[];
  packets: number;
  devices: number;
  /** The capture's span, capture time (seconds). */
  from: number;
  to: number;
  seconds: number;
}

/** The last noon, local time, at or before `now` (seconds). */
function lastNoon(now: number): number {
  const noon = new Date(now * 1000);
  noon.setHours(12, 0, 0, 0);
  const t = noon.getTime() / 1000;
  return t <= now ? t : t - DAY;
}

/**
 * Writes the demo plant's capture into `dir`. Its three days end at the last noon before `now`
 * (seconds), local time: the evaluation's attacks are timed from a noon, and the same seed on
 * the same half day gives the same bytes.
 */
export function writeDemoPlant(dir: string, now = Date.now() / 1000, seed = DEMO_SEED): DemoPlant {
  const t0 = performance.now();
  const start = lastNoon(now) - DAY * (1 + DEMO_PLANT.judgedDays);
  const plant = buildPlant(DEMO_PLANT, seed, start);
  const chosen = attacks(plant).filter((a) => SUSPICIOUS.has(a.label.name));
  const path = join(dir, 'demo-plant.pcap');
  const { packets } = writeScenario(path, plant, chosen, seed, (w) => [...identityTasks(plant, w), ...buildingTasks(plant, w, seed), ...historianTasks(plant, w, seed)]);
  // The rogue laptop the attacks add, the building's supervisor and controllers, the historian and the line server.
  const devices = plant.devices + 1 + 1 + CONTROLLERS.length + 2;
  return { files: [path], packets, devices, from: plant.start, to: plant.end, seconds: (performance.now() - t0) / 1000 };
}
