// The flow decoder on hand-made traffic: requests split and out of order, a first header split
// across segments, retransmissions, evasion by a retransmission with other bytes, and the
// non-IP frames learning counts.

import { describe, expect, it } from 'vitest';
import type { Operation } from '../../protocols/operation.js';
import { ACK, ethernet, PSH, SYN, tcpSegment, udpDatagram } from '../test-support/ip-packets.js';
import type { FlowEndReason } from './flow.js';
import { OperationDecoder, type StreamEvent } from './operation-decoder.js';

const HMI = '10.0.0.21';
const PLC = '10.0.0.11';
const LINKTYPE_RAW = 101;
const LINKTYPE_ETHERNET = 1;
/** Modbus read of holding registers 0-9, transaction `tid`. */
const read = (tid: number) => Buffer.from([0, tid, 0, 0, 0, 6, 1, 3, 0, 0, 0, 10]);
/** Its response: ten registers (20 bytes) of value 7. */
const registers = (tid: number) => Buffer.concat([Buffer.from([0, tid, 0, 0, 0, 23, 1, 3, 20]), Buffer.alloc(20, 7)]);
/** An OPC UA Hello whose message is `size` bytes (its endpoint URL padded to fit). */
function hello(size: number): Buffer {
  const h = Buffer.alloc(size);
  h.write('HELF', 0, 'latin1');
  h.writeUInt32LE(size, 4);
  h.writeUInt32LE(65536, 12);
  h.writeUInt32LE(65536, 16);
  h.writeInt32LE(size - 32, 28);
  h.write('opc.tcp://plc:4840/'.padEnd(size - 32, 'x'), 32, 'latin1');
  return h;
}

/** A decoder that has seen the HMI open a connection to the PLC's `port`. */
function decoder(port = 502) {
  const ops: Operation[] = [];
  const events: StreamEvent[] = [];
  const d = new OperationDecoder((op) => ops.push(op), (e) => events.push(e));
  let index = 0;
  const send = (packet: Buffer, ts: number, linkType = LINKTYPE_RAW) => d.packet({ index: ++index, linkType, ts, frame: packet });
  send(tcpSegment(HMI, PLC, 40000, port, 99, Buffer.alloc(0), SYN), 1);
  return { d, ops, events, send };
}

describe('the flow decoder', () => {
  it('reassembles requests split across segments, in order and out of order, dated by the segment that completes them', () => {
    const { ops, send } = decoder();
    send(tcpSegment(HMI, PLC, 40000, 502, 100, read(1)), 1.5);
    const [a, b] = [read(2), read(3)];
    send(tcpSegment(HMI, PLC, 40000, 502, 112, a.subarray(0, 5)), 2.0);
    expect(ops).toHaveLength(1);
    send(tcpSegment(HMI, PLC, 40000, 502, 117, a.subarray(5)), 2.5);
    expect(ops.map((o) => [o.transactionId, o.evidence.ts])).toEqual([
      [1, 1.5],
      [2, 2.5],
    ]);
    expect(ops[1]).toMatchObject({ codeName: 'Read Holding Registers', direction: 'request', targets: [{ unit: 1, table: 'holding_registers', start: 0, count: 10 }] });
    // The next request's tail first: held until the hole before it is filled.
    send(tcpSegment(HMI, PLC, 40000, 502, 129, b.subarray(5)), 3.0);
    expect(ops).toHaveLength(2);
    send(tcpSegment(HMI, PLC, 40000, 502, 124, b.subarray(0, 5)), 3.5);
    expect(ops.map((o) => o.transactionId)).toEqual([1, 2, 3]);
  });

  it('recognises a new connection whose first header came in pieces, and decodes its request and response', () => {
    const { ops, events, send } = decoder();
    const request = read(1);
    send(tcpSegment(HMI, PLC, 40000, 502, 100, request.subarray(0, 3)), 1.5);
    send(tcpSegment(HMI, PLC, 40000, 502, 103, request.subarray(3)), 1.6);
    send(tcpSegment(PLC, HMI, 502, 40000, 500, registers(1)), 1.7);
    expect(ops.map((o) => [o.direction, o.codeName, o.transactionId, o.evidence.ts, o.client.port])).toEqual([
      ['request', 'Read Holding Registers', 1, 1.6, 40000],
      ['response', 'Read Holding Registers', 1, 1.7, 40000],
    ]);
    expect(ops[0]!.targets).toEqual([{ type: 'modbus', unit: 1, table: 'holding_registers', start: 0, count: 10 }]);
    expect(events).toEqual([]);
  });

  it('lets a held start go when the next segment is a request on its own (a stray tail before the capture began)', () => {
    const { ops, send } = decoder();
    // Four bytes that could begin an MBAP header; with the next request's first two bytes
    // (transaction id 100) they announce 100 more bytes, which never come.
    send(tcpSegment(HMI, PLC, 40000, 502, 100, Buffer.from([0x12, 0x34, 0, 0])), 1.5);
    let seq = 104;
    for (let tid = 100; tid < 106; tid++, seq += 12) send(tcpSegment(HMI, PLC, 40000, 502, seq, read(tid)), 1.5 + (tid - 99) / 10);
    expect(ops.map((o) => o.transactionId)).toEqual([100, 101, 102, 103, 104, 105]);
  });

  it("the same for an OPC UA Hello split inside its 8-byte header, and gives up on one that does not fit the bytes held", () => {
    const split = decoder(4840);
    const h = hello(64);
    split.send(tcpSegment(HMI, PLC, 40000, 4840, 100, h.subarray(0, 5)), 1.5);
    split.send(tcpSegment(HMI, PLC, 40000, 4840, 105, h.subarray(5)), 1.6);
    expect(split.ops.map((o) => [o.codeName, o.details?.endpointUrl])).toEqual([['Hello', h.toString('latin1', 32)]]);
    const large = decoder(4840);
    const l = hello(2000);
    large.send(tcpSegment(HMI, PLC, 40000, 4840, 100, l.subarray(0, 5)), 1.5);
    large.send(tcpSegment(HMI, PLC, 40000, 4840, 105, l.subarray(5)), 1.6);
    expect(large.ops).toEqual([]);
    expect(large.events.map((e) => [e.event, e.detail])).toEqual([['not_protocol', 'no OPC UA message recognised in the first 512 bytes: traffic on this port is not decoded as OPC UA']]);
  });

  it('counts a retransmitted request once, and says so when a retransmission carries other bytes', () => {
    const { ops, events, send } = decoder();
    send(tcpSegment(HMI, PLC, 40000, 502, 100, read(1)), 2);
    send(tcpSegment(HMI, PLC, 40000, 502, 100, read(1)), 2.2);
    expect(ops).toHaveLength(1);
    const forged = read(1);
    forged[7] = 6; // the same bytes but the function code: a write in the read's place
    send(tcpSegment(HMI, PLC, 40000, 502, 100, forged), 2.4);
    expect(ops).toHaveLength(1);
    expect(events.map((e) => e.event)).toContain('overlap_conflict');
  });

  it('hands non-IP frames to the EtherType census, with their VLAN', () => {
    const { d, send } = decoder();
    const seen: [number, number][] = [];
    d.etherTypes = { note: (type, vlan) => void seen.push([type, vlan]) };
    send(ethernet('02:00:00:00:00:21', 'ff:ff:ff:ff:ff:ff', Buffer.alloc(28), 0x0806), 3, LINKTYPE_ETHERNET);
    const tagged = Buffer.concat([Buffer.from([0x00, 0x0a, 0x88, 0x92]), Buffer.alloc(40)]);
    send(ethernet('02:00:00:00:00:21', '01:0e:cf:00:00:00', tagged, 0x8100), 3, LINKTYPE_ETHERNET);
    send(ethernet('02:00:00:00:00:21', PLC_MAC, tcpSegment(HMI, PLC, 40000, 502, 100, read(1), ACK | PSH)), 3, LINKTYPE_ETHERNET);
    expect(seen).toEqual([
      [0x0806, -1],
      [0x8892, 10],
    ]);
  });

  it('forgets a quiet UDP conversation after two minutes and a quiet TCP connection after ten, and keeps one that still talks', () => {
    const ended: [string, FlowEndReason][] = [];
    const { d, send } = decoder();
    d.observer = { counters: () => {}, ended: (flowId, reason) => void ended.push([flowId, reason]) };
    // BACnet/IP readProperty of device 1's object name, confirmed, invoke id 1.
    const readProperty = Buffer.from([0x81, 0x0a, 0x00, 0x11, 0x01, 0x04, 0x00, 0x05, 0x01, 0x0c, 0x0c, 0x02, 0x00, 0x00, 0x01, 0x19, 0x4d]);
    send(tcpSegment(HMI, PLC, 40000, 502, 100, read(1)), 2);
    send(udpDatagram('10.0.0.30', '10.0.0.40', 47808, 47808, readProperty), 2);
    send(udpDatagram('10.0.0.31', '10.0.0.40', 47808, 47808, readProperty), 2);
    for (let t = 60; t <= 180; t += 60) send(udpDatagram('10.0.0.31', '10.0.0.40', 47808, 47808, readProperty), t);
    send(udpDatagram('10.0.0.99', '10.0.0.98', 47808, 47808, readProperty), 200);
    expect(ended).toEqual([['udp/10.0.0.30:47808-10.0.0.40:47808', 'idle']]);
    send(udpDatagram('10.0.0.97', '10.0.0.98', 47808, 47808, readProperty), 700);
    const ids = ['udp/10.0.0.30:47808-10.0.0.40:47808', 'tcp/10.0.0.21:40000-10.0.0.11:502', 'udp/10.0.0.31:47808-10.0.0.40:47808', 'udp/10.0.0.99:47808-10.0.0.98:47808'];
    expect(ended.map(([id]) => id)).toEqual(ids);
    expect(ended.every(([, reason]) => reason === 'idle')).toBe(true);
  });
});

const PLC_MAC = '02:00:00:00:00:11';
