import { describe, expect, it } from 'vitest';
import { frameOpcua, looksLikeOpcua } from './framing.js';
import { OpcuaChannel } from './opcua.js';
import { ReassemblyBudget } from '../reassembly.js';

const NONE = 'http://opcfoundation.org/UA/SecurityPolicy#None';

function str(s: string): Buffer {
  const b = Buffer.alloc(4 + s.length);
  b.writeInt32LE(s.length, 0);
  b.write(s, 4, 'latin1');
  return b;
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n, 0);
  return b;
}
function chunk(type: string, flag: string, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.write(type + flag, 0, 'latin1');
  h.writeUInt32LE(8 + body.length, 4);
  return Buffer.concat([h, body]);
}
const hello = chunk('HEL', 'F', Buffer.concat([u32(0), u32(65536), u32(65536), u32(0), u32(0), str('opc.tcp://plc:4840')]));
// RequestHeader: null auth token, timestamp, handle 9, diagnostics, audit id, timeout, no additional header.
const requestHeader = Buffer.concat([Buffer.from([0, 0]), Buffer.alloc(8), u32(9), u32(0), u32(0xffffffff), u32(1000), Buffer.from([0, 0, 0])]);
const stringNodeId = (ns: number, s: string) => Buffer.concat([Buffer.from([3, ns, 0]), str(s)]);
const readBody = Buffer.concat([Buffer.from([1, 0]), Buffer.from([0x77, 0x02]), requestHeader, Buffer.alloc(8), u32(0), u32(1), stringNodeId(2, 'Motor.Speed'), u32(13), u32(0xffffffff), Buffer.from([0, 0]), u32(0xffffffff)]);
const msg = (flag: string, body: Buffer, requestId = 5) => chunk('MSG', flag, Buffer.concat([u32(1), u32(1), u32(2), u32(requestId), body]));

/** A scalar Variant of built-in type `type` holding `bytes`. */
const variant = (type: number, bytes: Buffer) => Buffer.concat([Buffer.from([type]), bytes]);
const f32 = (x: number) => {
  const b = Buffer.alloc(4);
  b.writeFloatLE(x);
  return b;
};
const f64 = (x: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(x);
  return b;
};
/** A DataValue with only a value. */
const dataValue = (v: Buffer) => Buffer.concat([Buffer.from([0x01]), v]);
/** A WriteRequest of (node, attribute, DataValue) triples, index range null. */
const writeBody = (writes: [string, number, Buffer][]) =>
  Buffer.concat([Buffer.from([1, 0, 0xa1, 0x02]), requestHeader, u32(writes.length), ...writes.map(([node, attr, dv]) => Buffer.concat([stringNodeId(2, node), u32(attr), u32(0xffffffff), dv]))]);
/** ResponseHeader: timestamp, handle 9, Good, no diagnostics, no string table, no additional header. */
const responseHeader = Buffer.concat([Buffer.alloc(8), u32(9), u32(0), Buffer.from([0]), u32(0xffffffff), Buffer.from([0, 0, 0])]);
const readResponse = (results: Buffer[]) => Buffer.concat([Buffer.from([1, 0, 0x7a, 0x02]), responseHeader, u32(results.length), ...results, u32(0xffffffff)]);

describe('OPC UA binary', () => {
  it('frames chunks and recognises a Hello', () => {
    expect(frameOpcua(hello, 0, hello.length)).toEqual({ status: 'ok', length: hello.length });
    expect(frameOpcua(hello, 0, 10)).toEqual({ status: 'incomplete', needed: hello.length - 10 });
    expect(looksLikeOpcua(hello, 0, hello.length)).toBe(true);
    expect(frameOpcua(Buffer.from('GET / HTTP/1.1\r\n'), 0, 16).status).toBe('invalid');
  });

  it('Hello carries the endpoint URL', () => {
    const rec = new OpcuaChannel().decode(hello, 0, hello.length, true)!;
    expect(rec).toMatchObject({ codeName: 'Hello', direction: 'request', kind: 'session', details: { endpointUrl: 'opc.tcp://plc:4840' } });
  });

  it('a Read request names its nodes and attributes', () => {
    const ch = new OpcuaChannel();
    ch.securityPolicyUri = NONE;
    const m = msg('F', readBody);
    const rec = ch.decode(m, 0, m.length, true)!;
    expect(rec).toMatchObject({ code: 631, codeName: 'ReadRequest', kind: 'read', requestHandle: 9, transactionId: 5, anomalies: [] });
    expect(rec.targets).toEqual([{ type: 'opcua', nodeId: 'ns=2;s=Motor.Speed', attribute: 13 }]);
  });

  it('reassembles a message sent in several chunks', () => {
    const ch = new OpcuaChannel();
    ch.securityPolicyUri = NONE;
    const first = msg('C', readBody.subarray(0, 20));
    const last = msg('F', readBody.subarray(20));
    expect(ch.decode(first, 0, first.length, true)).toBeUndefined();
    const rec = ch.decode(last, 0, last.length, true)!;
    expect(rec.targets).toEqual([{ type: 'opcua', nodeId: 'ns=2;s=Motor.Speed', attribute: 13 }]);
  });

  it('a message whose chunks do not fit the budget is flagged too large, and its bytes go back', () => {
    const budget = new ReassemblyBudget(16, 1024);
    const ch = new OpcuaChannel(budget);
    ch.securityPolicyUri = NONE;
    const first = msg('C', readBody.subarray(0, 20));
    const second = msg('C', readBody.subarray(20, 40));
    const last = msg('F', readBody.subarray(40));
    expect(ch.decode(first, 0, first.length, true)).toBeUndefined();
    expect(ch.decode(second, 0, second.length, true)).toBeUndefined();
    const rec = ch.decode(last, 0, last.length, true)!;
    expect(rec.anomalies[0]).toMatchObject({ type: 'message_too_large', detail: 'message 5 in 3 chunks does not fit the reassembly budget (16 bytes a connection, 1024 in all)' });
    expect(rec.targetsTruncated).toBe(true);
    expect(budget.held).toBe(0);
  });

  it('an unreadable message on a secured channel is channel-level and encrypted', () => {
    const ch = new OpcuaChannel();
    ch.securityPolicyUri = 'http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256';
    const m = msg('F', Buffer.from('8f1d22c0aa7163e4b2f09d11', 'hex'));
    expect(ch.decode(m, 0, m.length, true)).toMatchObject({ encrypted: true, codeName: 'EncryptedMessage', kind: 'unknown', targets: [] });
  });

  it('hostile lengths inside a body are anomalies, not exceptions', () => {
    const ch = new OpcuaChannel();
    ch.securityPolicyUri = NONE;
    const evil = Buffer.from(readBody);
    evil.writeUInt32LE(0x7fffffff, readBody.length - 29);
    const m = msg('F', evil);
    expect(() => ch.decode(m, 0, m.length, true)).not.toThrow();
  });

  it('a Write request carries the scalar numbers written to Value attributes, one a node', () => {
    const ch = new OpcuaChannel();
    ch.securityPolicyUri = NONE;
    const body = writeBody([
      ['Line1.Setpoint', 13, dataValue(variant(10, f32(21.7)))], // Float, as the decimal it was
      ['Line1.Name', 13, dataValue(Buffer.concat([Buffer.from([12]), str('pump')]))], // String: no number
      ['Line1.Speed', 13, dataValue(variant(11, f64(1450.25)))], // Double
      ['Line1.Run', 13, dataValue(variant(1, Buffer.from([1])))], // Boolean
      ['Line1.Speed', 4, dataValue(variant(6, u32(7)))], // an attribute other than Value
      ['Line1.Count', 13, dataValue(variant(8, Buffer.from('feffffffffffffff', 'hex')))], // Int64 -2
    ]);
    const m = msg('F', body);
    const rec = ch.decode(m, 0, m.length, true)!;
    expect(rec).toMatchObject({ codeName: 'WriteRequest', kind: 'write', anomalies: [] });
    expect(rec.targets.map((t) => t.type === 'opcua' && t.nodeId)).toEqual(['ns=2;s=Line1.Setpoint', 'ns=2;s=Line1.Name', 'ns=2;s=Line1.Speed', 'ns=2;s=Line1.Run', 'ns=2;s=Line1.Speed', 'ns=2;s=Line1.Count']);
    expect(rec.values).toEqual([21.7, null, 1450.25, 1, null, -2]);
  });

  it('a Read response carries the scalar numbers read, by the index of its request\'s nodes', () => {
    const ch = new OpcuaChannel();
    ch.securityPolicyUri = NONE;
    const uint16Array = Buffer.concat([Buffer.from([0x85]), u32(2), Buffer.from([1, 0, 2, 0])]);
    // A value with a Bad status is no value.
    const bad = Buffer.concat([Buffer.from([0x03]), variant(6, u32(5)), u32(0x80340000)]);
    const statusOnly = Buffer.concat([Buffer.from([0x02]), u32(0x80340000)]);
    const m = msg('F', readResponse([dataValue(variant(6, u32(42))), dataValue(uint16Array), bad, statusOnly, dataValue(variant(3, Buffer.from([7])))]));
    const rec = ch.decode(m, 0, m.length, false)!;
    expect(rec).toMatchObject({ codeName: 'ReadResponse', direction: 'response', targets: [], anomalies: [] });
    expect(rec.values).toEqual([42, null, null, null, 7]);
  });

  it('a malformed Variant in a value is an anomaly, not an exception or a number', () => {
    for (const dv of [dataValue(variant(31, u32(1))), dataValue(variant(0x46, u32(1))), dataValue(Buffer.from([10, 0x00]))]) {
      const ch = new OpcuaChannel();
      ch.securityPolicyUri = NONE;
      const m = msg('F', writeBody([['Line1.Setpoint', 13, dv]]));
      let rec: ReturnType<OpcuaChannel['decode']>;
      expect(() => (rec = ch.decode(m, 0, m.length, true))).not.toThrow();
      expect(rec!.values).toBeUndefined();
      expect(rec!.anomalies.length).toBe(1);
    }
  });
});
