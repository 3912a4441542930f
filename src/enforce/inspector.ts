// Deep inspection of queued packets. Each packet goes through the one stream following
// (flow/request-follower.ts) and the one verdict (policy/verdict.ts), exactly as a simulated
// capture does; this module adds only what being inline means: NFQUEUE verdicts, the latency
// budget, and ending connections. A denied TCP request ends its connection (tcp-rewrite.ts)
// unless its conduit says `onDeny: drop`: a request merely dropped stays in the client's TCP
// retransmission queue for minutes, and would reach the device after all the moment the
// gateway passes traffic again (fail-open, bypass, a policy change).

import { ipString } from '../../protocols/net/address.js';
import { requestKept, type Endpoint, type Operation, type RequestKept } from '../../protocols/operation.js';
import { PacketInfo, TcpFlag, decodePacket } from '../../protocols/net/packet.js';
import { RequestFollower } from '../flow/request-follower.js';
import { directedKey } from '../flow/flow.js';
import type { Evaluator, VerdictCode } from '../policy/evaluate.js';
import type { Conduit } from '../policy/model.js';
import { rulePorts } from '../policy/rule-ports.js';
import { Judge, type Verdict } from '../policy/verdict.js';
import { LatencyMonitor } from './latency.js';
import { NF_ACCEPT, NF_DROP, NF_MANGLED } from './nfqueue.js';
import type { EnforceMode } from './nft-compiler.js';
import { rewriteSegment } from './tcp-rewrite.js';

/** Raw IP, as NFQUEUE delivers it. */
export const LINKTYPE_RAW = 101;

export interface InspectionEvent {
  action: 'deny' | 'would-deny';
  /** Why, as a code (the closed set of the verdict) and as a sentence. */
  reasonCode: VerdictCode;
  reason: string;
  ruleId?: string;
  client: string;
  server: string;
  /** The operation's code (function code, service), when a request was read. */
  code?: number;
  /** The request refused, when one was read: what a proposal needs to allow it (policy/adapt.ts). */
  operation?: EventOperation;
}

/** A refused request as an event keeps it: the operation, without what its endpoints already say. */
export type EventOperation = RequestKept & { port: number };

/** Connections whose ends are remembered at most (then forgotten all at once). */
const ENDPOINT_CACHE = 65_536;

const eventOperation = (op: Operation): EventOperation => ({ ...requestKept(op), port: op.server.port });

export class Inspector {
  private readonly info = new PacketInfo();
  readonly counts = { packets: 0, allowed: 0, denied: 0 };
  /** Time from a packet's arrival in the inspector to its verdict, per conduit. */
  readonly latency = new LatencyMonitor();
  readonly follower = new RequestFollower();
  private readonly judge: Judge;

  constructor(
    evaluator: Evaluator,
    /** Switched at run time: in learn mode nothing is dropped. */
    public mode: EnforceMode,
    private readonly onEvent: (e: InspectionEvent) => void,
  ) {
    this.judge = new Judge(evaluator);
    this.evaluator = evaluator;
  }

  /** Client-to-server streams of inspected TCP connections (bounded like the flow table). */
  get streams() {
    return this.follower.streams;
  }

  /** Replaced when another policy is put in force; packets in flight finish with the old one. */
  get evaluator(): Evaluator {
    return this.judge.evaluator;
  }

  set evaluator(e: Evaluator) {
    this.judge.evaluator = e;
    this.follower.usePorts(rulePorts(e.policy));
  }

  /** Addresses isolated now (the kernel table cuts them off first; the verdict agrees). */
  isolate(addresses: readonly string[]): void {
    this.judge.isolate(addresses);
  }

  /** The verdict for one queued packet, timed for its conduit's latency budget. */
  verdict(packet: Buffer): number {
    // performance.now(): a double, where hrtime.bigint() allocated two BigInts per packet.
    const start = performance.now();
    this.conduit = undefined;
    const v = this.decide(packet);
    if (this.conduit !== undefined) this.latency.record(this.conduit, (performance.now() - start) * 1000);
    return v;
  }

  /** The conduit the last verdict was given on. */
  private conduit: string | undefined;

  /** Each connection's two ends, their address strings made once rather than per packet. */
  private readonly ends = new Map<string, { client: Endpoint; server: Endpoint }>();

  private endpointsOf(key: string, packet: Buffer): { client: Endpoint; server: Endpoint } {
    let e = this.ends.get(key);
    if (e === undefined) {
      const i = this.info;
      if (this.ends.size >= ENDPOINT_CACHE) this.ends.clear();
      e = { client: { ip: ipString(packet, i.srcIpOffset, i.ipVersion), port: i.srcPort }, server: { ip: ipString(packet, i.dstIpOffset, i.ipVersion), port: i.dstPort } };
      this.ends.set(key, e);
    }
    return e;
  }

  private decide(packet: Buffer): number {
    this.counts.packets++;
    const i = this.info;
    if (!decodePacket(LINKTYPE_RAW, packet, i)) return i.fragment ? this.fragment(packet) : NF_ACCEPT;
    if (i.ipProto !== 6 && i.ipProto !== 17) return NF_ACCEPT;
    // Bare segments pass without a look, but those that start or end a stream.
    if (i.ipProto === 6 && i.payloadLength === 0 && !(i.tcpFlags & (TcpFlag.SYN | TcpFlag.RST | TcpFlag.FIN))) return NF_ACCEPT;
    const key = directedKey(i, packet, i.ipProto === 6);
    const { client, server } = this.endpointsOf(key, packet);
    const now = Date.now();
    const f = this.follower;
    const followed = f.follow(packet, i, key, now, this.mode === 'enforce');
    if (followed === 'control') return NF_ACCEPT;
    // A connection the gateway reset: none of the client's bytes pass; its segment, emptied,
    // makes the server answer with a RST of its own.
    if (followed === 'reset') return rewriteSegment(packet, i, TcpFlag.ACK) > 0 ? NF_MANGLED : NF_DROP;
    const v = this.judge.packet(f, client, server, { ts: now / 1000, frame: this.counts.packets, bytes: i.payloadLength });
    if (v) this.conduit = v.conduitId;
    if (!v || v.action === 'allow') {
      this.counts.allowed++;
      f.passed(now);
      return NF_ACCEPT;
    }
    return this.deny(v, key, packet, client.ip, server.ip, now);
  }

  /**
   * An IP fragment of inspected traffic: not reassembled inline, so what it carries cannot be
   * shown to be allowed (the kernel hands over fragments when no defragmentation runs before it).
   */
  private fragment(packet: Buffer): number {
    const i = this.info;
    const client = { ip: ipString(packet, i.srcIpOffset, i.ipVersion), port: 0 };
    const server = { ip: ipString(packet, i.dstIpOffset, i.ipVersion), port: 0 };
    const v = this.judge.problem(client, server, 'uninspectable', 'an IP fragment (fragments are not reassembled inline: what they carry cannot be read)');
    // No stream moves: a fragment is never followed, and has no TCP header to reset with.
    this.report(v, v.reason, client.ip, server.ip);
    return this.mode === 'enforce' ? NF_DROP : NF_ACCEPT;
  }

  private report(v: Verdict, reason: string, client: string, server: string): void {
    this.counts.denied++;
    const e: InspectionEvent = { action: this.mode === 'enforce' ? 'deny' : 'would-deny', reasonCode: v.code, reason, client, server };
    if (v.ruleId) e.ruleId = v.ruleId;
    if (this.judge.decided) {
      e.code = this.judge.decided.code;
      e.operation = eventOperation(this.judge.decided);
    }
    this.onEvent(e);
  }

  /** A denial: reported, and in enforce mode dropped, its TCP connection reset unless the conduit says drop. */
  private deny(v: Verdict, key: string, packet: Buffer, client: string, server: string, now: number): number {
    const i = this.info;
    const enforce = this.mode === 'enforce';
    const conduit: Conduit | undefined = v.conduitId !== undefined ? this.evaluator.policy.conduits.find((c) => c.id === v.conduitId) : undefined;
    const resetting = enforce && i.ipProto === 6 && (conduit?.onDeny ?? 'reset') === 'reset';
    this.report(v, resetting ? `${v.reason}; connection reset` : v.reason, client, server);
    if (!enforce) {
      // Learn mode passes everything: the stream follows what passed.
      this.follower.passed(now);
      return NF_ACCEPT;
    }
    if (resetting) {
      this.follower.streams.markReset(key, i.tcpSeq, now);
      return rewriteSegment(packet, i, TcpFlag.RST | TcpFlag.ACK) > 0 ? NF_MANGLED : NF_DROP;
    }
    this.follower.dropped();
    return NF_DROP;
  }
}
