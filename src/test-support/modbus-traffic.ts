// Hand-made Modbus/TCP traffic for unit tests, fed straight into a packet consumer (the flow
// decoder, a learner): hosts with MACs, connections that open with a SYN, request/response
// exchanges with their own transaction ids and sequence numbers, at the times a test names.

import { writeFileSync } from 'node:fs';
import type { PacketInput } from '../flow/operation-decoder.js';
import { ethernet, SYN, tcpSegment } from './ip-packets.js';
import { pcapFileHeader, pcapRecordHeader } from './pcap-writer.js';

export interface Host {
  ip: string;
  mac: string;
}

const ETHERNET = 1;

/** A Modbus ADU: transaction id, unit, PDU bytes. */
export const adu = (tid: number, pdu: number[], unit = 1) => Buffer.from([tid >> 8, tid & 0xff, 0, 0, 0, pdu.length + 1, unit, ...pdu]);

export class ModbusTraffic {
  private index = 0;
  private tid = 0;

  constructor(private readonly sink: (p: PacketInput) => void) {}

  send(from: Host, to: Host, sport: number, dport: number, seq: number, payload: Buffer, ts: number, flags?: number): void {
    this.sink({ index: ++this.index, linkType: ETHERNET, ts, frame: ethernet(from.mac, to.mac, tcpSegment(from.ip, to.ip, sport, dport, seq, payload, flags)) });
  }

  /** A connection from `client` port `sport` to `server` port 502, opened at `ts`. */
  connect(client: Host, server: Host, sport: number, ts: number): ModbusConnection {
    this.send(client, server, sport, 502, 99, Buffer.alloc(0), ts, SYN);
    return new ModbusConnection(this, client, server, sport, () => ++this.tid);
  }
}

export class ModbusConnection {
  private c = 100;
  private s = 500;

  constructor(
    private readonly traffic: ModbusTraffic,
    readonly client: Host,
    readonly server: Host,
    readonly sport: number,
    private readonly nextTid: () => number,
  ) {}

  /** A request and its response `delay` seconds later (4 ms). */
  exchange(request: number[], response: number[], ts: number, unit = 1, delay = 0.004): void {
    const tid = this.nextTid();
    const q = adu(tid, request, unit);
    const r = adu(tid, response, unit);
    this.traffic.send(this.client, this.server, this.sport, 502, this.c, q, ts);
    this.traffic.send(this.server, this.client, 502, this.sport, this.s, r, ts + delay);
    this.c += q.length;
    this.s += r.length;
  }

  /** Read holding registers start..start+count-1 (FC 3), answered with zeros. */
  readHolding(start: number, count: number, ts: number): void {
    this.exchange([3, start >> 8, start & 0xff, 0, count], [3, count * 2, ...Array<number>(count * 2).fill(0)], ts);
  }

  /** Write one holding register (FC 6), echoed. */
  writeHolding(register: number, value: number, ts: number): void {
    const pdu = [6, register >> 8, register & 0xff, value >> 8, value & 0xff];
    this.exchange(pdu, pdu, ts);
  }
}

/** The traffic `build` makes, written as a classic pcap (Ethernet, microseconds) at `path`. */
export function writeModbusCapture(path: string, build: (t: ModbusTraffic) => void): void {
  const parts: Buffer[] = [pcapFileHeader(ETHERNET)];
  build(
    new ModbusTraffic((p) => {
      const s = Math.floor(p.ts);
      parts.push(pcapRecordHeader(s, Math.round((p.ts - s) * 1e6), p.frame.length), p.frame);
    }),
  );
  writeFileSync(path, Buffer.concat(parts));
}
