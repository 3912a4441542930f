// The demo plant's historian in a DMZ: it reads the works' OPC UA line server over opc.tcp
// (no security, as plants too often run it). Once a day it connects, asks for the server's
// endpoints (its application description), reads its build information and browses the line's variables (so the names the server gives them are
// learned), then reads each every minute along the plant's daily curve. And the engineering
// station's maintenance window: a program download to a Modicon by UMAS (FC 90) one night.

import type { Host } from '../../src/test-support/modbus-traffic.js';
import { OpcuaTraffic, type OpcuaConnection } from '../../src/test-support/process-traffic.js';
import { DAY, hourAt, type Plant } from '../eval/plant.js';
import type { Task } from '../eval/schedule.js';
import type { Wire } from '../eval/traffic.js';
import { Rng } from '../lib/rng.js';

export const HISTORIAN: Host & { name: string } = { name: 'dmz-historian', ip: '10.30.0.10', mac: '00:15:5d:30:00:0a' };
export const LINE_SERVER: Host & { name: string } = { name: 'line-server', ip: '10.10.100.40', mac: '00:15:5d:10:64:28' };

/** What the line server says it is: its application (GetEndpoints) and its build (a ServerStatus read). */
export const LINE_SERVER_APPLICATION = { uri: 'urn:line-server:Kepware.KEPServerEX.V6', productUri: 'urn:kepware:kepserverex', name: 'Water works line server' };
export const LINE_SERVER_BUILD = { productUri: 'urn:kepware:kepserverex', manufacturerName: 'PTC', productName: 'KEPServerEX', softwareVersion: '6.14.263.0', buildNumber: '263' };

/** The water works' tags the historian records, as the server names them in its Browse. */
export const TAGS: readonly { nodeId: string; name: string; base: number; swing: number }[] = [
  { nodeId: 'ns=2;s=Intake.RawWaterFlow', name: 'Raw water flow', base: 410, swing: 90 },
  { nodeId: 'ns=2;s=Intake.WellLevel', name: 'Intake well level', base: 3.2, swing: 0.6 },
  { nodeId: 'ns=2;s=Filtration.Turbidity', name: 'Filtered water turbidity', base: 0.12, swing: 0.04 },
  { nodeId: 'ns=2;s=Filtration.BackwashDiffPressure', name: 'Filter differential pressure', base: 0.8, swing: 0.3 },
  { nodeId: 'ns=2;s=Dosing.ChlorineResidual', name: 'Chlorine residual', base: 0.6, swing: 0.1 },
  { nodeId: 'ns=2;s=Dosing.ChlorineSetpoint', name: 'Chlorine dosing setpoint', base: 0.6, swing: 0 },
];
const FOLDER = 'ns=2;s=WaterWorks';

const READ_SECONDS = 60;
const UMAS = 90;

/** The historian's day: a fresh connection at midnight plus the plant's start, build info and Browse first, then a read of every tag each minute. */
function historianTask(plant: Plant, opcua: OpcuaTraffic, rng: Rng): Task {
  let connection: OpcuaConnection | undefined;
  let connectedDay = -1;
  let port = 49_152;
  const task: Task = {
    next: plant.start + 90,
    fire: () => {
      const ts = task.next;
      const day = Math.floor((ts - plant.start) / DAY);
      if (!connection || day !== connectedDay) {
        connection = opcua.connect(HISTORIAN, LINE_SERVER, port++, ts);
        connectedDay = day;
        connection.getEndpoints(LINE_SERVER_APPLICATION, ts + 0.05);
        connection.readServerStatus(LINE_SERVER_BUILD, ts + 0.1);
        connection.browse(FOLDER, TAGS, ts + 0.2);
      }
      const curve = Math.sin(((hourAt(ts) - 14) / 24) * 2 * Math.PI);
      TAGS.forEach((t, i) => connection!.readDouble(t.nodeId, t.base + t.swing * curve + t.swing * rng.between(-0.05, 0.05), ts + 0.5 + i * 0.01));
      return ts + READ_SECONDS + rng.between(-1, 1);
    },
  };
  return task;
}

/**
 * The maintenance window: at 02:00 of the first night the engineering station downloads a
 * program to the first cell's Modicon in UMAS (reserve, start download, 40 blocks, end,
 * release), every step acknowledged.
 */
function downloadTask(plant: Plant, wire: Wire): Task {
  const ews = plant.ews[0]!;
  const plc = plant.cells[0]!.plcs[0]!;
  const night = plant.start + (26 - hourAt(plant.start)) * 3600;
  const steps = [[0x10], [0x30, 0x01], ...Array.from({ length: 40 }, (_, b) => [0x31, b >> 8, b & 0xff, ...new Array<number>(200).fill(0x5a)]), [0x32], [0x11]];
  const task: Task = {
    next: night,
    fire: () => {
      const c = wire.to(ews, plc, task.next);
      steps.forEach((s, i) => c.exchange([UMAS, 0x00, ...s], [UMAS, 0x00, 0xfe], task.next + i * 0.4, 1, 0.02));
      return undefined;
    },
  };
  return task;
}

/** The DMZ historian's and the maintenance window's traffic as tasks. */
export function historianTasks(plant: Plant, wire: Wire, seed: number): Task[] {
  return [historianTask(plant, new OpcuaTraffic(wire.recorder.sink), new Rng(seed ^ 0x4157)), downloadTask(plant, wire)];
}
