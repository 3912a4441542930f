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
});
