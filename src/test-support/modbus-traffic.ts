// Hand-made Modbus/TCP traffic for unit tests, fed straight into a packet consumer (the flow
// decoder, a learner): hosts with MACs, connections that open with a SYN, request/response
// exchanges with their own transaction ids and sequence numbers, at the times a test names.

import { closeSync, openSync, writeSync } from 'node:fs';
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
    /** Who answers: a man in the middle may take the server's place (its address, another MAC). */
    public server: Host,
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

  /** A request nobody answers. */
  ask(request: number[], ts: number, unit = 1): void {
    const q = adu(this.nextTid(), request, unit);
    this.traffic.send(this.client, this.server, this.sport, 502, this.c, q, ts);
    this.c += q.length;
  }

  /** Read holding registers start..start+count-1 (FC 3), answered with `values` (zeros by default). */
  readHolding(start: number, count: number, ts: number, values: readonly number[] = Array<number>(count).fill(0)): void {
    this.exchange([3, start >> 8, start & 0xff, 0, count], [3, count * 2, ...values.flatMap((v) => [(v >> 8) & 0xff, v & 0xff])], ts);
  }

  /** Write one holding register (FC 6), echoed. */
  writeHolding(register: number, value: number, ts: number): void {
    const pdu = [6, register >> 8, register & 0xff, value >> 8, value & 0xff];
    this.exchange(pdu, pdu, ts);
  }
}

/** Bytes gathered before they are written: a capture of any length in bounded memory. */
const WRITE_CHUNK = 1 << 20;

/** Packets as pcap records (Ethernet, microseconds) into the file at `path`, in the order given. */
export class PcapFileWriter {
  private readonly fd: number;
  private parts: Buffer[] = [];
  private bytes = 0;
  /** Records written so far: the frame number of the last one. */
  frames = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
    this.push(pcapFileHeader(ETHERNET));
  }

  write(p: PacketInput): void {
    const s = Math.floor(p.ts);
    this.push(pcapRecordHeader(s, Math.round((p.ts - s) * 1e6), p.frame.length));
    this.push(p.frame);
    this.frames++;
  }

  close(): void {
    this.drain();
    closeSync(this.fd);
  }

  private push(b: Buffer): void {
    this.parts.push(b);
    this.bytes += b.length;
    if (this.bytes >= WRITE_CHUNK) this.drain();
  }

  private drain(): void {
    writeSync(this.fd, Buffer.concat(this.parts));
    this.parts = [];
    this.bytes = 0;
  }
}

/** The traffic `build` makes, written as a classic pcap (Ethernet, microseconds) at `path`. */
export function writeModbusCapture(path: string, build: (t: ModbusTraffic) => void): void {
  const out = new PcapFileWriter(path);
  build(new ModbusTraffic((p) => out.write(p)));
  out.close();
}
