// Real protocol peers on loopback, captured by tcpdump, decoded by us: every operation the test
// performs must come out of the capture exactly (codes, addresses, objects, node ids).

import { afterAll, describe, expect, it } from 'vitest';
import ModbusRTU from 'modbus-serial';
import BACnetClient from '@bacnet-js/client';
import { decodeFile } from '../lib/decode-file.js';
import { loopbackCaptureUnavailable, startLoopbackCapture } from '../lib/loopback-capture.js';
import type { BacnetTarget, ModbusTarget, Operation } from '../../protocols/operation.js';

const unavailable = loopbackCaptureUnavailable();
if (unavailable) console.warn(`SKIPPED: real-peer decoding tests: ${unavailable}`);

const requests = (ops: Operation[], protocol: string) => ops.filter((o) => o.protocol === protocol && o.direction === 'request');

describe.skipIf(unavailable !== undefined)('real peers captured on loopback', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('modbus-serial client and ServerTCP on a non-standard port', async () => {
    const port = 15020;
    const holding = new Array<number>(200).fill(7);
    const coils = new Array<boolean>(64).fill(false);
    const server = new ModbusRTU.ServerTCP(
      {
        getHoldingRegister: (addr: number) => holding[addr] ?? 0,
        getInputRegister: (addr: number) => addr,
        getCoil: (addr: number) => coils[addr] ?? false,
        getDiscreteInput: (addr: number) => addr % 2 === 0,
        setRegister: (addr: number, value: number) => {
          holding[addr] = value;
        },
        setCoil: (addr: number, value: boolean) => {
          coils[addr] = value;
        },
      },
      { host: '127.0.0.1', port, unitID: 3 },
    );
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    await new Promise((r) => setTimeout(r, 200));
    const cap = await startLoopbackCapture(`tcp port ${port}`);
    const client = new ModbusRTU();
    await client.connectTCP('127.0.0.1', { port });
    client.setID(3);
    await client.readHoldingRegisters(10, 5);
    await client.writeRegister(20, 42);
    await client.writeRegisters(30, [1, 2, 3]);
    await client.readCoils(0, 16);
    await client.writeCoil(5, true);
    await client.writeCoils(8, [true, false, true]);
    await client.readInputRegisters(100, 4);
    await client.readDiscreteInputs(0, 8);
    await new Promise<void>((r) => client.close(() => r()));
    const d = await decodeFile(await cap.stop(), { servicePorts: { modbus: [port] } });
    const got = requests(d.operations, 'modbus').map((o) => {
      const t = o.targets[0] as ModbusTarget;
      return [o.code, t.unit, t.table, t.start, t.count];
    });
    expect(got).toEqual([
      [3, 3, 'holding_registers', 10, 5],
      [6, 3, 'holding_registers', 20, 1],
      [16, 3, 'holding_registers', 30, 3],
      [1, 3, 'coils', 0, 16],
      [5, 3, 'coils', 5, 1],
      [15, 3, 'coils', 8, 3],
      [4, 3, 'input_registers', 100, 4],
      [2, 3, 'discrete_inputs', 0, 8],
    ]);
    const responses = d.operations.filter((o) => o.protocol === 'modbus' && o.direction === 'response');
    expect(responses).toHaveLength(8);
    expect(responses.every((r) => r.outcome?.status === 'ok' && r.anomalies.length === 0)).toBe(true);
    expect(d.operations.every((o) => o.server.port === port)).toBe(true);
  });

  it('@bacnet-js/client readProperty and writeProperty between two stacks', async () => {
    const device = new BACnetClient({ port: 47809, interface: '127.0.0.1', broadcastAddress: '127.255.255.255' });
    const client = new BACnetClient({ port: 47810, interface: '127.0.0.1', broadcastAddress: '127.255.255.255', apduTimeout: 3000 });
    cleanups.push(() => {
      device.close();
      client.close();
    });
    device.on('readProperty', (m) => {
      const p = m.payload as { objectId: { type: number; instance: number }; property: { id: number } };
      device.readPropertyResponse(m.header!.sender, m.invokeId!, p.objectId, p.property, [{ type: 7, value: 'Pump 1' }]);
    });
    device.on('writeProperty', (m) => device.simpleAckResponse(m.header!.sender, m.service!, m.invokeId!));
    const cap = await startLoopbackCapture('udp port 47809 or udp port 47810');
    const receiver = { address: '127.0.0.1:47809' };
    await client.readProperty(receiver, { type: 8, instance: 1234 }, 77);
    await client.writeProperty(receiver, { type: 2, instance: 1 }, 85, [{ type: 4, value: 21.5 }], { priority: 8 });
    const d = await decodeFile(await cap.stop());
    const reqs = requests(d.operations, 'bacnet');
    expect(reqs.map((o) => [o.code, o.codeName, o.kind])).toEqual([
      [12, 'readProperty', 'read'],
      [15, 'writeProperty', 'write'],
    ]);
    const [read, write] = reqs.map((o) => o.targets[0] as BacnetTarget);
    expect([read!.objectType, read!.instance, read!.property]).toEqual([8, 1234, 77]);
    expect([write!.objectType, write!.instance, write!.property]).toEqual([2, 1, 85]);
    expect(reqs[1]!.details?.priority).toBe(8);
    const acks = d.operations.filter((o) => o.protocol === 'bacnet' && o.direction === 'response');
    expect(acks.map((o) => o.subCodeName)).toEqual(['complex-ack', 'simple-ack']);
    expect(acks.map((o) => o.transactionId)).toEqual(reqs.map((o) => o.transactionId));
    expect(reqs[0]!.client.port).toBe(47810);
    expect(reqs[0]!.server.port).toBe(47809);
  });
});
