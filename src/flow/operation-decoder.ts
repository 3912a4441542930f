// The front of the pipeline: packets in, Operations and stream events out. It follows each
// flow's packets (flow-table.ts keeps them), reassembles TCP per direction, has each flow's
// protocol recognised (protocol-detection.ts, from the registry: by port, else by probe, without
// naming one) and hands the PDUs to that protocol's pure decoder in protocols/.

import { ipString } from '../../protocols/net/address.js';
import { PacketInfo, TcpFlag, decodePacket } from '../../protocols/net/packet.js';
import type { Endpoint, Operation, PduRecord, Protocol } from '../../protocols/operation.js';
import type { ProtocolModule } from '../../protocols/protocol.js';
import { ReassemblyBudget } from '../../protocols/reassembly.js';
import { datagramProtocol, PortMap } from '../../protocols/registry.js';
import { flowKey, followSenderMac, newFlow, sideOf, type Flow, type FlowEndReason } from './flow.js';
import { FlowTable } from './flow-table.js';
import { DEFAULT_LIMITS, type FlowLimits } from './limits.js';
import { PduAssembler, type Framer } from './pdu-assembler.js';
import { ProtocolDetector, TCP_PROTOCOLS } from './protocol-detection.js';
import { StreamEvents, type StreamEvent, type StreamEventType } from './stream-events.js';
import { DirectionSink } from './direction-sink.js';
import { TcpDirection } from './tcp-stream.js';

export type { FlowEndReason } from './flow.js';
export type { StreamEvent, StreamEventType } from './stream-events.js';

export interface PacketInput {
  index: number;
  linkType: number;
  ts: number;
  frame: Buffer;
  /** Length on the wire when the capture was snapped; frame.length otherwise. */
  origLength?: number;
}

/** Traffic volume and life cycle of the flows whose protocol is known. */
export interface FlowObserver {
  /** Packets and bytes (on the wire) since the flow was last reported. */
  counters(flowId: string, protocol: Protocol, client: Endpoint, server: Endpoint, packets: number, bytes: number): void;
  /** Nothing more will arrive on this flow's current connection. */
  ended(flowId: string, reason: FlowEndReason): void;
}

export interface DecoderStats {
  packets: number;
  ipPackets: number;
  operations: number;
  flows: number;
  events: Record<StreamEventType, number>;
  anomalies: number;
}

/** A stream protocol's framing as the assembler wants it; resynchronising is strict (its own port's probe). */
const FRAMERS = new Map<ProtocolModule, Framer>(TCP_PROTOCOLS.map((m) => [m, { frame: m.frame, looksLike: (b, o, e) => m.probe(b, o, e, true) }]));

export class OperationDecoder {
  private readonly info = new PacketInfo();
  private readonly limits: FlowLimits;
  private readonly flows: FlowTable;
  private readonly events: StreamEvents;
  private readonly detector: ProtocolDetector;
  /** What all flows together may hold of messages sent in pieces. */
  private readonly reassembly: ReassemblyBudget;
  private readonly ports: PortMap;
  private current: PacketInput = { index: 0, linkType: 0, ts: 0, frame: Buffer.alloc(0) };
  /** Packet that carried the stream bytes being parsed: evidence for the PDUs they complete. */
  private pduFrame = 0;
  private pduTs = 0;
  readonly stats: DecoderStats = {
    packets: 0,
    ipPackets: 0,
    operations: 0,
    flows: 0,
    events: { stream_gap: 0, framing_error: 0, not_protocol: 0, ip_fragment: 0, overlap_conflict: 0, unreplied_limit: 0, flow_evicted: 0, events_suppressed: 0 },
    anomalies: 0,
  };

  constructor(
    private readonly onOperation: (op: Operation) => void,
    onEvent: (e: StreamEvent) => void = () => {},
    limits: Partial<FlowLimits> = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.flows = new FlowTable(this.limits, (flow, reason) => this.leave(flow, reason));
    this.events = new StreamEvents(onEvent, this.limits.maxEventsPerSecond, this.stats.events);
    this.detector = new ProtocolDetector(this.limits.detectBytes, this.limits.detectSegments);
    this.ports = new PortMap(this.limits.servicePorts);
    this.reassembly = new ReassemblyBudget(this.limits.maxPduBytes, this.limits.maxReassemblyBytes);
  }

  /** Receives traffic counters and flow ends (learning needs them; decoding alone does not). */
  observer: FlowObserver | undefined;
  /** Counts the non-IP frames by EtherType (learning lists them; decoding alone does not). */
  etherTypes: { note(etherType: number, vlan: number, ts: number): void } | undefined;

  packet(p: PacketInput): void {
    this.current = p;
    this.stats.packets++;
    const info = this.info;
    const ok = decodePacket(p.linkType, p.frame, info);
    if (info.ipVersion) this.stats.ipPackets++;
    if (!ok) {
      if (info.error === 'not_ip' && info.etherType >= 0) this.etherTypes?.note(info.etherType, info.vlan, p.ts);
      if (info.fragment && (info.ipProto === 6 || info.ipProto === 17)) {
        this.eventFor('ip_fragment', `ip/${this.describe(p.frame)}`, undefined, 'IP fragment: not reassembled, its payload is not inspected');
      }
      return;
    }
    this.flows.advance(p.ts);
    if (info.ipProto === 17) this.datagram(p);
    else if (info.ipProto === 6) this.segment(p);
  }

  /** End of input: deliver held segments, declaring what never arrived. */
  flush(): void {
    for (const flow of this.flows.values()) this.forget(flow, 'end_of_input');
    this.flows.clear();
    this.events.flush(this.current.ts, this.current.index);
  }

  /** Reports the packets and bytes counted since the last call, for every flow of a known protocol. */
  takeCounters(): void {
    for (const flow of this.flows.values()) this.report(flow);
  }

  /** A stream event raised by a later stage (pairing), under the same rate limit. */
  raise(type: StreamEventType, flowId: string, protocol: Protocol, detail: string): void {
    this.eventFor(type, flowId, protocol, detail);
  }

  // -- called by DirectionSink --

  streamData(flow: Flow, side: 0 | 1, data: Buffer, segmentStart: boolean, frame: number, ts: number): void {
    this.pduFrame = frame;
    this.pduTs = ts;
    if (flow.assemblers) this.feed(flow, side, data, segmentStart);
    else if (flow.app === 'detecting') this.detect(flow, side, data, segmentStart);
  }

  streamGap(flow: Flow, side: 0 | 1, bytes: number): void {
    // Held first bytes are no longer followed by what comes next: the stream is looked at anew.
    if (flow.start?.side === side) flow.start = undefined;
    if (!flow.assemblers) return;
    flow.assemblers![side].gap();
    this.event(flow, 'stream_gap', `${bytes} bytes missing ${side === flow.clientIs ? 'client to server' : 'server to client'}: resynchronising on the next valid header`);
  }

  pdu(flow: Flow, side: 0 | 1, buf: Buffer, off: number, len: number): void {
    const rec = flow.channel?.decode(buf, off, len, side === flow.clientIs);
    if (rec) this.emit(flow, rec, flow.clientIs, len);
  }

  event(flow: Flow, type: StreamEventType, detail: string): void {
    this.eventFor(type, flow.id, flow.app === 'detecting' || flow.app === 'none' ? undefined : flow.app, detail);
  }

  // -- internals --

  private datagram(p: PacketInput): void {
    const info = this.info;
    const frame = p.frame;
    const m = info.payloadLength > 0 ? datagramProtocol(this.ports, frame, info.payloadOffset, info.payloadOffset + info.payloadLength, info.srcPort, info.dstPort) : undefined;
    if (!m) return;
    const flow = this.flowFor(frame, false);
    flow.app = m.name;
    this.count(flow, p);
    // A datagram's sender is its "client"; segments of its requests are held per flow.
    flow.channel ??= m.channel(this.reassembly);
    const side = sideOf(flow, info, frame);
    followSenderMac(flow, side, info, frame);
    const rec = flow.channel.decode(frame, info.payloadOffset, info.payloadLength, side === 0);
    if (rec) this.emit(flow, rec, -1, info.payloadLength);
  }

  private segment(p: PacketInput): void {
    const info = this.info;
    const frame = p.frame;
    const flow = this.flowFor(frame, true);
    if (flow.app === 'none') return;
    this.count(flow, p);
    const side = sideOf(flow, info, frame);
    followSenderMac(flow, side, info, frame);
    const payload = frame.subarray(info.payloadOffset, info.payloadOffset + info.payloadLength);
    if (flow.closed) {
      // Trailing packets of the old connection only count; a new SYN reuses the 5-tuple.
      if ((info.tcpFlags & (TcpFlag.SYN | TcpFlag.ACK)) !== TcpFlag.SYN) return;
      this.reopen(flow);
    }
    const dirs = flow.dirs!;
    const sinks = flow.sinks!;
    if (info.tcpFlags & TcpFlag.SYN) {
      dirs[side].syn(info.tcpSeq);
      if (!(info.tcpFlags & TcpFlag.ACK)) flow.clientIs = side;
      else flow.clientIs = side === 0 ? 1 : 0;
    }
    if (info.tcpFlags & TcpFlag.ACK) dirs[side === 0 ? 1 : 0].ack(info.tcpAck, sinks[side === 0 ? 1 : 0]);
    if (payload.length > 0 && !(info.tcpFlags & TcpFlag.RST)) dirs[side].segment(info.tcpSeq, payload, sinks[side], p.index, p.ts);
    if (info.tcpFlags & TcpFlag.FIN) dirs[side].fin(info.tcpSeq, payload.length);
    if (info.tcpFlags & TcpFlag.RST) this.closeFlow(flow, 'reset');
    else if (dirs[0].finished && dirs[1].finished) this.closeFlow(flow, 'closed');
  }

  private eventFor(type: StreamEventType, flowId: string, protocol: Protocol | undefined, detail: string): void {
    this.events.raise(type, flowId, protocol, detail, this.current.ts, this.current.index);
  }

  /** The protocol a TCP port is the service port of, if any. */
  private serviceOf(port: number): ProtocolModule | undefined {
    return this.ports.on('tcp', port);
  }

  /**
   * A flow's service protocol by its ports; one recognised only on its own port wins over one
   * recognised anywhere (the port is the only evidence for it).
   */
  private serviceOfFlow(flow: Flow): ProtocolModule | undefined {
    const a = this.serviceOf(flow.a.port);
    const b = this.serviceOf(flow.b.port);
    return a && !a.anyPort ? a : b && !b.anyPort ? b : (a ?? b);
  }

  private detect(flow: Flow, side: 0 | 1, data: Buffer, segmentStart: boolean): void {
    const d = this.detector;
    const found = d.look(flow, side, data, segmentStart, this.serviceOfFlow(flow));
    if (found === 'found') this.adopt(flow, side, d.module!, d.first, d.rest);
    else if (found === 'none') this.giveUp(flow, d.heldBytes);
  }

  /** The flow speaks `m`: its parser takes over from the PDU at the start of `first`, `rest` after it. */
  private adopt(flow: Flow, side: 0 | 1, m: ProtocolModule, first: Buffer, rest: Buffer): void {
    flow.app = m.name;
    flow.module = m;
    // A PDU that only a client (or a server) sends says who is who, whatever the ports suggest.
    const opener = m.opener(first, 0, first.length);
    if (opener === 'sender') flow.clientIs = side;
    else if (opener === 'receiver') flow.clientIs = side === 0 ? 1 : 0;
    this.attachParser(flow);
    const other = flow.start;
    flow.start = undefined;
    // What the other direction holds of its first PDU is that PDU's beginning.
    if (other && other.side !== side) this.feed(flow, other.side, other.bytes, true);
    this.feed(flow, side, first, true);
    if (rest.length > 0) this.feed(flow, side, rest, false);
  }

  /** In-order bytes of one direction to the recognised protocol's framing. */
  private feed(flow: Flow, side: 0 | 1, data: Buffer, segmentStart: boolean): void {
    flow.assemblers![side].data(data, segmentStart, flow.sinks![side]);
  }

  /** The flow is not decoded; `heldBytes`: its held start reached the bound undecided (0: its segments ran out). */
  private giveUp(flow: Flow, heldBytes: number): void {
    flow.app = 'none';
    flow.start = undefined;
    this.notProtocol(flow, heldBytes);
  }

  /** Non-protocol payload on a protocol's service port (a scanner, or another service): say so. */
  private notProtocol(flow: Flow, heldBytes = 0): void {
    const service = this.serviceOfFlow(flow);
    if (!service) return;
    const t = service.title;
    const finding = heldBytes > 0 ? `no ${t} message recognised in the first ${heldBytes} bytes` : `no valid ${t} header in the first ${flow.detectTries} segments`;
    this.eventFor('not_protocol', flow.id, undefined, `${finding}: traffic on this port is not decoded as ${t}`);
  }

  /** The recognised protocol's PDU framing per direction and its decoding state for the connection. */
  private attachParser(flow: Flow): void {
    const m = flow.module!;
    const framer = FRAMERS.get(m)!;
    flow.assemblers = [new PduAssembler(framer, this.limits.maxPduBytes), new PduAssembler(framer, this.limits.maxPduBytes)];
    flow.channel = m.channel(this.reassembly);
  }

  /** Per-connection TCP state: reassembly per direction and the sinks into the parser. */
  private attachTcp(flow: Flow): void {
    const { maxOutOfOrderBytes: held, overlapCheckBytes: tail } = this.limits;
    flow.dirs = [new TcpDirection(held, tail), new TcpDirection(held, tail)];
    flow.sinks = [new DirectionSink(this, flow, 0), new DirectionSink(this, flow, 1)];
  }

  private emit(flow: Flow, rec: PduRecord, clientIs: 0 | 1 | -1, bytes: number): void {
    let client: Endpoint;
    let server: Endpoint;
    if (clientIs >= 0) {
      client = clientIs === 0 ? flow.a : flow.b;
      server = clientIs === 0 ? flow.b : flow.a;
    } else {
      // UDP: the sender of a request or of an unsolicited message is the client.
      const fromA = sideOf(flow, this.info, this.current.frame) === 0;
      const senderIsClient = rec.direction !== 'response';
      client = fromA === senderIsClient ? flow.a : flow.b;
      server = client === flow.a ? flow.b : flow.a;
    }
    const op = rec as unknown as Operation;
    op.client = client;
    op.server = server;
    op.flowId = flow.id;
    op.evidence = clientIs >= 0 ? { ts: this.pduTs, frame: this.pduFrame, bytes } : { ts: this.current.ts, frame: this.current.index, bytes };
    this.stats.operations++;
    this.stats.anomalies += rec.anomalies.length;
    this.onOperation(op);
  }

  private describe(frame: Buffer): string {
    const i = this.info;
    return `${ipString(frame, i.srcIpOffset, i.ipVersion)}-${ipString(frame, i.dstIpOffset, i.ipVersion)}`;
  }

  private flowFor(frame: Buffer, tcp: boolean): Flow {
    const i = this.info;
    const key = flowKey(i, frame, tcp);
    const known = this.flows.find(key, this.current.ts);
    if (known) return known;
    // Until a SYN or a Hello says otherwise, the side on the lower (service) port is the server.
    const clientIs: 0 | 1 = this.serviceOf(i.srcPort) || (i.srcPort < i.dstPort && !this.serviceOf(i.dstPort)) ? 1 : 0;
    const flow = newFlow(i, frame, key, tcp, clientIs, this.current.ts);
    if (tcp) this.attachTcp(flow);
    this.flows.add(flow);
    this.stats.flows++;
    return flow;
  }

  private count(flow: Flow, p: PacketInput): void {
    flow.packets++;
    flow.bytes += p.origLength ?? p.frame.length;
  }

  /**
   * `final`: the flow is leaving the table. A connection that never carried payload (an attempt,
   * a refused or idle connection) to a protocol's service port counts for that protocol.
   */
  private report(flow: Flow, final = false): void {
    if (flow.packets === 0 || !this.observer || flow.app === 'none') return;
    const client = flow.clientIs === 0 ? flow.a : flow.b;
    const server = flow.clientIs === 0 ? flow.b : flow.a;
    let protocol: Protocol | undefined;
    if (flow.app !== 'detecting') protocol = flow.app;
    else if (final && flow.detectTries === 0) protocol = this.serviceOf(server.port)?.name;
    if (!protocol) return;
    this.observer.counters(flow.id, protocol, client, server, flow.packets, flow.bytes);
    flow.packets = 0;
    flow.bytes = 0;
  }

  /** The connection is over: deliver what is held, free the buffers, tell the observer. */
  private closeFlow(flow: Flow, reason: FlowEndReason): void {
    if (flow.closed) return;
    flow.closed = true;
    flow.closedAt = this.current.ts;
    if (reason === 'closed' || reason === 'reset') this.flows.linger(flow);
    const sinks = flow.sinks;
    if (flow.dirs && sinks) {
      flow.dirs[0].flush(sinks[0]);
      flow.dirs[1].flush(sinks[1]);
    }
    // A closed flow lingers as a few fields: its parser state is rebuilt if the 5-tuple is reused.
    flow.channel?.release();
    flow.dirs = flow.sinks = flow.assemblers = flow.channel = flow.start = undefined;
    if (flow.app === 'detecting' && flow.detectTries > 0) this.notProtocol(flow);
    this.observer?.ended(flow.id, reason);
  }

  /** A new connection on a closed flow's 5-tuple: fresh parser state, same protocol. */
  private reopen(flow: Flow): void {
    flow.closed = false;
    this.attachTcp(flow);
    if (flow.module) this.attachParser(flow);
  }

  /** The flow's state goes: what is held is delivered, its last counters reported. */
  private forget(flow: Flow, reason: FlowEndReason): void {
    this.closeFlow(flow, reason);
    this.report(flow, true);
  }

  /** The flow leaves the table (its linger over, idle, or evicted). */
  private leave(flow: Flow, reason: FlowEndReason): void {
    const wasOpen = !flow.closed;
    this.forget(flow, reason);
    // A closed connection kept only for its trailing packets leaves without a word.
    if (reason === 'evicted' && wasOpen) this.eventFor('flow_evicted', flow.id, undefined, `flow table full (${this.limits.maxFlows} flows): least recently seen flow evicted`);
  }
}
