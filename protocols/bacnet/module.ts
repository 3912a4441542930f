// BACnet/IP as the registry knows it: UDP 47808-47823 (0xBAC0-0xBACF), one datagram one PDU,
// identification from I-Am and from reads of the Device object's model, firmware, software and
// vendor strings, and roles that depend on the service (a device announcing itself
// or notifying is the "client" of its own message).

import type { Operation } from '../operation.js';
import { NO_CLAIMS, type IdentityClaim, type ProtocolModule } from '../protocol.js';
import { fieldText } from '../identity-fields.js';
import { BACNET_PORT, looksLikeBvlc } from './bacnet.js';
import { DEVICE_IDENTITY_PROPERTIES } from './codes.js';
import { BacnetChannel } from './segments.js';
import { allowedCodeWords, codeWords, targetWords } from './words.js';
import { bacnetVendorName } from './vendors.js';

/** APDU types as the decoder puts them in `subCode`. */
const CONFIRMED_REQUEST = 0;
const UNCONFIRMED_REQUEST = 1;
/** SimpleACK through Abort: answers, sent by the device. */
const FIRST_ANSWER = 2;
const LAST_ANSWER = 7;
const I_AM = 0;
const COMPLEX_ACK = 3;
const READ_PROPERTY = 12;
const READ_PROPERTY_MULTIPLE = 14;
/** What tells one device from another at the same address: a claim naming others starts its slot afresh. */
const DEVICE_KEYS = ['deviceInstance', 'vendorId'] as const;
/** The answers that carry a confirmed request's invoke id: SimpleACK, ComplexACK, Error, Reject, Abort. */
const REPLIES = new Set([2, 3, 5, 6, 7]);
const DEVICE_ANNOUNCEMENTS = new Set([0, 1]); // i-Am, i-Have
const NOTIFICATIONS_CONFIRMED = new Set([1, 2]); // confirmed COV and event notifications
const NOTIFICATIONS_UNCONFIRMED = new Set([2, 3]);

const PORTS = Array.from({ length: 16 }, (_, i) => BACNET_PORT + i);

type Details = NonNullable<Operation['details']>;

/** An I-Am: the sender announces its instance, vendor and APDU limits. */
function iAmClaim(d: Details, deviceInstance: number): IdentityClaim {
  const fields: Record<string, string | number> = { deviceInstance };
  if (typeof d.vendorId === 'number') {
    fields.vendorId = d.vendorId;
    fields.vendorName = bacnetVendorName(d.vendorId) ?? `vendor id ${d.vendorId}`;
  }
  if (typeof d.maxApduAccepted === 'number') fields.maxApduAccepted = d.maxApduAccepted;
  if (typeof d.segmentationSupported === 'number') fields.segmentationSupported = d.segmentationSupported;
  return { endpoint: 'client', slot: 'bacnet', fields, identifies: DEVICE_KEYS };
}

/** A ReadProperty(Multiple)-ACK of the Device object's identity properties: what its sender (the server) says it is. */
function deviceFactsClaim(d: Details, deviceInstance: number): IdentityClaim[] {
  const fields: Record<string, string | number> = { deviceInstance };
  for (const fact of DEVICE_IDENTITY_PROPERTIES.values()) if (typeof d[fact] === 'string') fields[fact] = d[fact];
  return Object.keys(fields).length > 1 ? [{ endpoint: 'server', slot: 'bacnet', fields, identifies: DEVICE_KEYS }] : [];
}

export const bacnet: ProtocolModule = {
  name: 'bacnet',
  title: 'BACnet',
  field: true,
  transport: 'udp',
  ports: PORTS,
  defaultPort: BACNET_PORT,
  anyPort: true,
  probe: (buf, off, end, onPort) => looksLikeBvlc(buf, off, end - off, onPort),
  // A datagram is one PDU.
  frame: (_buf, off, end) => ({ status: 'ok', length: end - off }),
  channel: (budget) => new BacnetChannel(budget),
  opener: () => undefined,
  transactionKey(op: Operation): number | undefined {
    if (op.direction === 'request' && op.subCode === CONFIRMED_REQUEST) return op.transactionId;
    if (op.direction === 'response' && op.subCode !== undefined && REPLIES.has(op.subCode)) return op.transactionId;
    return undefined;
  },
  describeCode: (op) => codeWords(op.codeName, op.code, op.subCode),
  describeAllowedCode: allowedCodeWords,
  describeTarget: (t) => (t.type === 'bacnet' ? targetWords(t) : ''),
  identity(op: Operation): readonly IdentityClaim[] {
    const d = op.details;
    // From a device on this network (a routed one carries SNET: its IP is the router's).
    if (!d || typeof d.deviceInstance !== 'number' || d.snet !== undefined) return NO_CLAIMS;
    if (op.subCode === UNCONFIRMED_REQUEST && op.code === I_AM) return [iAmClaim(d, d.deviceInstance)];
    if (op.subCode === COMPLEX_ACK && (op.code === READ_PROPERTY || op.code === READ_PROPERTY_MULTIPLE)) return deviceFactsClaim(d, d.deviceInstance);
    return NO_CLAIMS;
  },
  gathersHistory: () => false,
  clientRole: 'bacnet_client',
  serverRole: 'bacnet_device',
  describeIdentity(slot, f) {
    if (slot !== 'bacnet' || typeof f.deviceInstance !== 'number') return undefined;
    const text = (k: string) => fieldText(f, k);
    const model = text('modelName');
    const vendor = text('vendorNameProperty') ?? text('vendorName');
    const firmware = text('firmwareRevision');
    const software = text('applicationSoftwareVersion');
    const versions = [firmware && `firmware ${firmware}`, software && software !== firmware && `application ${software}`].filter(Boolean).join(', ');
    return `BACnet device ${f.deviceInstance}${model ? ` ${model}` : ''}${vendor ? ` (${vendor})` : ''}${versions ? `, ${versions}` : ''}`;
  },
  product(slot, f) {
    if (slot !== 'bacnet' || typeof f.modelName !== 'string') return undefined;
    // The firmware is the device's; the application software is what runs on it (older panels say only that).
    const version = typeof f.firmwareRevision === 'string' ? ['firmwareRevision', f.firmwareRevision] : typeof f.applicationSoftwareVersion === 'string' ? ['applicationSoftwareVersion', f.applicationSoftwareVersion] : undefined;
    const vendor = typeof f.vendorNameProperty === 'string' ? f.vendorNameProperty : typeof f.vendorName === 'string' ? f.vendorName : undefined;
    return {
      source: 'BACnet device object properties',
      ...(vendor !== undefined ? { vendor } : {}),
      names: [f.modelName],
      models: [f.modelName],
      ...(version ? { version: version[1], versionFrom: version[0] } : {}),
    };
  },
  role(op: Operation, isClient: boolean): string | undefined {
    // The "client" of a BACnet message is its sender; what that makes the host depends on the service.
    if (op.subCode === CONFIRMED_REQUEST) {
      if (NOTIFICATIONS_CONFIRMED.has(op.code)) return isClient ? 'bacnet_device' : 'bacnet_client';
      return isClient ? 'bacnet_client' : 'bacnet_device';
    }
    if (op.subCode === UNCONFIRMED_REQUEST) {
      if (DEVICE_ANNOUNCEMENTS.has(op.code) || NOTIFICATIONS_UNCONFIRMED.has(op.code)) return isClient ? 'bacnet_device' : 'bacnet_client';
      return isClient ? 'bacnet_client' : undefined;
    }
    if (op.subCode !== undefined && op.subCode >= FIRST_ANSWER && op.subCode <= LAST_ANSWER) return isClient ? 'bacnet_client' : 'bacnet_device';
    return undefined;
  },
};
