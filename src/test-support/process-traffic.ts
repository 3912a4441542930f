// Hand-made BACnet/IP and OPC UA traffic that carries process values, for unit tests, fed
// straight into a packet consumer (a learner): a BACnet client writing and reading REAL
// present-values of a device's objects, an OPC UA client on an unsecured channel writing and
// reading a node's Double value; each request answered, at the times a test names.

import type { PacketInput } from '../flow/operation-decoder.js';
import { ethernet, SYN, tcpSegment, udpDatagram } from './ip-packets.js';
import type { Host } from './modbus-traffic.js';

const ETHERNET = 1;
const BACNET_PORT = 47808;
const OPCUA_PORT = 4840;
const SECURITY_POLICY_NONE = 'http://opcfoundation.org/UA/SecurityPolicy#None';

/** Frames to a sink, numbered. */
class Wire {
  private index = 0;

  constructor(private readonly sink: (p: PacketInput) => void) {}

  send(from: Host, to: Host, ip: Buffer, ts: number): void {
    this.sink({ index: ++this.index, linkType: ETHERNET, ts, frame: ethernet(from.mac, to.mac, ip) });
  }
}

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');
const real = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeFloatBE(v);
  return b.toString('hex');
};
/** BACnet object identifier: type (10 bits) and instance (22 bits). */
const objectId = (type: number, instance: number) => ((type << 22) | instance).toString(16).padStart(8, '0');

export class BacnetTraffic {
  private readonly wire: Wire;
  private invokeId = 0;

  constructor(sink: (p: PacketInput) => void) {
    this.wire = new Wire(sink);
  }

  private exchange(client: Host, device: Host, request: string, answer: (invoke: string) => string, ts: number): void {
    const invoke = (this.invokeId = (this.invokeId + 1) & 0xff).toString(16).padStart(2, '0');
    this.datagram(client, device, `0104 0005 ${invoke} ${request}`, ts);
    this.datagram(device, client, `0100 ${answer(invoke)}`, ts + 0.005);
  }

  private datagram(from: Host, to: Host, npduApdu: string, ts: number): void {
    const body = hex(npduApdu);
    const bvlc = Buffer.concat([hex('810a0000'), body]);
    bvlc.writeUInt16BE(bvlc.length, 2);
    this.wire.send(from, to, udpDatagram(from.ip, to.ip, BACNET_PORT, BACNET_PORT, bvlc), ts);
  }

  /** WriteProperty of REAL `value` to object (type, instance) present-value, acknowledged. */
  writeReal(client: Host, device: Host, type: number, instance: number, value: number, ts: number): void {
    this.exchange(client, device, `0f 0c ${objectId(type, instance)} 19 55 3e 44 ${real(value)} 3f`, (invoke) => `20 ${invoke} 0f`, ts);
  }

  /** A Who-Is broadcast by `client`: every device answers with its I-Am. */
  whoIs(client: Host, ts: number): void {
    this.datagram(client, { ip: '255.255.255.255', mac: 'ff:ff:ff:ff:ff:ff' }, '0100 10 08', ts);
  }

  /** An I-Am broadcast by `device`: its instance and vendor id (max APDU 1476, segmentation none). */
  iAm(device: Host, instance: number, vendorId: number, ts: number): void {
    const broadcast = { ip: '255.255.255.255', mac: 'ff:ff:ff:ff:ff:ff' };
    this.datagram(device, broadcast, `0100 10 00 c4 ${objectId(8, instance)} 22 05c4 91 03 21 ${vendorId.toString(16).padStart(2, '0')}`, ts);
  }

  /** ReadProperty of the Device object's `property` (a CharacterString one: model-name 70, firmware-revision 44, ...), answered with UTF-8 `text`. */
  readDeviceString(client: Host, device: Host, instance: number, property: number, text: string, ts: number): void {
    const ref = `0c ${objectId(8, instance)} 19 ${property.toString(16).padStart(2, '0')}`;
    const value = Buffer.concat([Buffer.from([0]), Buffer.from(text, 'utf8')]);
    this.exchange(client, device, `0c ${ref}`, (invoke) => `30 ${invoke} 0c ${ref} 3e 75 ${value.length.toString(16).padStart(2, '0')} ${value.toString('hex')} 3f`, ts);
  }

  /** ReadProperty of object (type, instance) present-value, answered with REAL `value`. */
  readReal(client: Host, device: Host, type: number, instance: number, value: number, ts: number): void {
    const ref = `0c ${objectId(type, instance)} 19 55`;
    this.exchange(client, device, `0c ${ref}`, (invoke) => `30 ${invoke} 0c ${ref} 3e 44 ${real(value)} 3f`, ts);
  }
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const str = (s: string) => Buffer.concat([u32(s.length), Buffer.from(s, 'latin1')]);
const double = (v: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return b;
};
const chunk = (type: string, body: Buffer) => {
  const h = Buffer.alloc(8);
  h.write(`${type}F`, 0, 'latin1');
  h.writeUInt32LE(8 + body.length, 4);
  return Buffer.concat([h, body]);
};
/** Namespace-0 four-byte NodeId: a service's type id. */
const typeId = (id: number) => Buffer.from([1, 0, id & 0xff, id >> 8]);
const stringNodeId = (node: string) => {
  const [, ns, s] = /^ns=(\d+);s=(.*)$/.exec(node)!;
  return Buffer.concat([Buffer.from([3, Number(ns), 0]), str(s!)]);
};
const requestHeader = Buffer.concat([Buffer.from([0, 0]), Buffer.alloc(8), u32(1), u32(0), u32(0xffffffff), u32(1000), Buffer.from([0, 0, 0])]);
const responseHeader = Buffer.concat([Buffer.alloc(8), u32(1), u32(0), Buffer.from([0]), u32(0xffffffff), Buffer.from([0, 0, 0])]);
/** A scalar Double in a DataValue with only a value. */
const doubleValue = (v: number) => Buffer.concat([Buffer.from([0x01, 11]), double(v)]);

export class OpcuaTraffic {
  private readonly wire: Wire;

  constructor(sink: (p: PacketInput) => void) {
    this.wire = new Wire(sink);
  }

  /** A connection from `client` port `sport` to `server` port 4840 with its unsecured channel open, from `ts`. */
  connect(client: Host, server: Host, sport: number, ts: number): OpcuaConnection {
    this.wire.send(client, server, tcpSegment(client.ip, server.ip, sport, OPCUA_PORT, 99, Buffer.alloc(0), SYN), ts);
    const c = new OpcuaConnection(this.wire, client, server, sport);
    c.open(ts + 0.01);
    return c;
  }
}

export class OpcuaConnection {
  private c = 100;
  private s = 500;
  private requestId = 0;

  constructor(
    private readonly wire: Wire,
    readonly client: Host,
    readonly server: Host,
    readonly sport: number,
  ) {}

  private send(toServer: boolean, payload: Buffer, ts: number): void {
    if (toServer) {
      this.wire.send(this.client, this.server, tcpSegment(this.client.ip, this.server.ip, this.sport, OPCUA_PORT, this.c, payload), ts);
      this.c += payload.length;
    } else {
      this.wire.send(this.server, this.client, tcpSegment(this.server.ip, this.client.ip, OPCUA_PORT, this.sport, this.s, payload), ts);
      this.s += payload.length;
    }
  }

  /** Hello/Acknowledge, then OpenSecureChannel with security policy None. */
  open(ts: number): void {
    this.send(true, chunk('HEL', Buffer.concat([u32(0), u32(65536), u32(65536), u32(0), u32(0), str(`opc.tcp://${this.server.ip}:${OPCUA_PORT}`)])), ts);
    this.send(false, chunk('ACK', Buffer.concat([u32(0), u32(65536), u32(65536), u32(0), u32(0)])), ts + 0.001);
    const asymmetric = Buffer.concat([u32(0), str(SECURITY_POLICY_NONE), u32(0xffffffff), u32(0xffffffff)]);
    const id = ++this.requestId;
    const request = Buffer.concat([typeId(446), requestHeader, u32(0), u32(0), u32(1), u32(0xffffffff), u32(600000)]);
    this.send(true, chunk('OPN', Buffer.concat([asymmetric, u32(1), u32(id), request])), ts + 0.002);
    const response = Buffer.concat([typeId(449), responseHeader, u32(0), u32(1), u32(1), Buffer.alloc(8), u32(600000), u32(0xffffffff)]);
    this.send(false, chunk('OPN', Buffer.concat([asymmetric, u32(1), u32(id), response])), ts + 0.003);
  }

  private exchange(request: Buffer, response: Buffer, ts: number): void {
    const id = ++this.requestId;
    const headers = Buffer.concat([u32(1), u32(1), u32(id + 1), u32(id)]);
    this.send(true, chunk('MSG', Buffer.concat([headers, request])), ts);
    this.send(false, chunk('MSG', Buffer.concat([headers, response])), ts + 0.004);
  }

  /** Write of Double `value` to `node`'s Value attribute, answered Good. */
  writeDouble(node: string, value: number, ts: number): void {
    const request = Buffer.concat([typeId(673), requestHeader, u32(1), stringNodeId(node), u32(13), u32(0xffffffff), doubleValue(value)]);
    this.exchange(request, Buffer.concat([typeId(676), responseHeader, u32(1), u32(0), u32(0xffffffff)]), ts);
  }

  /** Read of the server's ServerStatus (i=2256), answered with a ServerStatusDataType carrying this build information. */
  readServerStatus(build: { productUri: string; manufacturerName: string; productName: string; softwareVersion: string; buildNumber: string }, ts: number): void {
    const request = Buffer.concat([typeId(631), requestHeader, Buffer.alloc(8), u32(0), u32(1), Buffer.from([1, 0, 0xd0, 0x08]), u32(13), u32(0xffffffff), Buffer.from([0, 0]), u32(0xffffffff)]);
    const info = [build.productUri, build.manufacturerName, build.productName, build.softwareVersion, build.buildNumber].map(str);
    // startTime, currentTime, state Running; the BuildInfo and its buildDate; secondsTillShutdown, no shutdownReason.
    const status = Buffer.concat([Buffer.alloc(20), ...info, Buffer.alloc(8), u32(0), Buffer.from([0])]);
    const value = Buffer.concat([Buffer.from([0x01, 22]), typeId(864), Buffer.from([1]), u32(status.length), status]);
    this.exchange(request, Buffer.concat([typeId(634), responseHeader, u32(1), value, u32(0xffffffff)]), ts);
  }

  /** GetEndpoints, answered with one unsecured endpoint of the server application `app`. */
  getEndpoints(app: { uri: string; productUri: string; name: string }, ts: number): void {
    const url = `opc.tcp://${this.server.ip}:${OPCUA_PORT}`;
    const request = Buffer.concat([typeId(428), requestHeader, str(url), u32(0xffffffff), u32(0xffffffff)]);
    const description = Buffer.concat([str(app.uri), str(app.productUri), Buffer.from([2]), str(app.name), u32(0), u32(0xffffffff), u32(0xffffffff), u32(0xffffffff)]);
    const endpoint = Buffer.concat([str(url), description, u32(0xffffffff), u32(1), str(SECURITY_POLICY_NONE), u32(0), str('http://opcfoundation.org/UA-Profile/Transport/uatcp-uasc-uabinary'), Buffer.from([0])]);
    this.exchange(request, Buffer.concat([typeId(431), responseHeader, u32(1), endpoint]), ts);
  }

  /** Browse of `node`'s forward references, answered with `children` (their node ids and display names). */
  browse(node: string, children: readonly { nodeId: string; name: string }[], ts: number): void {
    const request = Buffer.concat([typeId(527), requestHeader, Buffer.from([0, 0]), Buffer.alloc(12), u32(0), u32(1), stringNodeId(node), u32(0), Buffer.from([0, 33]), Buffer.from([1]), u32(0), u32(63)]);
    const reference = (c: { nodeId: string; name: string }) =>
      Buffer.concat([Buffer.from([0, 47, 1]), stringNodeId(c.nodeId), Buffer.from([2, 0]), str(c.name), Buffer.from([2]), str(c.name), u32(2), Buffer.from([0, 63])]);
    const result = Buffer.concat([u32(0), u32(0xffffffff), u32(children.length), ...children.map(reference)]);
    this.exchange(request, Buffer.concat([typeId(530), responseHeader, u32(1), result, u32(0xffffffff)]), ts);
  }

  /** Read of `node`'s Value attribute, answered with Double `value`. */
  readDouble(node: string, value: number, ts: number): void {
    const request = Buffer.concat([typeId(631), requestHeader, Buffer.alloc(8), u32(0), u32(1), stringNodeId(node), u32(13), u32(0xffffffff), Buffer.from([0, 0]), u32(0xffffffff)]);
    this.exchange(request, Buffer.concat([typeId(634), responseHeader, u32(1), doubleValue(value), u32(0xffffffff)]), ts);
  }
}
