// A capture for the alert tests: a day of an HMI polling a PLC every minute, then an engineering
// laptop nobody knew writing a setpoint to the PLC, and the HMI reading registers it never read;
// polling goes on for the rest of the hour after.

import { writeModbusCapture } from '../../src/test-support/modbus-traffic.js';

export const HMI = { ip: '10.1.0.21', mac: '02:00:00:00:00:21' };
export const PLC = { ip: '10.1.0.11', mac: '00:0e:8c:00:00:11' };
export const LAPTOP = { ip: '10.1.0.99', mac: '02:00:00:00:00:99' };
/** 2 November 2026, midnight UTC: the capture starts here. */
export const T0 = Date.UTC(2026, 10, 2) / 1000;
/** When the laptop writes, 25 h and 30 s in. */
export const ATTACK_AT = T0 + 25 * 3600 + 30;

export function writeAlertScenario(path: string): void {
  writeModbusCapture(path, (t) => {
    const hmi = t.connect(HMI, PLC, 40000, T0);
    for (let ts = T0 + 1; ts < ATTACK_AT; ts += 60) hmi.readHolding(0, 10, ts);
    t.connect(LAPTOP, PLC, 51000, ATTACK_AT).writeHolding(40, 4800, ATTACK_AT + 1);
    hmi.readHolding(100, 20, ATTACK_AT + 45);
    for (let ts = ATTACK_AT + 60; ts < T0 + 26 * 3600; ts += 60) hmi.readHolding(0, 10, ts);
  });
}
