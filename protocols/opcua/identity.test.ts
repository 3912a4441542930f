// What an OPC UA server says it is: the BuildInfo in a ReadResponse of its ServerStatus (i=2256,
// an ExtensionObject encoded i=864) or of its BuildInfo (i=2260, encoded i=340), the claim the
// module makes of it and the words it describes it in. The ServerStatus exchange is real: a
// node-opcua client reading i=2256 from a node-opcua server given that build information,
// captured (tshark's opcua dissector shows the same ManufacturerName, ProductName,
// SoftwareVersion and BuildNumber); the session's authentication token is zeroed.

import { describe, expect, it } from 'vitest';
import type { Operation, PduRecord } from '../operation.js';
import { opcua } from './module.js';
import { OpcuaChannel } from './opcua.js';

const NONE = 'http://opcfoundation.org/UA/SecurityPolicy#None';
const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');

const READ_SERVER_STATUS = hex(
  '4d53474670000000010000000100000005000000050000000100770205000010000000' +
    '00000000000000000000000000000000' +
    '20661e738b82dd01050000000000000000000000983a0000000000000000000000000002000000010000000100d0080d000000ffffffff0000ffffffff',
);
const SERVER_STATUS_RESPONSE = hex(
  '4d534746eb0000000100000001000000050000000500000001007a0290771f738b82dd0105000000000000000000000000000000010000003d16010060030190000000' +
    '505eb96e8b82dd0180501f738b82dd0100000000' +
    '2300000075726e3a62756c6b686561643a7465737462656e63683a6f706375612d736572766572' +
    '0e0000004f504320466f756e646174696f6e140000004f5043205541202e4e4554205374616e646172640b000000312e342e3336332e3130370b000000312e342e3336332e313037' +
    '0040d38b92d8d5010000000000fe4a1f738b82dd016419fe4a1f738b82dd01641900000000',
);

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const str = (s: string) => Buffer.concat([u32(Buffer.byteLength(s)), Buffer.from(s, 'utf8')]);
const responseHeader = Buffer.concat([Buffer.alloc(8), u32(9), u32(0), Buffer.from([0]), u32(0xffffffff), Buffer.from([0, 0, 0])]);
/** A ReadResponse (request id 7) of the given DataValues. */
const readResponse = (results: Buffer[]) => {
  const body = Buffer.concat([u32(1), u32(1), u32(2), u32(7), Buffer.from([1, 0, 0x7a, 0x02]), responseHeader, u32(results.length), ...results, u32(0xffffffff)]);
  const h = Buffer.from('MSGF00000000', 'latin1').subarray(0, 8);
  h.writeUInt32LE(8 + body.length, 4);
  return Buffer.concat([h, body]);
};
/** A DataValue holding a scalar ExtensionObject of encoding `type` with a binary body, and a status when given. */
const extensionValue = (type: number, body: Buffer, status?: number) =>
  Buffer.concat([Buffer.from([status === undefined ? 0x01 : 0x03, 22, 1, 0]), Buffer.from([type & 0xff, type >> 8, 1]), u32(body.length), body, status === undefined ? Buffer.alloc(0) : u32(status)]);
const buildInfo = (...fields: string[]) => Buffer.concat([...fields.map(str), Buffer.alloc(8)]);
const DOUBLE_21_5 = Buffer.from([0x01, 11, 0, 0, 0, 0, 0, 0x80, 0x35, 0x40]);

function decode(m: Buffer): PduRecord {
  const ch = new OpcuaChannel();
  ch.securityPolicyUri = NONE;
  return ch.decode(m, 0, m.length, false)!;
}
const asOperation = (rec: PduRecord): Operation => ({ ...rec, client: { ip: '10.0.0.2', port: 50000 }, server: { ip: '10.0.0.1', port: 4840 }, flowId: 'f', evidence: { ts: 1, frame: 1, bytes: 0 } });

const DOTNET = { manufacturerName: 'OPC Foundation', productName: 'OPC UA .NET Standard', softwareVersion: '1.4.363.107', buildNumber: '1.4.363.107' };

describe('OPC UA server build information', () => {
  it('a ServerStatus read (node-opcua, captured): the request names i=2256, the response gives the BuildInfo', () => {
    const request = decode(READ_SERVER_STATUS);
    expect(request).toMatchObject({ codeName: 'ReadRequest', transactionId: 5, targets: [{ type: 'opcua', nodeId: 'i=2256', attribute: 13 }], anomalies: [] });
    const response = decode(SERVER_STATUS_RESPONSE);
    expect(response).toMatchObject({ codeName: 'ReadResponse', transactionId: 5, anomalies: [] });
    expect(response.details).toMatchObject({
      serverProductUri: 'urn:bulkhead:testbench:opcua-server',
      serverManufacturerName: 'OPC Foundation',
      serverProductName: 'OPC UA .NET Standard',
      serverSoftwareVersion: '1.4.363.107',
      serverBuildNumber: '1.4.363.107',
    });
    expect(response.values).toBeUndefined();
    expect(opcua.identity(asOperation(response))).toEqual([{ endpoint: 'server', slot: 'opcua', fields: { productUri: 'urn:bulkhead:testbench:opcua-server', ...DOTNET } }]);
  });

  it('a BuildInfo read (i=2260) gives it too, beside the numbers read in the same response', () => {
    const rec = decode(readResponse([DOUBLE_21_5, extensionValue(340, buildInfo('urn:x', 'Unified Automation GmbH', 'UaServerCpp', '1.7.6', '574'))]));
    expect(rec.values).toEqual([21.5]);
    expect(rec.details).toMatchObject({ serverManufacturerName: 'Unified Automation GmbH', serverProductName: 'UaServerCpp', serverSoftwareVersion: '1.7.6', serverBuildNumber: '574' });
  });

  it('another structure, a Bad status, a body cut short or lying: nothing, and never a throw', () => {
    const bodies = [
      extensionValue(999, buildInfo('urn:x', 'Vendor', 'Product', '1.0', '1')),
      extensionValue(340, buildInfo('urn:x', 'Vendor', 'Product', '1.0', '1'), 0x80000000),
      extensionValue(340, buildInfo('urn:x', 'Vendor').subarray(0, 12)),
      extensionValue(340, Buffer.concat([str('urn:x'), u32(0x7fffffff), Buffer.from('Vendor')])),
      extensionValue(864, Buffer.alloc(10)),
    ];
    for (const b of bodies) {
      let rec: PduRecord | undefined;
      expect(() => (rec = decode(readResponse([b])))).not.toThrow();
      expect(rec!.details?.serverManufacturerName).toBeUndefined();
      expect(rec!.details?.serverProductName).toBeUndefined();
    }
  });

  it('names kept short and printable', () => {
    const rec = decode(readResponse([extensionValue(340, buildInfo('urn:x', 'Evil\r\nCorp', 'P'.repeat(1000), '1.0', ''))]));
    expect(rec.details).toMatchObject({ serverManufacturerName: 'Evil??Corp', serverSoftwareVersion: '1.0' });
    expect(String(rec.details!.serverProductName).length).toBe(256);
    expect(rec.details!.serverBuildNumber).toBeUndefined();
  });

  it('describes the server in the plant words: its application name, then product, version and maker', () => {
    expect(opcua.describeIdentity('opcua', { applicationName: 'Line Server', applicationUri: 'urn:line', ...DOTNET })).toBe(
      'OPC UA server Line Server, OPC UA .NET Standard 1.4.363.107 (OPC Foundation)',
    );
    expect(opcua.describeIdentity('opcua', { ...DOTNET, buildNumber: '574' })).toBe('OPC UA server OPC UA .NET Standard, 1.4.363.107 build 574 (OPC Foundation)');
    expect(opcua.describeIdentity('opcuaClient', { applicationName: 'HMI' })).toBe('OPC UA client HMI');
  });
});
