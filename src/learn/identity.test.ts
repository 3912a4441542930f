// Identity facts learned from different messages stand together in an asset's slot: a BACnet
// device's I-Am (instance, vendor) and its Device object's strings read by a client (model,
// firmware) merge, in either order and repeated; another device at the address starts afresh.
// Fed through the real decoder, pairer and baseline.

import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../flow/limits.js';
import { OperationDecoder } from '../flow/operation-decoder.js';
import { TransactionPairer } from '../flow/transactions.js';
import { BacnetTraffic } from '../test-support/process-traffic.js';
import { Baseline } from './baseline.js';

const BMS = { ip: '10.0.0.30', mac: '02:00:00:00:00:30' };
const PXC = { ip: '10.0.0.40', mac: '02:00:00:00:00:40' };

function learn(traffic: (bac: BacnetTraffic) => void) {
  const baseline = new Baseline();
  const pairer = new TransactionPairer((t) => baseline.transaction(t), DEFAULT_LIMITS);
  const decoder = new OperationDecoder((op) => pairer.operation(op));
  traffic(new BacnetTraffic((p) => decoder.packet(p)));
  decoder.flush();
  pairer.flush();
  return baseline.takeChanges().assets.find((a) => a.ip === PXC.ip)?.identity.bacnet;
}

const SIEMENS_PXC4 = { deviceInstance: 1050, vendorId: 7, vendorName: 'Siemens Schweiz AG', maxApduAccepted: 1476, segmentationSupported: 3, modelName: 'Desigo PXC4', firmwareRevision: '02.20.100.1' };

describe('identity learned from several messages', () => {
  it('an I-Am after the device object was read keeps the model and firmware; a read after the I-Am keeps the vendor', () => {
    const readFirst = learn((bac) => {
      bac.readDeviceString(BMS, PXC, 1050, 70, 'Desigo PXC4', 10);
      bac.readDeviceString(BMS, PXC, 1050, 44, '02.20.100.1', 11);
      bac.iAm(PXC, 1050, 7, 12);
      bac.iAm(PXC, 1050, 7, 20);
    });
    expect(readFirst).toEqual(SIEMENS_PXC4);
    const announcedFirst = learn((bac) => {
      bac.iAm(PXC, 1050, 7, 10);
      bac.readDeviceString(BMS, PXC, 1050, 70, 'Desigo PXC4', 11);
      bac.readDeviceString(BMS, PXC, 1050, 44, '02.20.100.1', 12);
      bac.iAm(PXC, 1050, 7, 20);
    });
    expect(announcedFirst).toEqual(SIEMENS_PXC4);
  });

  it('a firmware read again after an upgrade replaces the old one', () => {
    const upgraded = learn((bac) => {
      bac.iAm(PXC, 1050, 7, 10);
      bac.readDeviceString(BMS, PXC, 1050, 44, '02.20.100.1', 11);
      bac.readDeviceString(BMS, PXC, 1050, 44, '02.20.142.2', 50);
    });
    expect(upgraded?.firmwareRevision).toBe('02.20.142.2');
  });

  it('another device announcing itself at the address starts the slot afresh: no stale model or firmware', () => {
    const replaced = learn((bac) => {
      bac.iAm(PXC, 1050, 7, 10);
      bac.readDeviceString(BMS, PXC, 1050, 70, 'Desigo PXC4', 11);
      bac.iAm(PXC, 1050, 8, 100); // same instance, another vendor: a replacement controller
    });
    expect(replaced).toEqual({ deviceInstance: 1050, vendorId: 8, vendorName: 'Delta Controls', maxApduAccepted: 1476, segmentationSupported: 3 });
    const renumbered = learn((bac) => {
      bac.iAm(PXC, 1050, 7, 10);
      bac.readDeviceString(BMS, PXC, 1050, 70, 'Desigo PXC4', 11);
      bac.readDeviceString(BMS, PXC, 2001, 70, 'PXC5', 100);
    });
    expect(renumbered).toEqual({ deviceInstance: 2001, modelName: 'PXC5' });
  });
});
