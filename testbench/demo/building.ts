// The demo plant's building next door: a building management system's supervisor and six
// BACnet/IP controllers of six vendors on their own subnet. The supervisor discovers them
// (Who-Is, each answering I-Am), reads once what each is (model, firmware, vendor name), polls
// three temperatures of each every two minutes along a daily curve, and an operator moves an
// air handler's setpoint a few times each shift.

import { BacnetTraffic } from '../../src/test-support/process-traffic.js';
import type { Host } from '../../src/test-support/modbus-traffic.js';
import { HOUR, hourAt, inShift, type Plant } from '../eval/plant.js';
import type { Task } from '../eval/schedule.js';
import type { Wire } from '../eval/traffic.js';
import { Rng } from '../lib/rng.js';

interface Controller extends Host {
  name: string;
  instance: number;
  vendorId: number;
  model: string;
  firmware: string;
  vendor: string;
}

const BMS_NET = '10.20.1';
export const BMS_SUPERVISOR: Host & { name: string } = { name: 'bms-supervisor', ip: `${BMS_NET}.10`, mac: '00:50:56:20:01:0a' };

/** Real controller lines of six vendors (ASHRAE vendor ids). */
export const CONTROLLERS: readonly Controller[] = [
  { name: 'ahu-1', vendorId: 7, vendor: 'Siemens', model: 'PXC4.E16', firmware: '02.20.100.1' },
  { name: 'ahu-2', vendorId: 8, vendor: 'Delta Controls', model: 'O3-DIN-CPU', firmware: '4.11.0.5' },
  { name: 'chiller-1', vendorId: 5, vendor: 'Johnson Controls', model: 'MS-FAC2611-0', firmware: '10.1.0' },
  { name: 'boiler-1', vendorId: 17, vendor: 'Honeywell', model: 'CIPer Model 50', firmware: '1.2.4' },
  { name: 'lighting-1', vendorId: 24, vendor: 'Automated Logic', model: 'OF342-E2', firmware: '7.0.1' },
  { name: 'meter-1', vendorId: 2, vendor: 'Trane', model: 'Tracer UC600', firmware: '6.40' },
].map((c, k) => ({ ...c, instance: 2001 + k, ip: `${BMS_NET}.${21 + k}`, mac: `00:a0:3d:20:01:${(0x21 + k).toString(16)}` }));

/** Seconds between the supervisor's polls of one controller; the analog inputs it reads each time. */
const POLL_SECONDS = 120;
const INPUTS = [1, 2, 3];
const ANALOG_INPUT = 0;
const ANALOG_VALUE = 2;
/** Device properties read once: model-name, firmware-revision, vendor-name. */
const FACTS = [70, 44, 121] as const;

/** A room's temperature on its daily curve, warmest mid-afternoon. */
const temperature = (ts: number, k: number, rng: Rng) => 21 + k * 0.4 + 1.8 * Math.sin(((hourAt(ts) - 9) / 24) * 2 * Math.PI) + rng.between(-0.2, 0.2);

/** The building's traffic as tasks, from the plant's start. */
export function buildingTasks(plant: Plant, wire: Wire, seed: number): Task[] {
  const bacnet = new BacnetTraffic(wire.recorder.sink);
  const rng = new Rng(seed ^ 0xb0b0);
  const start = plant.start + 30;
  const discovery: Task = {
    next: start,
    fire: () => {
      bacnet.whoIs(BMS_SUPERVISOR, discovery.next);
      CONTROLLERS.forEach((c, k) => bacnet.iAm(c, c.instance, c.vendorId, discovery.next + 0.05 + k * 0.01));
      return undefined;
    },
  };
  const facts = CONTROLLERS.map((c, k): Task => {
    const task: Task = {
      next: start + 5 + k,
      fire: () => {
        const text = { 70: c.model, 44: c.firmware, 121: c.vendor };
        FACTS.forEach((p, i) => bacnet.readDeviceString(BMS_SUPERVISOR, c, c.instance, p, text[p], task.next + i * 0.1));
        return undefined;
      },
    };
    return task;
  });
  const polls = CONTROLLERS.map((c, k): Task => {
    const task: Task = {
      next: start + 20 + k * 7,
      fire: () => {
        INPUTS.forEach((i, n) => bacnet.readReal(BMS_SUPERVISOR, c, ANALOG_INPUT, i, temperature(task.next, n, rng), task.next + n * 0.05));
        return task.next + POLL_SECONDS + rng.between(-3, 3);
      },
    };
    return task;
  });
  // An operator moves the air handlers' setpoints (analog-value 1) two or three times a shift.
  const setpoints: Task = {
    next: start + HOUR,
    fire: () => {
      const ts = setpoints.next;
      if (inShift(ts)) bacnet.writeReal(BMS_SUPERVISOR, CONTROLLERS[rng.below(2)]!, ANALOG_VALUE, 1, 20 + rng.below(5) * 0.5, ts);
      return ts + rng.between(3, 5) * HOUR;
    },
  };
  return [discovery, ...facts, ...polls, setpoints];
}
