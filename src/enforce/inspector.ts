// Deep inspection of queued packets: every Modbus/TCP, OPC UA or BACnet/IP request goes through
// the one evaluator; a packet carrying or completing a denied operation is dropped. TCP is
// followed as the server's stream (stream-guard.ts): requests split across segments are judged
// when complete, and segments that overlap, run ahead of or change what was passed are dropped.
// A malformed header, a request the decoder finds anomalies in, a multi-chunk OPC UA request
// and the services of an encrypted OPC UA channel cannot be shown to be allowed: dropped unless
// a rule allows them as they are. A denied TCP request also ends its connection (tcp-rewrite.ts)
// unless its conduit says `onDeny: drop`: a request merely dropped stays in the client's TCP
// retransmission queue for minutes, and would reach the device after all the moment the
// gateway passes traffic again (fail-open, bypass, a policy change).

import { decodeBacnet } from '../../protocols/bacnet/bacnet.js';
import { decodeModbus, frameModbus } from '../../protocols/modbus/modbus.js';
import { ipString } from '../../protocols/net/address.js';
import { PacketInfo, TcpFlag, decodePacket } from '../../protocols/net/packet.js';
import { OpcuaChannel, frameOpcua } from '../../protocols/opcua/opcua.js';
import type { Operation, PduRecord } from '../../protocols/operation.js';
import type { Evaluator } from '../policy/evaluate.js';
import type { Conduit } from '../policy/model.js';
import { NF_ACCEPT, NF_DROP, NF_MANGLED } from './nfqueue.js';
import { rewriteSegment } from './tcp-rewrite.js';
import { SERVICE, type EnforceMode } from './nft-compiler.js';
import { LatencyMonitor } from './latency.js';
import { DEFAULT_LIMITS } from '../flow/limits.js';
import { StreamGuard, type SegmentProblem } from './stream-guard.js';

/** Raw IP, as NFQUEUE delivers it. */
const LINKTYPE_RAW = 101;
/** The largest request reassembled inline (Modbus ADUs are at most 260 bytes; an OPC UA chunk is negotiated). */
const MAX_INLINE_PDU = 65_536;
/** The intermediate-chunk type of an OPC UA secure message. */
const CHUNK_C = 0x43;

export interface InspectionEvent {
  action: 'deny' | 'would-deny';
  reason: string;
  ruleId?: string;
  client: string;
  server: string;
  code?: number;
}

type Endpoint = { ip: string; port: number };
type TcpProtocol = 'modbus' | 'opcua';

const NAMES: Record<TcpProtocol, string> = { modbus: 'Modbus', opcua: 'OPC UA' };

function segmentProblem(p: SegmentProblem, protocol: TcpProtocol, detail: string): string {
  switch (p) {
    case 'ahead':
      return 'a TCP segment ahead of the inspected stream (out of order: its framing cannot be checked yet)';
    case 'overlap':
      return 'a TCP segment overlapping inspected data off its PDU boundaries (the server would frame it differently)';
    case 'old':
      return 'a TCP segment retransmitting data older than the inspector remembers';
    case 'changed':
      return 'a TCP retransmission whose bytes differ from those already passed';
    case 'malformed':
      return `malformed ${NAMES[protocol]} header (${detail})`;
    case 'too_large':
      return `a ${NAMES[protocol]} request of ${detail} exceeds the inline inspection limit (${MAX_INLINE_PDU} bytes)`;
  }
}

export class Inspector {
  private readonly info = new PacketInfo();
  readonly counts = { packets: 0, allowed: 0, denied: 0 };
  /** Time from a packet's arrival in the inspector to its verdict, per conduit. */
  readonly latency = new LatencyMonitor();
  /** Client-to-server streams of inspected TCP connections (bounded like the flow table). */
  readonly streams = new StreamGuard(DEFAULT_LIMITS.maxFlows, MAX_INLINE_PDU);
  /** TCP ports where requests are Modbus; other queued TCP is OPC UA (it runs on any port). */
  private modbusPorts = new Set<number>();
  private current!: Evaluator;
  private readonly records: PduRecord[] = [];

  constructor(
    evaluator: Evaluator,
    /** Switched at run time: in learn mode nothing is dropped. */
    public mode: EnforceMode,
    private readonly onEvent: (e: InspectionEvent) => void,
    private readonly defaultModbusPorts: number[] = DEFAULT_LIMITS.modbusPorts,
  ) {
    this.evaluator = evaluator;
  }

  /** Replaced when another policy is put in force; packets in flight finish with the old one. */
  get evaluator(): Evaluator {
    return this.current;
  }

  set evaluator(e: Evaluator) {
    this.current = e;
    const ports = e.policy.conduits.flatMap((c) => c.rules.filter((r) => r.protocol === 'modbus').map((r) => r.port ?? SERVICE.modbus.port!));
    this.modbusPorts = new Set([...this.defaultModbusPorts, ...ports]);
  }

  /** The verdict for one queued packet, timed for its conduit's latency budget. */
  verdict(packet: Buffer): number {
    const start = process.hrtime.bigint();
    this.conduit = undefined;
    const v = this.decide(packet);
    if (this.conduit !== undefined) this.latency.record(this.conduit, Number(process.hrtime.bigint() - start) / 1000);
    return v;
  }

  /** The conduit the last verdict was given on. */
  private conduit: string | undefined;

  private decide(packet: Buffer): number {
    this.counts.packets++;
    const i = this.info;
    if (!decodePacket(LINKTYPE_RAW, packet, i)) return NF_ACCEPT;
    if (i.ipProto === 17) {
      if (i.payloadLength === 0) return NF_ACCEPT;
      const client = { ip: ipString(packet, i.srcIpOffset, i.ipVersion), port: i.srcPort };
      const server = { ip: ipString(packet, i.dstIpOffset, i.ipVersion), port: i.dstPort };
      this.records.length = 0;
      this.records.push(decodeBacnet(packet, i.payloadOffset, i.payloadLength));
      return this.judge(this.records, undefined, client, server, i.payloadLength);
    }
    if (i.ipProto !== 6) return NF_ACCEPT;
    // Bare segments pass without a look, but those that start or end a stream.
    if (i.payloadLength === 0 && !(i.tcpFlags & (TcpFlag.SYN | TcpFlag.RST | TcpFlag.FIN))) return NF_ACCEPT;
    const client = { ip: ipString(packet, i.srcIpOffset, i.ipVersion), port: i.srcPort };
    const server = { ip: ipString(packet, i.dstIpOffset, i.ipVersion), port: i.dstPort };
    const key = `${client.ip} ${client.port} ${server.ip} ${server.port}`;
    const now = Date.now();
    const g = this.streams;
    let seq = i.tcpSeq;
    if (i.tcpFlags & TcpFlag.SYN) {
      g.open(key, seq, now);
      seq = (seq + 1) >>> 0;
    }
    if (i.payloadLength === 0) {
      if (i.tcpFlags & (TcpFlag.RST | TcpFlag.FIN)) g.close(key);
      return NF_ACCEPT;
    }
    // A connection the gateway reset: none of the client's bytes pass; its segment, emptied,
    // makes the server answer with a RST of its own.
    if (this.mode === 'enforce' && g.isReset(key)) return rewriteSegment(packet, i, TcpFlag.ACK) > 0 ? NF_MANGLED : NF_DROP;

    const protocol: TcpProtocol = this.modbusPorts.has(server.port) ? 'modbus' : 'opcua';
    const records = this.records;
    records.length = 0;
    let problem: string | undefined;
    if (!g.inspect(key, seq, packet, i.payloadOffset, i.payloadLength, protocol === 'modbus' ? frameModbus : frameOpcua, now)) problem = segmentProblem(g.problem!, protocol, g.detail);
    else if (protocol === 'modbus') {
      for (let k = 0; k < g.pduCount; k++) {
        const p = g.pdus[k]!;
        records.push(decodeModbus(p.buf, p.off, p.len, 'request'));
      }
    } else {
      const channel = g.state(key, seq, now, () => new OpcuaChannel());
      for (let k = 0; k < g.pduCount && !problem; k++) {
        const p = g.pdus[k]!;
        // Reassembling chunked messages inline would hold up to megabytes per connection.
        if (p.buf[p.off + 3] === CHUNK_C) problem = 'an OPC UA request sent in several chunks cannot be inspected inline';
        else {
          const rec = channel.decodeChunk(p.buf, p.off, p.len, true);
          if (rec) records.push(rec);
        }
      }
    }
    const v = this.judge(records, problem, client, server, i.payloadLength);
    if (v === NF_ACCEPT) {
      if (problem) g.resync(key, seq, i.payloadLength, now); // learn mode: the stream follows what passed
      else g.commit(key, now);
    } else if (this.resetting) {
      g.markReset(key, seq, now);
      return rewriteSegment(packet, i, TcpFlag.RST | TcpFlag.ACK) > 0 ? NF_MANGLED : NF_DROP;
    }
    if (i.tcpFlags & (TcpFlag.FIN | TcpFlag.RST)) g.close(key);
    return v;
  }

  /** The verdict on a packet's requests (or on the problem that kept them from being inspected). */
  private judge(records: PduRecord[], problem: string | undefined, client: Endpoint, server: Endpoint, bytes: number): number {
    this.resetting = false;
    if (problem) {
      const c = this.evaluator.conduitBetween(client, server);
      this.conduit = c?.id;
      return this.deny(`denied: ${problem}, from ${client.ip} to ${server.ip}:${server.port}`, client.ip, server.ip, undefined, undefined, c);
    }
    for (const rec of records) {
      if (rec.direction === 'response') continue;
      const op = rec as Operation;
      op.client = client;
      op.server = server;
      op.flowId = '';
      op.evidence = { ts: Date.now() / 1000, frame: this.counts.packets, bytes };
      const v = this.evaluator.evaluate(op);
      this.conduit = v.conduitId;
      const conduit = v.conduitId !== undefined ? this.evaluator.policy.conduits.find((c) => c.id === v.conduitId) : undefined;
      if (v.action === 'deny') {
        const why = op.encrypted ? `${v.reason}; the channel is encrypted, so its services cannot be inspected: only a rule allowing the channel as a whole (kind unknown) lets it through` : v.reason;
        return this.deny(why, client.ip, server.ip, op.code, v.ruleId, conduit);
      }
      // What a device makes of a malformed request is its own guess: it cannot be shown to be allowed.
      const a = op.anomalies[0];
      if (a) return this.deny(`denied: malformed ${op.codeName} request (${a.type}${a.detail ? `: ${a.detail}` : ''}), from ${client.ip} to ${server.ip}:${server.port}`, client.ip, server.ip, op.code, v.ruleId, conduit);
    }
    this.counts.allowed++;
    return NF_ACCEPT;
  }

  /** The last denial ends its TCP connection (the conduit's onDeny, reset unless it says drop). */
  private resetting = false;

  private deny(reason: string, client: string, server: string, code?: number, ruleId?: string, conduit?: Conduit): number {
    this.counts.denied++;
    const enforce = this.mode === 'enforce';
    this.resetting = enforce && this.info.ipProto === 6 && (conduit?.onDeny ?? 'reset') === 'reset';
    const e: InspectionEvent = { action: enforce ? 'deny' : 'would-deny', reason: this.resetting ? `${reason}; connection reset` : reason, client, server };
    if (ruleId) e.ruleId = ruleId;
    if (code !== undefined) e.code = code;
    this.onEvent(e);
    return enforce ? NF_DROP : NF_ACCEPT;
  }
}
