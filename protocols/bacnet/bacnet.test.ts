import { describe, expect, it } from 'vitest';
import { decodeBacnet, looksLikeBvlc } from './bacnet.js';

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');
const bvlc = (fn: number, npduApdu: string) => {
  const body = hex(npduApdu);
  const b = Buffer.concat([hex(`81 ${fn.toString(16).padStart(2, '0')} 0000`), body]);
  b.writeUInt16BE(b.length, 2);
  return b;
};

describe('BACnet/IP', () => {
  it('readProperty request: invoke id, object, property', () => {
    const b = bvlc(0x0a, '0104 0005 01 0c 0c 02000001 19 55');
    const op = decodeBacnet(b, 0, b.length);
    expect(op).toMatchObject({ code: 12, codeName: 'readProperty', kind: 'read', direction: 'request', transactionId: 1, subCodeName: 'confirmed-request' });
    expect(op.targets).toEqual([{ type: 'bacnet', objectType: 8, objectTypeName: 'device', instance: 1, property: 85, propertyName: 'present-value' }]);
  });

  it('writePropertyMultiple lists every object and property', () => {
    const b = bvlc(0x0a, '0104 0005 02 10 0c 00800001 1e 09 55 2e 44 41a00000 2f 09 51 2e 10 2f 1f');
    const op = decodeBacnet(b, 0, b.length);
    expect(op.kind).toBe('write');
    expect(op.targets.map((t) => t.type === 'bacnet' && [t.objectType, t.instance, t.property])).toEqual([
      [2, 1, 85],
      [2, 1, 81],
    ]);
  });

  it('I-Am gives device instance and vendor id', () => {
    const b = bvlc(0x0b, '0100 10 00 c4 02000064 22 05c4 91 03 21 0f');
    const op = decodeBacnet(b, 0, b.length);
    expect(op).toMatchObject({ codeName: 'i-Am', kind: 'discovery', direction: 'unsolicited', details: { deviceInstance: 100, vendorId: 15, maxApduAccepted: 1476 } });
  });

  it('errors, rejects and aborts become outcomes', () => {
    const err = bvlc(0x0a, '0100 50 01 0f 91 02 91 28');
    expect(decodeBacnet(err, 0, err.length).outcome).toEqual({ status: 'error', errorClass: 2, code: 40, name: 'property:write-access-denied' });
    const rej = bvlc(0x0a, '0100 60 01 09');
    expect(decodeBacnet(rej, 0, rej.length).outcome).toMatchObject({ status: 'reject', name: 'unrecognized-service' });
    const abort = bvlc(0x0a, '0100 71 01 04');
    expect(decodeBacnet(abort, 0, abort.length).outcome).toMatchObject({ status: 'abort', name: 'segmentation-not-supported' });
  });

  it('Forwarded-NPDU keeps the original source; routing fields are kept', () => {
    const b = bvlc(0x04, 'c0a8010a bac0 0120 0005 01 0a ff 10 08');
    const op = decodeBacnet(b, 0, b.length);
    expect(op.details).toMatchObject({ originalSource: '192.168.1.10:47808', dnet: 5, dadr: '0a', hopCount: 255 });
    expect(op.codeName).toBe('who-Is');
  });

  it('BVLC-only configuration changes are writes', () => {
    const b = bvlc(0x01, 'c0a80101 bac0 ffffffff');
    expect(decodeBacnet(b, 0, b.length)).toMatchObject({ codeName: 'Write-Broadcast-Distribution-Table', kind: 'write', subCodeName: 'bvlc' });
  });

  it('is strict off the BACnet ports and never throws on hostile tags', () => {
    const b = bvlc(0x0a, '0104 0005 01 0c 0c 02000001 19 55');
    b.writeUInt16BE(b.length + 3, 2);
    expect(looksLikeBvlc(b, 0, b.length, false)).toBe(false);
    expect(looksLikeBvlc(b, 0, b.length, true)).toBe(true);
    const hostile = bvlc(0x0a, '0104 0005 01 0c 0d ff ffffffff 19');
    const op = decodeBacnet(hostile, 0, hostile.length);
    expect(op.code).toBe(12);
    expect(op.anomalies.length).toBeGreaterThan(0);
  });

  it('writeProperty carries its value: a REAL as the decimal it was, an enumeration, a binary state', () => {
    // analog-value 1 present-value := REAL 21.7, priority 8
    const real = bvlc(0x0a, '0104 0005 03 0f 0c 00800001 19 55 3e 44 41ad999a 3f 49 08');
    const op = decodeBacnet(real, 0, real.length);
    expect(op).toMatchObject({ codeName: 'writeProperty', kind: 'write', values: [21.7], details: { priority: 8 }, anomalies: [] });
    // binary-output 3 present-value := active (enumerated 1)
    const binary = bvlc(0x0a, '0104 0005 04 0f 0c 01000003 19 55 3e 91 01 3f');
    expect(decodeBacnet(binary, 0, binary.length).values).toEqual([1]);
    // multi-state-value 2 present-value := Unsigned 3; analog-output 0 present-value := Double -2.5
    const state = bvlc(0x0a, '0104 0005 05 0f 0c 04c00002 19 55 3e 21 03 3f');
    expect(decodeBacnet(state, 0, state.length).values).toEqual([3]);
    const double = bvlc(0x0a, '0104 0005 06 0f 0c 00400000 19 55 3e 55 08 c004000000000000 3f');
    expect(decodeBacnet(double, 0, double.length).values).toEqual([-2.5]);
  });

  it('values only of process objects and of single numeric primitives', () => {
    // device 1 present-value (not a process object), a character string, a Null (relinquish)
    for (const apdu of ['0c 02000001 19 55 3e 44 41ad999a 3f', '0c 00800001 19 4d 3e 75 03 00 6869 3f', '0c 00800001 19 55 3e 00 3f']) {
      const b = bvlc(0x0a, `0104 0005 07 0f ${apdu}`);
      const op = decodeBacnet(b, 0, b.length);
      expect(op.values).toBeUndefined();
      expect(op.anomalies).toEqual([]);
    }
  });

  it('readProperty-ACK and readPropertyMultiple-ACK values, one a target, null where there is none', () => {
    const ack = bvlc(0x0a, '0100 30 01 0c 0c 00000001 19 55 3e 44 42c80000 3f');
    expect(decodeBacnet(ack, 0, ack.length)).toMatchObject({ direction: 'response', values: [100] });
    // analog-input 1: present-value 20.5, object-name "x" (no number), units 62; binary-input 2: present-value inactive
    const rpm = bvlc(0x0a, '0100 30 02 0e 0c 00000001 1e 29 55 4e 44 41a40000 4f 29 4d 4e 75 02 00 78 4f 29 75 4e 91 3e 4f 1f 0c 00c00002 1e 29 55 4e 91 00 4f 1f');
    const op = decodeBacnet(rpm, 0, rpm.length);
    expect(op.targets.map((t) => t.type === 'bacnet' && `${t.objectTypeName} ${t.instance} ${t.propertyName}`)).toEqual([
      'analog-input 1 present-value',
      'analog-input 1 object-name',
      'analog-input 1 units',
      'binary-input 2 present-value',
    ]);
    expect(op.values).toEqual([20.5, null, 62, 0]);
  });

  it('a value whose length its type cannot have is an anomaly, never a throw or a number', () => {
    for (const value of ['43 41ad99', '55 04 c0040000', '20', '12', '54 41ad999a', '25 09 010203040506070809']) {
      const b = bvlc(0x0a, `0104 0005 08 0f 0c 00800001 19 55 3e ${value} 3f`);
      let op: ReturnType<typeof decodeBacnet> | undefined;
      expect(() => (op = decodeBacnet(b, 0, b.length))).not.toThrow();
      expect(op!.values).toBeUndefined();
      expect(op!.anomalies.map((a) => a.type)).toContain('invalid_value');
    }
    // A value tag whose length runs past the datagram: truncated, no value.
    const lying = bvlc(0x0a, '0104 0005 09 0f 0c 00800001 19 55 3e 45 ff 41ad 3f');
    const op = decodeBacnet(lying, 0, lying.length);
    expect(op.values).toBeUndefined();
    expect(op.anomalies.length).toBeGreaterThan(0);
  });
});
