// An HMI or engineering station: a Modbus/TCP client running a schedule of reads and writes
// against several PLCs, each repeated on its own period. It logs the moment it sends each
// request (the ground truth of its polling period and jitter) and says `ready` once every task
// has been answered once (an exception is an answer, and is logged). It can also ask a PLC what
// it is (FC 43 / MEI 14, the identification it answers logged) and send a Schneider UMAS request
// (FC 90 / 0x5A: what an engineering tool sends to read, stop or reprogram a Modicon).

import modbus from 'modbus-serial';
import { every, log } from './schedule.js';

// A CommonJS package: its class is the default export's `default`.
const ModbusRTU = modbus.default;
type ModbusRTU = InstanceType<typeof ModbusRTU>;

interface Task {
  server: string;
  unit: number;
  /** FC 1, 3, 6 or 16; 43 Read Device Identification (MEI 14), 90 UMAS. */
  fc: 1 | 3 | 6 | 16 | 43 | 90;
  start: number;
  count: number;
  /** Seconds between repetitions; absent: once. */
  every?: number;
  /** Seconds after start before the first run. */
  after?: number;
  /** FC 43: the read device id code (1 basic, 2 regular, 3 extended); 2 when absent. */
  readCode?: 1 | 2 | 3;
  /** FC 90: the bytes after the function code (session, UMAS function, data); [0, 2] (read the PLC's id) when absent. */
  data?: number[];
}

const { tasks } = JSON.parse(process.argv[2]!) as { tasks: Task[] };
const clients = new Map<string, Promise<ModbusRTU>>();

function client(server: string): Promise<ModbusRTU> {
  let c = clients.get(server);
  if (!c) {
    c = (async () => {
      const m = new ModbusRTU();
      m.setTimeout(2000);
      for (let i = 0; ; i++) {
        try {
          await m.connectTCP(server, { port: 502 });
          return m;
        } catch (err) {
          if (i > 20) throw err;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    })();
    clients.set(server, c);
  }
  return c;
}

// Requests to one server go one at a time (one connection, one outstanding request).
const queues = new Map<string, Promise<unknown>>();
const answered = new Set<Task>();

function run(t: Task): void {
  const prev = queues.get(t.server) ?? Promise.resolve();
  const next = prev.then(async () => {
    const m = await client(t.server);
    m.setID(t.unit);
    log({ sent: t.fc, server: t.server, start: t.start });
    await request(m, t).catch((err: Error & { modbusCode?: number }) => {
      if (err.modbusCode === undefined) throw err;
      log({ exception: err.modbusCode, fc: t.fc, server: t.server });
    });
    if (answered.size < tasks.length && answered.add(t).size === tasks.length) log({ ready: true });
  });
  queues.set(
    t.server,
    next.catch((err: Error) => process.stderr.write(`${t.server} FC ${t.fc}: ${err.message}\n`)),
  );
}

async function request(m: ModbusRTU, t: Task): Promise<void> {
  if (t.fc === 3) await m.readHoldingRegisters(t.start, t.count);
  else if (t.fc === 1) await m.readCoils(t.start, t.count);
  else if (t.fc === 6) await m.writeRegister(t.start, 1000 + t.start);
  else if (t.fc === 16) await m.writeRegisters(t.start, new Array<number>(t.count).fill(7));
  else if (t.fc === 43) log({ identification: (await m.readDeviceIdentification(t.readCode ?? 2, 0)).data, server: t.server });
  else await m.customFunction(90, t.data ?? [0, 2]);
}

for (const t of tasks) {
  setTimeout(() => {
    run(t);
    if (t.every) every(t.every, () => run(t));
  }, (t.after ?? 0) * 1000);
}
