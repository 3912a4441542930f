// What a BACnet device says it is: the Device object's model-name, firmware-revision,
// application-software-version and vendor-name read back in ReadProperty(Multiple)-ACKs, and
// the claims and words the module makes of them. The ACKs are hand-built; tshark's bacapp
// dissector reads the same strings from them (model-name: UTF-8 'Desigo PXC4', ...).

import { describe, expect, it } from 'vitest';
import type { Operation } from '../operation.js';
import { decodeBacnet } from './bacnet.js';
import { bacnet } from './module.js';
import { MAX_STRING_CHARS } from './tags.js';

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');
const bvlc = (npduApdu: string) => {
  const b = Buffer.concat([hex('810a0000'), hex(npduApdu)]);
  b.writeUInt16BE(b.length, 2);
  return b;
};
/** An application CharacterString tag: character set, then the text's bytes. */
const charString = (text: string, charset = 0) => {
  const b = Buffer.concat([Buffer.from([charset]), Buffer.from(text, charset === 5 ? 'latin1' : 'utf8')]);
  return `75 ${b.length.toString(16).padStart(2, '0')} ${b.toString('hex')}`;
};
const DEVICE_1050 = '0c 0200041a';
const readPropertyAck = (property: number, value: string, object = DEVICE_1050) => bvlc(`0100 30 07 0c ${object} 19 ${property.toString(16).padStart(2, '0')} 3e ${value} 3f`);
const decode = (b: Buffer) => decodeBacnet(b, 0, b.length);
const asOperation = (rec: ReturnType<typeof decode>): Operation => ({
  ...rec,
  client: { ip: '10.0.0.2', port: 47808 },
  server: { ip: '10.0.0.1', port: 47808 },
  flowId: 'f',
  evidence: { ts: 1, frame: 1, bytes: 0 },
});

describe('BACnet device identity from the Device object', () => {
  it('readProperty-ACK of model-name and firmware-revision: the facts, with the device instance', () => {
    const model = decode(readPropertyAck(70, charString('Desigo PXC4')));
    expect(model).toMatchObject({ codeName: 'readProperty', direction: 'response', anomalies: [], details: { modelName: 'Desigo PXC4', deviceInstance: 1050 } });
    expect(model.values).toBeUndefined();
    const firmware = decode(readPropertyAck(44, charString('02.20.100.1')));
    expect(firmware.details).toMatchObject({ firmwareRevision: '02.20.100.1', deviceInstance: 1050 });
  });

  it('readPropertyMultiple-ACK carries all four, among other properties', () => {
    const rpm = bvlc(
      `0100 30 09 0e ${DEVICE_1050} 1e 29 46 4e ${charString('Desigo PXC4')} 4f 29 2c 4e ${charString('02.20.100.1')} 4f ` +
        `29 0c 4e ${charString('PXC4.E16 V2.20')} 4f 29 79 4e ${charString('Siemens Schweiz AG')} 4f 29 78 4e 21 07 4f 1f`,
    );
    const op = decode(rpm);
    expect(op.anomalies).toEqual([]);
    expect(op.details).toMatchObject({
      modelName: 'Desigo PXC4',
      firmwareRevision: '02.20.100.1',
      applicationSoftwareVersion: 'PXC4.E16 V2.20',
      vendorNameProperty: 'Siemens Schweiz AG',
      deviceInstance: 1050,
    });
    expect(op.targets).toHaveLength(5);
  });

  it('reads UTF-8 and ISO 8859-1; another character set, a non-string, another object give no fact', () => {
    expect(decode(readPropertyAck(70, charString('Régulateur', 5))).details?.modelName).toBe('Régulateur');
    expect(decode(readPropertyAck(70, charString('Régulateur ÖV'))).details?.modelName).toBe('Régulateur ÖV');
    // UCS-2 (4), an Unsigned, the model-name of an analog-value object
    for (const b of [readPropertyAck(70, '75 05 04 0041 0042'), readPropertyAck(70, '21 07'), readPropertyAck(70, charString('AV'), '0c 00800001')]) {
      const op = decode(b);
      expect(op.details?.modelName).toBeUndefined();
      expect(op.details?.deviceInstance).toBeUndefined();
      expect(op.anomalies).toEqual([]);
    }
  });

  it('hostile strings: control characters replaced, padding dropped, length bounded, a lying length never read past', () => {
    const forged = decode(readPropertyAck(70, charString('PXC4\n{"alert":1}\u0000\u0000  ')));
    expect(forged.details?.modelName).toBe('PXC4?{"alert":1}');
    const long = decode(readPropertyAck(70, `75 fe 0400 00${'41'.repeat(1023)}`));
    expect(long.details?.modelName).toBe('A'.repeat(MAX_STRING_CHARS));
    const lying = bvlc(`0100 30 07 0c ${DEVICE_1050} 19 46 3e 75 40 00 4142 3f`);
    let op: ReturnType<typeof decode> | undefined;
    expect(() => (op = decode(lying))).not.toThrow();
    expect(op!.details?.modelName).toBeUndefined();
    expect(op!.anomalies.map((a) => a.type)).toContain('truncated');
  });

  it('the device wildcard names no instance: no claim', () => {
    const op = decode(readPropertyAck(70, charString('Desigo PXC4'), '0c 023fffff'));
    expect(op.details).toMatchObject({ modelName: 'Desigo PXC4' });
    expect(op.details?.deviceInstance).toBeUndefined();
    expect(bacnet.identity(asOperation(op))).toEqual([]);
  });

  it('claims: the ACK describes its sender (the server), the I-Am its sender (the client), both naming the device', () => {
    const ack = asOperation(decode(readPropertyAck(44, charString('02.20.100.1'))));
    expect(bacnet.identity(ack)).toEqual([{ endpoint: 'server', slot: 'bacnet', fields: { deviceInstance: 1050, firmwareRevision: '02.20.100.1' }, identifies: ['deviceInstance', 'vendorId'] }]);
    const local = asOperation(decode(bvlc('0100 10 00 c4 0200041a 22 05c4 91 03 21 07')));
    expect(bacnet.identity(local)).toEqual([
      { endpoint: 'client', slot: 'bacnet', fields: { deviceInstance: 1050, vendorId: 7, vendorName: 'Siemens Schweiz AG', maxApduAccepted: 1476, segmentationSupported: 3 }, identifies: ['deviceInstance', 'vendorId'] },
    ]);
    // From a device behind a router (SNET): the address is the router's, no claim.
    const routed = asOperation(decode(bvlc(`0108 0005 01 0a 30 07 0c ${DEVICE_1050} 19 2c 3e ${charString('1.0')} 3f`)));
    expect(routed.details?.firmwareRevision).toBe('1.0');
    expect(bacnet.identity(routed)).toEqual([]);
  });

  it('describes the device in the plant words: model, vendor, firmware', () => {
    const f = { deviceInstance: 1050, vendorId: 7, vendorName: 'Siemens Schweiz AG', modelName: 'Desigo PXC4', firmwareRevision: '02.20.100.1' };
    expect(bacnet.describeIdentity('bacnet', f)).toBe('BACnet device 1050 Desigo PXC4 (Siemens Schweiz AG), firmware 02.20.100.1');
    expect(bacnet.describeIdentity('bacnet', { ...f, vendorNameProperty: 'Siemens', applicationSoftwareVersion: 'PXC4.E16 V2.20' })).toBe(
      'BACnet device 1050 Desigo PXC4 (Siemens), firmware 02.20.100.1, application PXC4.E16 V2.20',
    );
    expect(bacnet.describeIdentity('bacnet', { deviceInstance: 12, vendorId: 8, vendorName: 'Delta Controls' })).toBe('BACnet device 12 (Delta Controls)');
  });
});
