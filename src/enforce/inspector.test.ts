// The inspector on hand-made IP packets, as NFQUEUE hands them over: the evasions a per-packet
// decision must not fall for (split, pipelined, overlapping, out-of-order and malformed requests).

import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../policy/evaluate.js';
import type { Policy } from '../policy/model.js';
import { Inspector, type InspectionEvent } from './inspector.js';
import { cellPolicy } from '../test-support/cell-policy.js';
import { NF_ACCEPT, NF_DROP, NF_MANGLED } from './nfqueue.js';
import { ACK, PSH, SYN, tcpSegment } from '../test-support/ip-packets.js';

const HMI = '10.0.0.21';
const PLC = '10.0.0.11';

const policy = cellPolicy(HMI, PLC);

/** The same with onDeny: drop, so that verdicts show as plain drops. */
const dropping: Policy = { ...policy, conduits: [{ ...policy.conduits[0]!, onDeny: 'drop' }] };

/** An IPv4/TCP packet from the HMI to the PLC's port 502. */
function segment(seq: number, payload: Buffer, flags = ACK | PSH): Buffer {
  return tcpSegment(HMI, PLC, 40000, 502, seq, payload, flags);
}

/** RFC 1071 sum over a range, folded: 0xffff when the range holds its own correct checksum. */
function onesComplement(b: Buffer, off: number, len: number, acc = 0): number {
  for (let k = 0; k < len; k += 2) acc += (b[off + k]! << 8) | (b[off + k + 1] ?? 0);
  while (acc > 0xffff) acc = (acc & 0xffff) + (acc >>> 16);
  return acc;
}

/** The TCP segment of an IPv4 packet summed with its pseudo-header. */
function tcpSum(p: Buffer): number {
  const len = p.length - 20;
  return onesComplement(p, 20, len, onesComplement(p, 12, 8) + 6 + len);
}

/** A Modbus/TCP ADU: MBAP (length from the PDU unless given) and PDU. */
function adu(tid: number, pdu: number[], length = pdu.length + 1): Buffer {
  return Buffer.from([tid >> 8, tid & 0xff, 0, 0, length >> 8, length & 0xff, 1, ...pdu]);
}
const read = (tid: number, start = 0, count = 10) => adu(tid, [3, start >> 8, start & 0xff, 0, count]);
const write = (tid: number, register = 5) => adu(tid, [6, 0, register, 0, 42]);

function inspector(mode: 'enforce' | 'learn' = 'enforce', p: Policy = dropping) {
  const events: InspectionEvent[] = [];
  const i = new Inspector(compilePolicy(p), mode, (e) => events.push(e));
  const isn = 1000;
  expect(i.verdict(segment(isn, Buffer.alloc(0), SYN))).toBe(NF_ACCEPT);
  return { i, events, start: isn + 1 };
}

describe('inline inspection of Modbus/TCP segments', () => {
  it('passes an allowed read and drops a write, with the reason', () => {
    const { i, events, start } = inspector();
    expect(i.verdict(segment(start, read(1)))).toBe(NF_ACCEPT);
    expect(i.verdict(segment(start + 12, write(2)))).toBe(NF_DROP);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: 'deny', code: 6, client: HMI, server: PLC });
    expect(events[0]!.reason).toMatch(/Modbus Write Single Register \(FC 6\) on unit 1 holding registers 40006 \(5\)/);
    // The event keeps the request refused, so that a proposal can allow it (policy/adapt.ts).
    expect(events[0]!.operation).toEqual({ protocol: 'modbus', kind: 'write', code: 6, codeName: expect.any(String), port: 502, targets: [{ type: 'modbus', unit: 1, table: 'holding_registers', start: 5, count: 1 }] });
  });

  it('refuses urgent data; in learn mode the stream goes on after it as the server got it', () => {
    const { i, events, start } = inspector('learn');
    const urgent = segment(start, read(1), ACK | PSH | 0x20);
    expect(i.verdict(urgent)).toBe(NF_ACCEPT);
    expect(i.verdict(segment(start + 12, read(2)))).toBe(NF_ACCEPT);
    expect(events.map((e) => e.reasonCode)).toEqual(['stream_integrity']);
    expect(events[0]!.reason).toMatch(/urgent data/);
  });

  it('drops a write pipelined behind an allowed read in one segment', () => {
    const { i, events, start } = inspector();
    expect(i.verdict(segment(start, Buffer.concat([read(1), write(2)])))).toBe(NF_DROP);
    expect(events[0]!.code).toBe(6);
  });

  it('reassembles a request split across segments and judges it when its last byte arrives', () => {
    const { i, events, start } = inspector();
    const r = read(1);
    expect(i.verdict(segment(start, r.subarray(0, 5)))).toBe(NF_ACCEPT); // a prefix the server cannot act on
    expect(i.verdict(segment(start + 5, r.subarray(5)))).toBe(NF_ACCEPT);
    const w = write(2);
    expect(i.verdict(segment(start + 12, w.subarray(0, 7)))).toBe(NF_ACCEPT);
    expect(i.verdict(segment(start + 19, w.subarray(7)))).toBe(NF_DROP);
    expect(events).toHaveLength(1);
    expect(events[0]!.code).toBe(6);
    // Its retransmission is judged the same; a retransmitted prefix with other bytes is refused.
    expect(i.verdict(segment(start + 12, w))).toBe(NF_DROP);
    const changed = Buffer.from(w.subarray(0, 7));
    changed[0] = 0x7f;
    expect(i.verdict(segment(start + 12, changed))).toBe(NF_DROP);
    expect(events[2]!.reason).toMatch(/retransmission whose bytes differ/);
    // The next request completes the pending prefix as the server would frame it (function code 0
    // here, from the read's first bytes): judged as such, and dropped.
    expect(i.verdict(segment(start + 19, read(3)))).toBe(NF_DROP);
  });

  it('drops a request too large to reassemble inline', () => {
    const { i, events, start } = inspector();
    // An OPC UA chunk header claiming 1 MB on the OPC UA side of the policy's host pair.
    const p = segment(start, Buffer.concat([Buffer.from('MSGF'), Buffer.from([0, 0, 16, 0]), Buffer.alloc(8)]));
    p.writeUInt16BE(4840, 22);
    expect(i.verdict(p)).toBe(NF_DROP);
    expect(events[0]!.reason).toMatch(/OPC UA request of 1048576 bytes exceeds the inline inspection limit/);
  });

  it('drops a malformed MBAP length and a request whose fields disagree', () => {
    const { i, events, start } = inspector();
    expect(i.verdict(segment(start, adu(1, [3, 0, 0, 0, 10], 300)))).toBe(NF_DROP);
    expect(events[0]!.reason).toMatch(/malformed Modbus header \(invalid_length\)/);
    // A read of 0-9 whose MBAP length says the PDU goes on: the device may see more than was inspected.
    expect(i.verdict(segment(start, adu(2, [3, 0, 0, 0, 10, 6, 0, 5])))).toBe(NF_DROP);
    expect(events[1]!.reason).toMatch(/malformed .* request \(trailing_bytes/);
  });

  it('passes an identical retransmission and drops one whose bytes turned into a write', () => {
    const { i, events, start } = inspector();
    expect(i.verdict(segment(start, read(1)))).toBe(NF_ACCEPT);
    expect(i.verdict(segment(start, read(1)))).toBe(NF_ACCEPT);
    expect(i.verdict(segment(start, write(1)))).toBe(NF_DROP);
    expect(events).toHaveLength(1);
    expect(events[0]!.code).toBe(6);
  });

  it('drops a segment overlapping inspected data off its PDU boundaries', () => {
    // The receiver already has bytes start..start+11 (a read). A segment at start+6 frames as an
    // allowed read for the inspector, but the receiver keeps only its last 6 bytes: the start of
    // a PDU the next segment would complete as a write.
    const { i, events, start } = inspector();
    expect(i.verdict(segment(start, read(1)))).toBe(NF_ACCEPT);
    expect(i.verdict(segment(start + 6, read(2)))).toBe(NF_DROP);
    expect(events[0]!.reason).toMatch(/overlapping inspected data/);
    // Coalesced retransmission of the read with a new read behind it: on the boundaries, passes.
    expect(i.verdict(segment(start, Buffer.concat([read(1), read(2)])))).toBe(NF_ACCEPT);
    expect(i.verdict(segment(start + 24, read(3)))).toBe(NF_ACCEPT);
  });

  it('drops a segment ahead of the inspected stream; the in-order one then passes', () => {
    const { i, events, start } = inspector();
    expect(i.verdict(segment(start + 12, read(2)))).toBe(NF_DROP);
    expect(events[0]!.reason).toMatch(/ahead of the inspected stream/);
    expect(i.verdict(segment(start, read(1)))).toBe(NF_ACCEPT);
    expect(i.verdict(segment(start + 12, read(2)))).toBe(NF_ACCEPT);
  });

  it('picks a connection up mid-stream (engine restarted) and follows it from there', () => {
    const events: InspectionEvent[] = [];
    const i = new Inspector(compilePolicy(dropping), 'enforce', (e) => events.push(e));
    expect(i.verdict(segment(0xfffffff8, read(1)))).toBe(NF_ACCEPT); // wraps around 2^32
    expect(i.verdict(segment(4, read(2)))).toBe(NF_ACCEPT);
    expect(i.verdict(segment(16 + 3, read(3)))).toBe(NF_DROP);
    expect(events).toHaveLength(1);
  });

  it('in learn mode drops nothing, reports what it would have denied, and follows the stream', () => {
    const { i, events, start } = inspector('learn');
    expect(i.verdict(segment(start, write(1)))).toBe(NF_ACCEPT);
    expect(i.verdict(segment(start + 24, read(3)))).toBe(NF_ACCEPT); // ahead (a segment was lost before the gateway)
    expect(i.verdict(segment(start + 36, read(4)))).toBe(NF_ACCEPT);
    expect(events.map((e) => e.action)).toEqual(['would-deny', 'would-deny']);
    expect(events[1]!.reason).toMatch(/ahead of the inspected stream/);
  });

  it('by default (onDeny: reset) turns the denied request into a RST to the server and the next client segment into a bare ACK', () => {
    const { i, events, start } = inspector('enforce', policy);
    expect(i.verdict(segment(start, read(1)))).toBe(NF_ACCEPT);
    const denied = segment(start + 12, write(2));
    expect(i.verdict(denied)).toBe(NF_MANGLED);
    expect(events[0]!.reason).toMatch(/Modbus Write Single Register \(FC 6\) .*; connection reset$/);
    const rst = denied.subarray(0, denied.readUInt16BE(2));
    expect(rst.length).toBe(40); // no byte of the request is left
    expect(rst[33]).toBe(0x14); // RST|ACK
    expect(rst.readUInt32BE(24)).toBe(start + 12); // in the server's window: it takes it
    expect(onesComplement(rst, 0, 20)).toBe(0xffff);
    expect(tcpSum(rst)).toBe(0xffff);
    // The client retransmits: emptied into a bare ACK that the server (no connection now) answers with a RST.
    const again = segment(start + 12, write(2));
    expect(i.verdict(again)).toBe(NF_MANGLED);
    const ack = again.subarray(0, again.readUInt16BE(2));
    expect([ack.length, ack[33]]).toEqual([40, 0x10]);
    expect(tcpSum(ack)).toBe(0xffff);
    expect(events).toHaveLength(1);
    // A new connection on the same ports starts clean.
    expect(i.verdict(segment(5000, Buffer.alloc(0), SYN))).toBe(NF_ACCEPT);
    expect(i.verdict(segment(5001, read(1)))).toBe(NF_ACCEPT);
  });

  it('keeps its connection table bounded', () => {
    const events: InspectionEvent[] = [];
    const i = new Inspector(compilePolicy(dropping), 'enforce', (e) => events.push(e));
    const p = segment(1, read(1));
    for (let port = 0; port < 70_000; port++) {
      p.writeUInt16BE(port & 0xffff, 20);
      p.writeUInt32BE(port, 24);
      i.verdict(p);
    }
    expect(i.streams.size).toBe(65_536);
  });

  it('gives each denial its reason code (learn mode: the stream follows each one)', () => {
    const { i, events, start } = inspector('learn');
    i.verdict(segment(start, write(1)));
    i.verdict(segment(start + 12, read(2, 20)));
    i.verdict(segment(start + 24, adu(3, [3, 0, 0, 0, 0]))); // a read of no register
    expect(events.map((e) => e.reasonCode)).toEqual(['not_allowed_code', 'out_of_range', 'malformed']);
  });
});

/** An OPC UA Hello (version 0) naming `url`. */
function hello(url: string): Buffer {
  const body = Buffer.alloc(20 + 4 + url.length);
  body.writeUInt32LE(0, 0);
  for (let k = 4; k < 20; k += 4) body.writeUInt32LE(65536, k);
  body.writeInt32LE(url.length, 20);
  body.write(url, 24, 'latin1');
  const h = Buffer.from('HELF\0\0\0\0', 'latin1');
  h.writeUInt32LE(8 + body.length, 4);
  return Buffer.concat([h, body]);
}

describe('inline inspection of OPC UA on a port no protocol registers', () => {
  // An OPC UA rule without a port: the queue steers every TCP port between the two hosts.
  const opcua: Policy = {
    ...dropping,
    conduits: [{ ...dropping.conduits[0]!, rules: [{ id: 'hmi-ua', protocol: 'opcua', client: { hosts: [HMI] }, server: { hosts: [PLC] }, allow: [{ kinds: ['session', 'read'] }] }] }],
  };
  const on = (port: number) => (seq: number, payload: Buffer, flags = ACK | PSH) => tcpSegment(HMI, PLC, 40001, port, seq, payload, flags);

  it('recovers when the first data it sees is no chunk start (out of order), once the client sends the start', () => {
    const events: InspectionEvent[] = [];
    const i = new Inspector(compilePolicy(opcua), 'enforce', (e) => events.push(e));
    const seg = on(48010);
    const hel = hello('opc.tcp://10.0.0.11:48010');
    expect(i.verdict(seg(100, Buffer.alloc(0), SYN))).toBe(NF_ACCEPT);
    expect(i.verdict(seg(101 + 10, hel.subarray(10)))).toBe(NF_DROP); // ahead of the stream
    expect(i.verdict(seg(101, hel.subarray(0, 10)))).toBe(NF_ACCEPT); // a prefix of the Hello
    expect(i.verdict(seg(111, hel.subarray(10)))).toBe(NF_ACCEPT); // the Hello completed
    expect(events.map((e) => e.reasonCode)).toEqual(['stream_integrity']);
  });

  it('refuses a stream no protocol recognises on a steered host pair, saying so', () => {
    const events: InspectionEvent[] = [];
    const i = new Inspector(compilePolicy(opcua), 'learn', (e) => events.push(e));
    const seg = on(22);
    i.verdict(seg(500, Buffer.alloc(0), SYN));
    i.verdict(seg(501, Buffer.from('SSH-2.0-OpenSSH_9.2\r\n')));
    expect(events.map((e) => e.reasonCode)).toEqual(['uninspectable']);
    expect(events[0]!.reason).toMatch(/no inspected protocol recognises/);
  });
});


describe('inline inspection of OPC UA messages sent in several chunks', () => {
  const NONE = 'http://opcfoundation.org/UA/SecurityPolicy#None';
  const u32 = (n: number) => Buffer.from([n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24]);
  const str = (s: string) => Buffer.concat([u32(s.length), Buffer.from(s, 'latin1')]);
  const chunk = (type: string, body: Buffer) => Buffer.concat([Buffer.from(type, 'latin1'), u32(8 + body.length), body]);
  // RequestHeader: null auth token, timestamp, handle, diagnostics, audit id, timeout, no additional header.
  const header = Buffer.concat([Buffer.from([0, 0]), Buffer.alloc(8), u32(9), u32(0), u32(0xffffffff), u32(1000), Buffer.from([0, 0, 0])]);
  const opn = chunk('OPNF', Buffer.concat([u32(0), str(NONE), u32(0xffffffff), u32(0xffffffff), u32(1), u32(1), Buffer.from([1, 0, 0xbe, 0x01]), header, u32(0), u32(0), u32(1), u32(0), u32(3_600_000)]));
  const read = Buffer.concat([Buffer.from([1, 0, 0x77, 0x02]), header, Buffer.alloc(8), u32(0), u32(1), Buffer.from([3, 2, 0]), str('Motor.Speed'), u32(13), u32(0xffffffff), Buffer.from([0, 0]), u32(0xffffffff)]);
  const msg = (flag: 'C' | 'F', body: Buffer, requestId: number) => chunk(`MSG${flag}`, Buffer.concat([u32(7), u32(1), u32(requestId + 1), u32(requestId), body]));
  const policyOf = (kinds: ('session' | 'read')[]): Policy => ({
    ...dropping,
    conduits: [{ ...dropping.conduits[0]!, rules: [{ id: 'hmi-ua', protocol: 'opcua', port: 4840, client: { hosts: [HMI] }, server: { hosts: [PLC] }, allow: [{ kinds }] }] }],
  });
  /** An inspector with a None channel opened, and the sequence number its next segment takes. */
  const opened = (kinds: ('session' | 'read')[]) => {
    const events: InspectionEvent[] = [];
    const i = new Inspector(compilePolicy(policyOf(kinds)), 'enforce', (e) => events.push(e));
    const seg = (seq: number, payload: Buffer, flags = ACK | PSH) => tcpSegment(HMI, PLC, 40002, 4840, seq, payload, flags);
    expect(i.verdict(seg(100, Buffer.alloc(0), SYN))).toBe(NF_ACCEPT);
    expect(i.verdict(seg(101, opn))).toBe(NF_ACCEPT);
    return { i, seg, events, next: 101 + opn.length };
  };

  it('passes an allowed message chunk by chunk and judges it whole with its last chunk', () => {
    const { i, seg, events, next } = opened(['session', 'read']);
    const first = msg('C', read.subarray(0, 30), 5);
    expect(i.verdict(seg(next, first))).toBe(NF_ACCEPT);
    expect(i.verdict(seg(next + first.length, msg('F', read.subarray(30), 5)))).toBe(NF_ACCEPT);
    expect(events).toEqual([]);
    expect(i.streams.size).toBe(1);
  });

  it('drops a refused last chunk, and then nothing more of the connection: its channel moved past the server', () => {
    const { i, seg, events, next } = opened(['session']);
    const first = msg('C', read.subarray(0, 30), 5);
    expect(i.verdict(seg(next, first))).toBe(NF_ACCEPT);
    const at = next + first.length;
    expect(i.verdict(seg(at, msg('F', read.subarray(30), 5)))).toBe(NF_DROP);
    expect(events.map((e) => e.reasonCode)).toEqual(['not_allowed_code']);
    // The server holds the first chunk: another last chunk in the refused one's place, allowed
    // on its own (CloseSession), would complete the read there. It is not let by.
    const closeSession = Buffer.concat([Buffer.from([1, 0, 0xd9, 0x01]), header, Buffer.from([1])]);
    expect(i.verdict(seg(at, msg('F', closeSession, 5)))).not.toBe(NF_ACCEPT);
  });
});
