// A BACnet/IP controller: answers Who-Is with I-Am and serves readProperty/writeProperty on its
// analog objects, and DeviceCommunicationControl and ReinitializeDevice; every write, DCC and
// reinitialisation it receives is logged as a JSON line (the ground truth of what got through).
// Given `identity`, its Device object answers model-name, firmware-revision,
// application-software-version and vendor-name as that product (vendor id 7, Desigo PXC4,
// 02.20.100.1: a Siemens building controller), as UTF-8 CharacterStrings.

import bacnet from '@bacnet-js/client';
import { log } from './schedule.js';

// A CommonJS package: its class is the default export's `default`.
const BACnetClient = bacnet.default;

interface Identity {
  modelName: string;
  firmwareRevision: string;
  applicationSoftwareVersion: string;
  vendorName: string;
}

const { broadcast, deviceInstance, vendorId, identity } = JSON.parse(process.argv[2]!) as { broadcast: string; deviceInstance: number; vendorId: number; identity?: Identity };

const DEVICE_OBJECT = 8;
const CHARACTER_STRING = 7;
/** The Device object's identity properties by id: model-name, firmware-revision, application-software-version, vendor-name. */
const identityProperties = new Map<number, string>(
  identity
    ? [
        [70, identity.modelName],
        [44, identity.firmwareRevision],
        [12, identity.applicationSoftwareVersion],
        [121, identity.vendorName],
      ]
    : [],
);

const device = new BACnetClient({ port: 47808, interface: '0.0.0.0', broadcastAddress: broadcast });
const values = new Map<string, number>();
device.on('whoIs', () => {
  device.iAmResponse({ address: broadcast }, deviceInstance, 0, vendorId);
});
device.on('readProperty', (m) => {
  const p = m.payload as { objectId: { type: number; instance: number }; property: { id: number; index: number } };
  const text = p.objectId.type === DEVICE_OBJECT && p.objectId.instance === deviceInstance ? identityProperties.get(p.property.id) : undefined;
  if (text !== undefined) return device.readPropertyResponse(m.header!.sender, m.invokeId!, p.objectId, p.property, [{ type: CHARACTER_STRING, value: text }]);
  const v = values.get(`${p.objectId.type}:${p.objectId.instance}`) ?? 21.5;
  device.readPropertyResponse(m.header!.sender, m.invokeId!, p.objectId, p.property, [{ type: 4, value: v }]);
});
device.on('writeProperty', (m) => {
  const p = m.payload as { objectId: { type: number; instance: number }; value: { property: { id: number }; value: { value: number }[] } };
  values.set(`${p.objectId.type}:${p.objectId.instance}`, p.value.value[0]?.value ?? 0);
  log({ write: `${p.objectId.type}:${p.objectId.instance}`, property: p.value.property.id });
  device.simpleAckResponse(m.header!.sender, m.service!, m.invokeId!);
});
device.on('deviceCommunicationControl', (m) => {
  log({ write: 'deviceCommunicationControl', from: m.header!.sender.address });
  device.simpleAckResponse(m.header!.sender, m.service!, m.invokeId!);
});
device.on('reinitializeDevice', (m) => {
  log({ write: 'reinitializeDevice', from: m.header!.sender.address });
  device.simpleAckResponse(m.header!.sender, m.service!, m.invokeId!);
});
log({ ready: true });
