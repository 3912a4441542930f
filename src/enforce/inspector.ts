// Deep inspection of queued packets: every complete Modbus or BACnet PDU in a packet goes through
// the one evaluator; a packet carrying any denied operation is dropped. Inspection is per packet,
// kept honest about the stream by the stream guard: a Modbus PDU split across TCP segments, a
// malformed header, a request the decoder finds anomalies in, or a segment that overlaps or runs
// ahead of the inspected stream cannot be shown to be allowed and is dropped too (clients send
// each request in one segment and in order; an evader does not get through). On a conduit with
// `onDeny: reset` a denied TCP request ends its connection instead (see tcp-rewrite.ts).

import { decodeBacnet } from '../../protocols/bacnet/bacnet.js';
import { decodeModbus, frameModbus } from '../../protocols/modbus/modbus.js';
import { ipString } from '../../protocols/net/address.js';
import { PacketInfo, TcpFlag, decodePacket } from '../../protocols/net/packet.js';
import type { Operation, PduRecord } from '../../protocols/operation.js';
import type { Evaluator } from '../policy/evaluate.js';
import type { Conduit } from '../policy/model.js';
import { NF_ACCEPT, NF_DROP, NF_MANGLED } from './nfqueue.js';
import { rewriteSegment } from './tcp-rewrite.js';
import type { EnforceMode } from './nft-compiler.js';
import { LatencyMonitor } from './latency.js';
import { DEFAULT_LIMITS } from '../flow/limits.js';
import { StreamGuard, type SegmentFit } from './stream-guard.js';

/** Raw IP, as NFQUEUE delivers it. */
const LINKTYPE_RAW = 101;

export interface InspectionEvent {
  action: 'deny' | 'would-deny';
  reason: string;
  ruleId?: string;
  client: string;
  server: string;
  code?: number;
}

type Endpoint = { ip: string; port: number };

const MISFIT: Record<Exclude<SegmentFit, 'ok'>, string> = {
  overlap: 'a TCP segment overlapping inspected data off its PDU boundaries (the receiver would frame it differently)',
  ahead: 'a TCP segment ahead of the inspected stream (out of order: its framing cannot be checked yet)',
  old: 'a TCP segment retransmitting data older than the inspector remembers',
};

export class Inspector {
  private readonly info = new PacketInfo();
  readonly counts = { packets: 0, allowed: 0, denied: 0 };
  /** Time from a packet's arrival in the inspector to its verdict, per conduit. */
  readonly latency = new LatencyMonitor();
  /** Client-to-server sequence state of inspected TCP connections (bounded like the flow table). */
  readonly streams = new StreamGuard(DEFAULT_LIMITS.maxFlows);

  constructor(
    /** Replaced when another policy is put in force; packets in flight finish with the old one. */
    public evaluator: Evaluator,
    /** Switched at run time: in learn mode nothing is dropped. */
    public mode: EnforceMode,
    private readonly onEvent: (e: InspectionEvent) => void,
    private readonly modbusPorts: number[] = DEFAULT_LIMITS.modbusPorts,
  ) {}

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
    const modbus = i.ipProto === 6 && this.modbusPorts.includes(i.dstPort);
    // Bare segments pass without a look, but those that start or end a stream.
    if (i.payloadLength === 0 && !(modbus && i.tcpFlags & (TcpFlag.SYN | TcpFlag.RST | TcpFlag.FIN))) return NF_ACCEPT;
    const client = { ip: ipString(packet, i.srcIpOffset, i.ipVersion), port: i.srcPort };
    const server = { ip: ipString(packet, i.dstIpOffset, i.ipVersion), port: i.dstPort };
    const records: PduRecord[] = [];
    let problem: string | undefined;
    let key: string | undefined;
    let seq = i.tcpSeq;
    if (modbus) {
      key = `${client.ip} ${client.port} ${server.ip} ${server.port}`;
      if (i.tcpFlags & TcpFlag.SYN) {
        this.streams.open(key, seq, Date.now());
        seq = (seq + 1) >>> 0;
      }
      if (i.tcpFlags & (TcpFlag.RST | TcpFlag.FIN) && i.payloadLength === 0) this.streams.close(key);
      if (i.payloadLength === 0) return NF_ACCEPT;
      // A connection the gateway reset: none of the client's bytes pass; its segment, emptied,
      // makes the server answer with a RST of its own.
      if (this.mode === 'enforce' && this.streams.isReset(key)) return rewriteSegment(packet, i, TcpFlag.ACK) > 0 ? NF_MANGLED : NF_DROP;
      const g = this.streams;
      g.beginSegment();
      let off = i.payloadOffset;
      const end = off + i.payloadLength;
      while (off < end && !problem) {
        const f = frameModbus(packet, off, end);
        if (f.status === 'ok') {
          records.push(decodeModbus(packet, off, f.length, 'request'));
          off += f.length;
          g.pduEnd(off - i.payloadOffset);
        } else problem = f.status === 'incomplete' ? 'a Modbus PDU split across TCP segments cannot be inspected' : `malformed Modbus header (${f.anomaly.type})`;
      }
      const fit = problem ? 'ok' : g.fit(key, seq);
      if (fit !== 'ok') problem = MISFIT[fit];
    } else if (i.ipProto === 17) {
      records.push(decodeBacnet(packet, i.payloadOffset, i.payloadLength));
    } else return NF_ACCEPT;
    const v = this.judge(records, problem, client, server, i.payloadLength);
    if (key === undefined) return v;
    if (v === NF_ACCEPT) this.streams.passed(key, seq, Date.now(), this.mode === 'learn' ? i.payloadLength : undefined);
    else if (this.denied?.onDeny === 'reset') {
      this.streams.markReset(key, seq, Date.now());
      return rewriteSegment(packet, i, TcpFlag.RST | TcpFlag.ACK) > 0 ? NF_MANGLED : NF_DROP;
    }
    if (i.tcpFlags & TcpFlag.FIN) this.streams.close(key);
    return v;
  }

  /** The verdict on a packet's PDUs (or on the problem that kept them from being inspected). */
  private judge(records: PduRecord[], problem: string | undefined, client: Endpoint, server: Endpoint, bytes: number): number {
    this.denied = undefined;
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
      if (v.action === 'deny') return this.deny(v.reason, client.ip, server.ip, op.code, v.ruleId, conduit);
      // What a device makes of a malformed request is its own guess: it cannot be shown to be allowed.
      const a = op.anomalies[0];
      if (a) return this.deny(`denied: malformed ${op.codeName} request (${a.type}${a.detail ? `: ${a.detail}` : ''}), from ${client.ip} to ${server.ip}:${server.port}`, client.ip, server.ip, op.code, v.ruleId, conduit);
    }
    this.counts.allowed++;
    return NF_ACCEPT;
  }

  /** The conduit of the last denial in enforce mode (its onDeny says what happens to the connection). */
  private denied: Conduit | undefined;

  private deny(reason: string, client: string, server: string, code?: number, ruleId?: string, conduit?: Conduit): number {
    this.counts.denied++;
    const enforce = this.mode === 'enforce';
    if (enforce) this.denied = conduit;
    const reset = enforce && conduit?.onDeny === 'reset' && this.info.ipProto === 6;
    const e: InspectionEvent = { action: enforce ? 'deny' : 'would-deny', reason: reset ? `${reason}; connection reset` : reason, client, server };
    if (ruleId) e.ruleId = ruleId;
    if (code !== undefined) e.code = code;
    this.onEvent(e);
    return this.mode === 'enforce' ? NF_DROP : NF_ACCEPT;
  }
}
