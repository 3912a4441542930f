// Runs a list of Modbus requests once each and reports, per request, whether it was answered:
// what a client sees of a gateway's verdicts.

import modbus from 'modbus-serial';

// A CommonJS package: its class is the default export's `default`.
const ModbusRTU = modbus.default;

interface Request {
  fc: 3 | 6;
  start: number;
  count?: number;
  /** FC 6: the value written (default 4242). */
  value?: number;
}

const { server, unit, requests, timeoutMs } = JSON.parse(process.argv[2]!) as { server: string; unit: number; requests: Request[]; timeoutMs: number };
const m = new ModbusRTU();
m.setTimeout(timeoutMs);
const results: string[] = [];
try {
  await m.connectTCP(server, { port: 502 });
  m.setID(unit);
  for (const r of requests) {
    try {
      if (r.fc === 3) await m.readHoldingRegisters(r.start, r.count ?? 1);
      else await m.writeRegister(r.start, r.value ?? 4242);
      results.push('answered');
    } catch (err) {
      results.push(/timed out/i.test((err as Error).message) ? 'timeout' : `error: ${(err as Error).message}`);
    }
  }
} catch (err) {
  results.push(`connect: ${(err as Error).message}`);
}
process.stdout.write(JSON.stringify(results) + '\n');
process.exit(0);
