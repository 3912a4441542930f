// A PLC: Modbus/TCP server with a register map; every write it receives is logged (JSON lines
// on stdout), the ground truth of what reached it.

import { ServerTCP } from 'modbus-serial';
import { log } from './schedule.js';

const { host, unit } = JSON.parse(process.argv[2]!) as { host: string; unit: number };
const holding = new Array<number>(1000).fill(0).map((_, i) => i);
const coils = new Array<boolean>(256).fill(false);

new ServerTCP(
  {
    getHoldingRegister: (addr: number) => holding[addr] ?? 0,
    getInputRegister: (addr: number) => addr,
    getCoil: (addr: number) => coils[addr] ?? false,
    getDiscreteInput: (addr: number) => addr % 2 === 0,
    setRegister: (addr: number, value: number) => {
      holding[addr] = value;
      log({ write: 'register', addr, value });
    },
    setCoil: (addr: number, value: boolean) => {
      coils[addr] = value;
      log({ write: 'coil', addr, value });
    },
  },
  { host, port: 502, unitID: unit },
);
log({ ready: true });
