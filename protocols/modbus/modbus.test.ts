import { describe, expect, it } from 'vitest';
import { decodeModbus, frameModbus, looksLikeModbus } from './modbus.js';
import { modbus } from './module.js';

const adu = (hex: string) => Buffer.from(hex.replace(/\s/g, ''), 'hex');

describe('Modbus/TCP framing', () => {
  it('frames by the MBAP length and asks for exactly the missing bytes', () => {
    const b = adu('0001 0000 0006 01 03 0000 000a');
    expect(frameModbus(b, 0, b.length)).toEqual({ status: 'ok', length: 12 });
    expect(frameModbus(b, 0, 9)).toEqual({ status: 'incomplete', needed: 3 });
    expect(frameModbus(b, 0, 3)).toEqual({ status: 'incomplete', needed: 4 });
  });

  it('rejects a non-zero protocol id and impossible lengths', () => {
    expect(frameModbus(adu('0001 0001 0006 01 03 0000 000a'), 0, 12).status).toBe('invalid');
    expect(frameModbus(adu('0001 0000 00ff 01 03'), 0, 9).status).toBe('invalid');
    expect(frameModbus(adu('0001 0000 0001 01'), 0, 7).status).toBe('invalid');
    expect(looksLikeModbus(adu('0001 0000 0002 01 00'), 0, 8)).toBe(false);
  });
});

describe('Modbus/TCP PDUs', () => {
  it('read holding registers: unit, table, range', () => {
    const op = decodeModbus(adu('0007 0000 0006 11 03 006b 0003'), 0, 12, 'request');
    expect(op).toMatchObject({ code: 3, kind: 'read', transactionId: 7, targets: [{ type: 'modbus', unit: 17, table: 'holding_registers', start: 107, count: 3 }], anomalies: [] });
  });

  it('flags quantities beyond the specification and byte-count lies', () => {
    const op = decodeModbus(adu('0001 0000 0009 01 10 0000 0080 02 0001'), 0, 15, 'request');
    expect(op.anomalies.map((a) => a.type)).toEqual(['quantity_out_of_range', 'invalid_length']);
  });

  it('exception responses carry the exception as the outcome', () => {
    const op = decodeModbus(adu('0001 0000 0003 01 86 02'), 0, 9, 'response');
    expect(op).toMatchObject({ code: 6, outcome: { status: 'exception', code: 2, name: 'Illegal Data Address' } });
  });

  it('FC 8 force listen only mode is a control operation', () => {
    const op = decodeModbus(adu('0001 0000 0006 01 08 0004 0000'), 0, 12, 'request');
    expect(op).toMatchObject({ kind: 'control', subCode: 4, subCodeName: 'Force Listen Only Mode' });
  });

  it('FC 23 has a read and a write range', () => {
    const op = decodeModbus(adu('0001 0000 000f 01 17 0003 0006 000e 0003 06 00ff 00ff 00ff'), 0, 21, 'request');
    expect(op.targets).toEqual([
      { type: 'modbus', unit: 1, table: 'holding_registers', start: 3, count: 6, access: 'read' },
      { type: 'modbus', unit: 1, table: 'holding_registers', start: 14, count: 3, access: 'write' },
    ]);
  });

  it('MEI 14 response yields the device identity', () => {
    const body = '2b 0e 01 01 00 00 03 00 05 4163 6d65 21 01 02 5831 02 03 312e 30';
    const b = adu(`0001 0000 ${(adu(body).length + 1).toString(16).padStart(4, '0')} 01 ${body}`);
    const op = decodeModbus(b, 0, b.length, 'response');
    expect(op.details).toEqual({ vendorName: 'Acme!', productCode: 'X1', revision: '1.0' });
  });

  it('MEI 14 regular and extended reads: every standard object, the extended ones by number, never in the claim', () => {
    const obj = (id: number, text: string) => `${id.toString(16).padStart(2, '0')} ${Buffer.byteLength(text).toString(16).padStart(2, '0')} ${Buffer.from(text).toString('hex')}`;
    const objects = ['Schneider Electric', 'BMX P34 2020', 'v2.70', 'www.se.com', 'Modicon M340', 'BMX P34 2020', 'Line 3'].map((t, i) => obj(i, t));
    const body = `2b 0e 03 83 00 00 08 ${objects.join(' ')} ${obj(0x80, 'site 7')}`;
    const b = adu(`0001 0000 ${(adu(body).length + 1).toString(16).padStart(4, '0')} 01 ${body}`);
    const op = decodeModbus(b, 0, b.length, 'response');
    const standard = {
      vendorName: 'Schneider Electric',
      productCode: 'BMX P34 2020',
      revision: 'v2.70',
      vendorUrl: 'www.se.com',
      productName: 'Modicon M340',
      modelName: 'BMX P34 2020',
      userApplicationName: 'Line 3',
    };
    expect(op.details).toEqual({ ...standard, object128: 'site 7' });
    const claims = modbus.identity({ ...op, client: { ip: '10.0.0.2', port: 50000 }, server: { ip: '10.0.0.1', port: 502 }, flowId: 'f', evidence: { ts: 1, frame: 1, bytes: 0 } });
    expect(claims).toEqual([{ endpoint: 'server', slot: 'modbus', fields: standard }]);
    expect(modbus.describeIdentity('modbus', standard)).toBe('Schneider Electric Modicon M340 BMX P34 2020, revision v2.70');
  });

  it('undocumented codes are program operations; truncation is reported, never thrown', () => {
    expect(decodeModbus(adu('0001 0000 0002 01 5a'), 0, 8, 'request').kind).toBe('program');
    expect(decodeModbus(adu('0001 0000 0004 01 03 00'), 0, 9, 'request').anomalies[0]?.type).toBe('invalid_length');
    expect(decodeModbus(adu('0001'), 0, 2, 'request').anomalies[0]?.type).toBe('truncated');
  });
});
