// The protocols' words: every code a rule or a verdict names comes out name first with its
// number kept, registers as Modicon reference numbers with the wire addresses beside them, and
// OPC UA nodes with the names their server gave them in a Browse.

import { describe, expect, it } from 'vitest';
import { allowedCodeWords as bacnetCode, objectWords } from './bacnet/words.js';
import { allowedCodeWords as modbusCode, registerWords, targetWords as modbusTarget } from './modbus/words.js';
import { opcua } from './opcua/module.js';
import { OpcuaChannel } from './opcua/opcua.js';
import { allowedCodeWords as opcuaCode, codeWords as opcuaCodeWords, targetWords as opcuaTarget } from './opcua/words.js';
import { BROWSE_NAMES_KEPT } from './opcua/browse-names.js';
import type { Operation } from './operation.js';

describe('Modbus words', () => {
  it('names function codes by the specification, sub-functions too, and keeps the number', () => {
    expect(modbusCode(3, undefined)).toBe('Read Holding Registers (FC 3)');
    expect(modbusCode(8, 1)).toBe('Diagnostics: Restart Communications Option (FC 8/1)');
    expect(modbusCode(43, 14)).toBe('Encapsulated Interface Transport: Read Device Identification (FC 43/14)');
    expect(modbusCode(90, undefined)).toBe('Schneider Electric UMAS (FC 90)');
    expect(modbusCode(66, undefined)).toBe('User Defined (66) (FC 66)');
  });

  it('writes registers as reference numbers (five digits, six past 9998) with the addresses in brackets', () => {
    expect(registerWords(1, 'holding_registers', [[0, 9]])).toBe('unit 1 holding registers 40001-40010 (0-9)');
    expect(registerWords(2, 'coils', [[0, 15], [20, 20]])).toBe('unit 2 coils 00001-00016, 00021 (0-15, 20)');
    expect(registerWords(1, 'input_registers', [[9998, 9998]])).toBe('unit 1 input registers 39999 (9998)');
    expect(registerWords(1, 'holding_registers', [[10_000, 10_001]])).toBe('unit 1 holding registers 410001-410002 (10000-10001)');
    expect(registerWords(1, 'coils', [[65_535, 65_535]])).toBe('unit 1 coils 065536 (65535)');
    expect(registerWords(1, 'file_records', [[0, 3]])).toBe('unit 1 file records 0-3');
    expect(registerWords(1, 'holding_registers', undefined)).toBe('unit 1 holding registers (all)');
    expect(registerWords(7, undefined, undefined)).toBe('unit 7');
    expect(modbusTarget({ type: 'modbus', unit: 1, table: 'holding_registers', start: 6, count: 1 })).toBe('unit 1 holding registers 40007 (6)');
    expect(modbusTarget({ type: 'modbus', unit: 3 })).toBe('unit 3');
  });
});

describe('BACnet words', () => {
  it('names services by their APDU type: confirmed, unconfirmed, acknowledgements, BVLC and network messages', () => {
    expect(bacnetCode(12, 0)).toBe('readProperty (confirmed service 12)');
    expect(bacnetCode(8, 1)).toBe('who-Is (unconfirmed service 8)');
    expect(bacnetCode(12, 3)).toBe('readProperty complex-ack (confirmed service 12)');
    expect(bacnetCode(10, 16)).toBe('Original-Unicast-NPDU (BVLC function 10)');
    expect(bacnetCode(0, 17)).toBe('Who-Is-Router-To-Network (network message 0)');
    // No APDU type in the rule: both services of that number, so nothing is hidden.
    expect(bacnetCode(0, undefined)).toBe('acknowledgeAlarm or i-Am (service 0)');
    expect(bacnetCode(200, 0)).toBe('proprietary-service-200 (confirmed service 200)');
  });

  it('lists objects by type, instances and properties (numbers named)', () => {
    expect(objectWords(0, [[1, 5]], ['present-value'])).toBe('analog-input 1-5 present-value');
    expect(objectWords(2, [[3, 3], [7, 9]], ['85', '111'])).toBe('analog-value 3, 7-9 present-value, status-flags');
    expect(objectWords(8, undefined, undefined)).toBe('every device');
  });
});

// A BrowseResponse (OPC 10000-4 5.8.2) naming two variables of a folder: one by display name,
// one whose display name is absent (its browse name stands in).
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const str = (s: string) => Buffer.concat([u32(Buffer.byteLength(s)), Buffer.from(s, 'utf8')]);
const stringNode = (ns: number, id: string) => Buffer.concat([Buffer.from([3, ns, 0]), str(id)]);
const reference = (node: Buffer, browseName: string, displayName?: string) =>
  Buffer.concat([Buffer.from([0, 47]), Buffer.from([1]), node, Buffer.from([2, 0]), str(browseName), displayName === undefined ? Buffer.from([0]) : Buffer.concat([Buffer.from([2]), str(displayName)]), u32(2), Buffer.from([0, 63])]);
const responseHeader = Buffer.concat([Buffer.alloc(8), u32(9), u32(0), Buffer.from([0]), u32(0xffffffff), Buffer.from([0, 0, 0])]);
function browseResponse(references: Buffer[]): Buffer {
  const result = Buffer.concat([u32(0), u32(0xffffffff), u32(references.length), ...references]);
  const body = Buffer.concat([u32(1), u32(1), u32(2), u32(7), Buffer.from([1, 0, 0x12, 0x02]), responseHeader, u32(1), result, u32(0xffffffff)]);
  const h = Buffer.from('MSGF\0\0\0\0', 'latin1');
  h.writeUInt32LE(8 + body.length, 4);
  return Buffer.concat([h, body]);
}
const NONE = 'http://opcfoundation.org/UA/SecurityPolicy#None';
function decode(m: Buffer) {
  const ch = new OpcuaChannel();
  ch.securityPolicyUri = NONE;
  return ch.decode(m, 0, m.length, false)!;
}
const asOperation = (rec: ReturnType<typeof decode>): Operation => ({ ...rec, client: { ip: '10.0.0.2', port: 50000 }, server: { ip: '10.0.0.1', port: 4840 }, flowId: 'f', evidence: { ts: 1, frame: 1, bytes: 0 } });

describe('OPC UA words', () => {
  it('names services without their Request suffix, messages that name none by their type', () => {
    expect(opcuaCode(673)).toBe('Write (service 673)');
    expect(opcuaCode(631)).toBe('Read (service 631)');
    expect(opcuaCodeWords('ReadResponse', 634)).toBe('ReadResponse (service 634)');
    expect(opcuaCodeWords('Hello', 0x48454c)).toBe('Hello (HEL)');
    expect(opcuaCodeWords('EncryptedMessage', 0x4d5347)).toBe('EncryptedMessage (MSG)');
  });

  it('learns node names from a Browse response and puts them beside the node ids', () => {
    const rec = decode(browseResponse([reference(stringNode(2, 'Line1.Setpoint'), 'Setpoint', 'Line 1 setpoint'), reference(stringNode(2, 'Line1.Level'), 'Level')]));
    expect(rec.codeName).toBe('BrowseResponse');
    const claims = opcua.identity(asOperation(rec));
    expect(claims).toContainEqual({ endpoint: 'server', slot: 'opcuaNames', fields: { 'ns=2;s=Line1.Setpoint': 'Line 1 setpoint', 'ns=2;s=Line1.Level': 'Level' }, limit: 2000 });
    const names = new Map(Object.entries(claims.find((c) => c.slot === 'opcuaNames')!.fields as Record<string, string>));
    expect(opcuaTarget({ type: 'opcua', nodeId: 'ns=2;s=Line1.Setpoint', attribute: 13 }, names)).toBe('ns=2;s=Line1.Setpoint (Line 1 setpoint)');
    expect(opcuaTarget({ type: 'opcua', nodeId: 'ns=2;s=Line1.Level', attribute: 5 }, names)).toBe('ns=2;s=Line1.Level (Level) Description');
    expect(opcuaTarget({ type: 'opcua', nodeId: 'ns=2;i=7', methodId: 'ns=2;s=Line1.Setpoint' }, names)).toBe('method ns=2;s=Line1.Setpoint (Line 1 setpoint) of ns=2;i=7');
    // The slot is no identity the inventory shows.
    expect(opcua.describeIdentity('opcuaNames', { 'ns=2;s=Line1.Level': 'Level' })).toBeUndefined();
  });

  it('keeps at most BROWSE_NAMES_KEPT names of a response, says so, and never throws on a cut one', () => {
    const many = Array.from({ length: BROWSE_NAMES_KEPT + 5 }, (_, i) => reference(stringNode(2, `Tag${i}`), `Tag ${i}`));
    const rec = decode(browseResponse(many));
    expect(rec.details!.browsedNodes).toHaveLength(BROWSE_NAMES_KEPT);
    expect(rec.details!.browseNamesTruncated).toBe(true);
    const whole = browseResponse([reference(stringNode(2, 'Line1.Setpoint'), 'Setpoint')]);
    for (let cut = 8; cut < whole.length; cut++) {
      const m = Buffer.from(whole.subarray(0, cut));
      m.writeUInt32LE(cut, 4);
      expect(() => decode(m)).not.toThrow();
    }
  });
});
