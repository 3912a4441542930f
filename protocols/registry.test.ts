// The registry is the only list of protocols: each module must declare everything the flow
// decoder, the inspector, the kernel table and learning ask of it, and behave on its own bytes.

import { describe, expect, it } from 'vitest';
import type { Operation, Protocol } from './operation.js';
import { ReassemblyBudget } from './reassembly.js';
import { describeIdentity, isProtocol, PortMap, PROTOCOLS, protocolModule, protocolsOver } from './registry.js';

/** Every value of the Protocol type: adding one without a module fails to compile here. */
const NAMES: Record<Protocol, true> = { modbus: true, opcua: true, bacnet: true };

const op = (m: (typeof PROTOCOLS)[number]): Operation => ({
  protocol: m.name,
  direction: 'request',
  kind: 'read',
  code: 3,
  codeName: 'Read',
  client: { ip: '10.0.0.1', port: 40000 },
  server: { ip: '10.0.0.2', port: m.ports[0]! },
  flowId: '',
  targets: [],
  anomalies: [],
  evidence: { ts: 0, frame: 1, bytes: 0 },
});

describe('the protocol registry', () => {
  it('has one complete module per protocol of the vocabulary', () => {
    expect(PROTOCOLS.map((m) => m.name).sort()).toEqual(Object.keys(NAMES).sort());
    for (const m of PROTOCOLS) {
      expect(isProtocol(m.name)).toBe(true);
      expect(protocolModule(m.name)).toBe(m);
      expect(m.title.length).toBeGreaterThan(0);
      expect(['tcp', 'udp']).toContain(m.transport);
      expect(m.ports.length).toBeGreaterThan(0);
      for (const p of m.ports) expect(Number.isInteger(p) && p > 0 && p < 65536).toBe(true);
      if (m.defaultPort !== undefined) expect(m.ports).toContain(m.defaultPort);
      for (const f of ['probe', 'frame', 'channel', 'opener', 'transactionKey', 'describeCode', 'identity', 'gathersHistory', 'role'] as const) expect(typeof m[f], `${m.name}.${f}`).toBe('function');
      expect(typeof m.field).toBe('boolean');
      expect(typeof m.anyPort).toBe('boolean');
      // A module describes and places any operation of its own without throwing.
      expect(typeof m.describeCode(op(m))).toBe('string');
      expect(Array.isArray(m.identity(op(m)))).toBe(true);
      for (const isClient of [true, false]) {
        const role = m.role(op(m), isClient);
        if (role !== undefined) expect([m.clientRole, m.serverRole], `${m.name} role`).toContain(role);
      }
      expect(typeof m.describeIdentity).toBe('function');
      m.transactionKey(op(m));
    }
    expect(isProtocol('dnp3')).toBe(false);
  });

  it('never throws on hostile bytes: probes, framing and decoding of random data', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (const m of PROTOCOLS) {
      const budget = new ReassemblyBudget(4096, 16_384);
      const channel = m.channel(budget);
      for (let n = 0; n < 2000; n++) {
        const b = Buffer.alloc(Math.floor(rand() * 80));
        for (let i = 0; i < b.length; i++) b[i] = Math.floor(rand() * 256);
        m.probe(b, 0, b.length, n % 2 === 0);
        const f = m.frame(b, 0, b.length);
        expect(['ok', 'incomplete', 'invalid']).toContain(f.status);
        m.opener(b, 0, b.length);
        const rec = channel.decode(b, 0, b.length, n % 3 === 0);
        if (rec) expect(rec.protocol).toBe(m.name);
        expect(budget.held).toBeLessThanOrEqual(budget.total);
      }
      // What the channel held of messages in pieces all goes back.
      channel.release();
      expect(budget.held).toBe(0);
    }
  });

  it('describes an asset\'s identities in the plant\'s words, each by the protocol that learned it', () => {
    expect(describeIdentity({ bacnet: { deviceInstance: 1050, vendorName: 'Delta Controls' }, opcua: { applicationUri: 'urn:x' }, modbus: { vendorName: 'Schneider', productCode: 'M221' } })).toEqual([
      'BACnet device 1050 (Delta Controls)',
      'OPC UA server urn:x',
      'Schneider M221',
    ]);
    expect(describeIdentity({ unknown: { a: 'b' } })).toEqual([]);
  });

  it('maps ports to protocols per transport, a site\'s own ports first', () => {
    const ports = new PortMap({ modbus: [5020] });
    for (const m of PROTOCOLS) for (const p of m.ports) expect(ports.on(m.transport, p)?.transport).toBe(m.transport);
    expect(ports.on('tcp', 5020)?.name).toBe('modbus');
    expect(new PortMap().on('tcp', 5020)).toBeUndefined();
    expect(protocolsOver('tcp').every((m) => m.transport === 'tcp')).toBe(true);
    expect(protocolsOver('udp').length + protocolsOver('tcp').length).toBe(PROTOCOLS.length);
  });
});
