// The evaluation's plant: cells of PLCs, each cell with its HMI; two SCADA servers and a
// historian reading every PLC; two engineering stations writing setpoints in shift hours. What
// each PLC reports follows a daily curve with noise, from a seeded generator: the same plant and
// the same traffic from the same seed, on any machine.

import type { Host } from '../../src/test-support/modbus-traffic.js';
import { hourOfDay } from '../../src/learn/hours.js';
import { Rng } from '../lib/rng.js';

export interface PlantSize {
  cells: number;
  plcsPerCell: number;
  /** Days of normal traffic judged after the day of learning. */
  judgedDays: number;
  /** Seconds between an HMI's polls of each of its PLCs (SCADA polls every 30 s, the historian every 60 s). */
  hmiPeriod: number;
}

/** The full evaluation: 32 PLCs, 45 devices. */
export const FULL_PLANT: PlantSize = { cells: 8, plcsPerCell: 4, judgedDays: 1, hmiPeriod: 5 };
/** The suite's: 12 PLCs, 20 devices; the same day of learning and day judged. */
export const SHORT_PLANT: PlantSize = { cells: 3, plcsPerCell: 4, judgedDays: 1, hmiPeriod: 5 };

export const DAY = 86_400;
export const HOUR = 3600;
/** Operators change setpoints from 06:00 to 18:00, plant time. */
export const SHIFT = { from: 6, to: 18 };

export interface Plc extends Host {
  name: string;
  cell: number;
  /** Units behind it: a PLC with serial devices behind its gateway answers for more than one. */
  units: number[];
  /** Where its level's daily curve peaks (hour of day) and how far it swings. */
  peakHour: number;
  swing: number;
  base: number;
  /** The setpoint it holds in holding register 6, changed by its engineering station. */
  setpoint: number;
}

export interface Client extends Host {
  name: string;
}

export interface Plant {
  size: PlantSize;
  /** Capture time the traffic starts at: for the evaluation noon, plant time (the machine's time zone), 15 June 2026. */
  start: number;
  /** The end of learning, where judging starts. */
  judgedFrom: number;
  end: number;
  cells: { hmi: Client; plcs: Plc[] }[];
  plcs: Plc[];
  scada: Client[];
  historian: Client;
  /** Engineering station k serves the cells whose number is k modulo 2. */
  ews: Client[];
  /** Devices on the plant's network, for the false alarm rate. */
  devices: number;
}

const mac = (oui: string, a: number, b: number) => `${oui}:${hex(a)}:${hex(b)}:${hex((a * 7 + b) & 255)}`;
const hex = (n: number) => (n & 255).toString(16).padStart(2, '0');
const client = (name: string, ip: string, n: number): Client => ({ name, ip, mac: mac('00:0e:8c', 0xc0, n) });

/** The evaluation's fixed start: noon, plant time, 15 June 2026. */
const EVAL_START = () => new Date(2026, 5, 15, 12).getTime() / 1000;

/** The plant of `size` from `seed`; its traffic starts at `start` (capture time, seconds), else the evaluation's noon. */
export function buildPlant(size: PlantSize, seed = 0x5eed, start = EVAL_START()): Plant {
  const rng = new Rng(seed);
  const cells = Array.from({ length: size.cells }, (_, c) => ({
    hmi: client(`hmi-${c + 1}`, `10.10.${c + 1}.50`, c),
    plcs: Array.from({ length: size.plcsPerCell }, (_, k): Plc => ({
      name: `plc-${c + 1}-${k + 1}`,
      ip: `10.10.${c + 1}.${11 + k}`,
      mac: mac('00:1b:1b', c + 1, k),
      cell: c,
      // The last PLC of a cell is a gateway to a second unit on its serial line.
      units: k === size.plcsPerCell - 1 ? [1, 2] : [1],
      peakHour: rng.between(0, 24),
      swing: Math.round(rng.between(150, 350)),
      base: Math.round(rng.between(400, 600)),
      setpoint: 50,
    })),
  }));
  return {
    size,
    start,
    judgedFrom: start + DAY,
    end: start + DAY * (1 + size.judgedDays),
    cells,
    plcs: cells.flatMap((c) => c.plcs),
    scada: [client('scada-a', '10.10.100.10', 100), client('scada-b', '10.10.100.11', 101)],
    historian: client('historian', '10.10.100.20', 102),
    ews: [client('ews-a', '10.10.100.30', 103), client('ews-b', '10.10.100.31', 104)],
    devices: cells.length * (size.plcsPerCell + 1) + 5,
  };
}

/** The hour of day at capture time `ts`, plant time: learning's own. */
export const hourAt = hourOfDay;

export const inShift = (ts: number): boolean => {
  const h = hourAt(ts);
  return h >= SHIFT.from && h < SHIFT.to;
};

/**
 * Holding registers 0-9 of a unit: level, temperature, pressure, flow (daily curves with noise),
 * pump running, mode, the two setpoints, an alarm word and a heartbeat.
 */
export function holdingRegisters(p: Plc, unit: number, ts: number, rng: Rng): number[] {
  const phase = (2 * Math.PI * (hourAt(ts) + (ts % HOUR) / HOUR - p.peakHour)) / 24;
  const curve = Math.cos(phase);
  const level = Math.round(p.base + p.swing * curve + rng.between(-15, 15)) + (unit - 1) * 100;
  const temperature = Math.round(600 + 80 * curve + rng.between(-5, 5));
  const pressure = Math.round(1013 + rng.between(-20, 20));
  const flow = Math.max(0, Math.round(120 + 60 * Math.sin(phase) + rng.between(-10, 10)));
  const pump = Math.sin(phase) > 0 ? 1 : 0;
  const mode = inShift(ts) ? 2 : 1;
  return [level, temperature, pressure, flow, pump, mode, p.setpoint, 220, 0, Math.floor(ts) % 1000];
}
