// A PLC: Modbus/TCP server with a register map; every write it receives is logged (JSON lines
// on stdout), the ground truth of what reached it, and so is every request, whatever its
// function code (`{"request":{"fc":90,"unit":1}}`): the ground truth that a refused one (a
// Schneider UMAS FC 90, a write) never arrived. A function code it does not serve gets the
// Illegal Function exception. Given `identity`, it answers Read Device Identification (FC 43 /
// MEI 14) as that product, as a real PLC would (Schneider Electric, BMX P34 2020, v2.70,
// Modicon M340); without one, FC 43 gets Illegal Function too.

import type { Server, Socket } from 'node:net';
import { ServerTCP, type IServiceVector } from 'modbus-serial';
import { log } from './schedule.js';

interface Identity {
  vendorName: string;
  productCode: string;
  revision: string;
  vendorUrl?: string;
  productName?: string;
  modelName?: string;
  userApplicationName?: string;
}

const { host, unit, identity } = JSON.parse(process.argv[2]!) as { host: string; unit: number; identity?: Identity };
const holding = new Array<number>(1000).fill(0).map((_, i) => i);
const coils = new Array<boolean>(256).fill(false);

/** Device identification objects by id (MEI 14: 0 VendorName ... 6 UserApplicationName), the ones given. */
function identificationObjects(id: Identity): Record<number, string> {
  const byId = [id.vendorName, id.productCode, id.revision, id.vendorUrl, id.productName, id.modelName, id.userApplicationName];
  return Object.fromEntries(byId.flatMap((v, i) => (v === undefined ? [] : [[i, v]])));
}

// modbus-serial serves FC 43 / MEI 14 when the vector has readDeviceIdentification (absent from its types).
const vector: IServiceVector & { readDeviceIdentification?: () => Record<number, string> } = {
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
};
if (identity) {
  const objects = identificationObjects(identity);
  vector.readDeviceIdentification = () => objects;
}

const server = new ServerTCP(vector, { host, port: 502, unitID: unit });

/** MBAP header: transaction id, protocol id, length (unit id and PDU), unit id. */
const MBAP = 7;

/** Logs each request a connection carries, by its MBAP framing, before the library answers it. */
function logRequests(sock: Socket): void {
  let pending = Buffer.alloc(0);
  sock.on('data', (d: Buffer) => {
    pending = Buffer.concat([pending, d]);
    while (pending.length > MBAP) {
      const length = pending.readUInt16BE(4);
      if (pending.length < 6 + length) break;
      log({ request: { fc: pending[MBAP]!, unit: pending[6]! } });
      pending = pending.subarray(6 + length);
    }
  });
}
// The library emits no event per request: its listening socket's connections are watched instead.
(server as unknown as { _server: Server })._server.on('connection', logRequests);
log({ ready: true });
