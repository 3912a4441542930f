// Identity facts learned from different messages stand together in an asset's slot: a BACnet
// device's I-Am (instance, vendor) and its Device object's strings read by a client (model,
// firmware) merge, in either order and repeated; another device at the address starts afresh.
// An OPC UA server's build information read by a client lands on the server. Fed through the
// real decoder, pairer and baseline.

import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../flow/limits.js';
import { OperationDecoder, type PacketInput } from '../flow/operation-decoder.js';
import { TransactionPairer } from '../flow/transactions.js';
import { BacnetTraffic, OpcuaTraffic } from '../test-support/process-traffic.js';
import { Baseline } from './baseline.js';

const BMS = { ip: '10.0.0.30', mac: '02:00:00:00:00:30' };
const PXC = { ip: '10.0.0.40', mac: '02:00:00:00:00:40' };

function learnAssets(traffic: (sink: (p: PacketInput) => void) => void) {
  const baseline = new Baseline();
  const pairer = new TransactionPairer((t) => baseline.transaction(t), DEFAULT_LIMITS);
  const decoder = new OperationDecoder((op) => pairer.operation(op));
  traffic((p) => decoder.packet(p));
  decoder.flush();
  pairer.flush();
  return baseline.takeChanges().assets;
}

const learn = (traffic: (bac: BacnetTraffic) => void) => learnAssets((sink) => traffic(new BacnetTraffic(sink))).find((a) => a.ip === PXC.ip)?.identity.bacnet;

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

  it("an OPC UA client reading the server's ServerStatus tells the server's build information, not its own", () => {
    const HMI = { ip: '10.0.0.31', mac: '02:00:00:00:00:31' };
    const SERVER = { ip: '10.0.0.41', mac: '02:00:00:00:00:41' };
    const build = { productUri: 'urn:opcfoundation.org:UA:Quickstarts', manufacturerName: 'OPC Foundation', productName: 'OPC UA .NET Standard', softwareVersion: '1.4.363.107', buildNumber: '1.4.363.107' };
    const assets = learnAssets((sink) => new OpcuaTraffic(sink).connect(HMI, SERVER, 50000, 10).readServerStatus(build, 11));
    expect(assets.find((a) => a.ip === SERVER.ip)?.identity).toEqual({ opcua: build });
    expect(assets.find((a) => a.ip === HMI.ip)?.identity).toEqual({});
  });
});
