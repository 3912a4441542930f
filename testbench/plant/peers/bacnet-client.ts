// A building-management client: discovers devices with Who-Is (repeated, as BMS front ends do,
// so devices that start later are found), and reads present values on a fixed period. Given
// `identify` (the device's instance), it first reads what the device says it is, as a front end
// does when it adds a device: the Device object's model-name, firmware-revision,
// application-software-version and vendor-name, logged as `identity`. Given `disable`, it instead
// sends one DeviceCommunicationControl that silences the device (an attack). Says `ready` once a
// read of every object has been answered.

import bacnet from '@bacnet-js/client';
import { every as repeat, log } from './schedule.js';

// A CommonJS package: its class is the default export's `default`.
const BACnetClient = bacnet.default;

const { broadcast, device, objects, every, disable, identify } = JSON.parse(process.argv[2]!) as {
  broadcast: string;
  device: string;
  objects: { type: number; instance: number }[];
  every: number;
  disable?: boolean;
  identify?: number;
};

/** The Device object's identity properties: model-name, firmware-revision, application-software-version, vendor-name. */
const IDENTITY = { modelName: 70, firmwareRevision: 44, applicationSoftwareVersion: 12, vendorName: 121 };

const client = new BACnetClient({ port: 47808, interface: '0.0.0.0', broadcastAddress: broadcast, apduTimeout: 2000 });
if (disable) {
  // enable-disable 1: disable, for 60 minutes.
  client.deviceCommunicationControl({ address: device }, 60, 1).catch((err: Error) => process.stderr.write(`deviceCommunicationControl: ${err.message}\n`));
  setTimeout(() => process.exit(0), 3000);
} else {
  if (identify !== undefined) {
    const read = Object.entries(IDENTITY).map(async ([name, property]) => {
      const r = await client.readProperty({ address: device }, { type: 8, instance: identify }, property);
      return [name, r.values[0]?.value] as const;
    });
    Promise.all(read)
      .then((facts) => log({ identity: Object.fromEntries(facts) }))
      .catch((err: Error) => process.stderr.write(`readProperty of the device object: ${err.message}\n`));
  }
  const answered = new Set<number>();
  client.whoIs();
  repeat(5, () => client.whoIs());
  repeat(every, () => {
    objects.forEach((o, i) =>
      client
        .readProperty({ address: device }, o, 85)
        .then(() => {
          if (answered.size < objects.length && answered.add(i).size === objects.length) log({ ready: true });
        })
        .catch((err: Error) => process.stderr.write(`readProperty: ${err.message}\n`)),
    );
  });
}
