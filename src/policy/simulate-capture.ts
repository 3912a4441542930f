// Simulating a capture as the gateway would have judged it: every packet a client sent toward a
// server goes through the same stream following (flow/request-follower.ts) and the same verdict
// (verdict.ts) as the inline inspector, request by request; what the capture shows from servers
// rides on its requests. A capture has no queue to say which way a packet goes, so the side that
// sent the SYN is the client (a connection picked up in the middle: the side on a protocol's
// port is the server). What the queue would steer to the inspector is judged as the inspector
// judges it, recognised or not (steering.ts); what it would not steer is judged when a protocol
// of the registry is recognised on it (the kernel table's address-and-port verdict on those
// requests is the rules' own), and left to the kernel table otherwise.

import { ipString, isGroupAddress, macString } from '../../protocols/net/address.js';
import { PacketInfo, TcpFlag, decodePacket } from '../../protocols/net/packet.js';
import type { Endpoint, Operation } from '../../protocols/operation.js';
import type { TargetNames } from '../../protocols/protocol.js';
import type { PacketInput } from '../flow/operation-decoder.js';
import { DEFAULT_LIMITS } from '../flow/limits.js';
import { RequestFollower } from '../flow/request-follower.js';
import { compilePolicy } from './evaluate.js';
import type { Policy } from './model.js';
import { rulePorts } from './rule-ports.js';
import { Steering } from './steering.js';
import { Simulation, type SimulationReport } from './simulate.js';
import { Judge } from './verdict.js';

/** How far a capture can speak for the gateway: said in every report of a capture. */
export const CAPTURE_NOTES = [
  'judged as in learn mode: each request on its own merits; an enforcing gateway resets a TCP connection at its first denied request, so the requests that followed on it would not have been sent on that connection',
  'a capture from a mirror port shows traffic that an enforcing bridge would have stopped earlier (a connection refused at its SYN is judged here by its requests)',
];

/** One policy's view: its own follower (its rules' ports), judge and steering. */
interface Lane {
  follower: RequestFollower;
  judge: Judge;
  steering: Steering;
  sim: Simulation;
}

export interface CaptureSimulationOptions {
  /** Addresses isolated now. */
  isolated?: readonly string[];
  /** Each packet the first policy's queue would hand the inspector, as raw IP (the parity test feeds it one). */
  tap?: (frame: number, ip: Buffer) => void;
  /** What the plant's devices call their targets, for the reasons. */
  names?: TargetNames;
}

export class CaptureSimulation {
  private readonly info = new PacketInfo();
  private readonly lanes: Lane[];
  /** "ip port" of the client of each TCP connection (bounded like the flow table). */
  private readonly clients = new Map<string, string>();

  constructor(
    policies: Policy[],
    private readonly options: CaptureSimulationOptions = {},
  ) {
    this.lanes = policies.map((p) => {
      const judge = new Judge(compilePolicy(p, options.names));
      if (options.isolated) judge.isolate(options.isolated);
      const follower = new RequestFollower();
      follower.usePorts(rulePorts(p));
      const sim = new Simulation(judge);
      for (const n of CAPTURE_NOTES) sim.note(n);
      return { follower, judge, steering: new Steering(p), sim };
    });
  }

  packet(p: PacketInput): void {
    const i = this.info;
    if (!decodePacket(p.linkType, p.frame, i)) return;
    if (i.ipProto !== 6 && i.ipProto !== 17) return;
    const src = `${ipString(p.frame, i.srcIpOffset, i.ipVersion)} ${i.srcPort}`;
    const dst = `${ipString(p.frame, i.dstIpOffset, i.ipVersion)} ${i.dstPort}`;
    if (i.ipProto === 6 && !this.fromClient(src, dst)) {
      // What servers send rides on the verdicts of their clients' requests.
      if (i.payloadLength > 0) for (const { sim } of this.lanes) sim.responses(1);
      return;
    }
    if (i.ipProto === 17 && i.payloadLength === 0) return;
    const key = `${src} ${dst}`;
    const client: Endpoint = { ip: src.slice(0, src.lastIndexOf(' ')), port: i.srcPort };
    const server: Endpoint = { ip: dst.slice(0, dst.lastIndexOf(' ')), port: i.dstPort };
    // Only a group MAC counts (a subnet broadcast is known by it): inline, the inspector sees IP
    // packets without their MACs, and the kernel table matches addresses.
    if (i.ethOffset >= 0 && (p.frame[i.ethOffset]! & 1) === 1) server.mac = macString(p.frame, i.ethOffset);
    const evidence = { ts: p.ts, frame: p.index, bytes: i.payloadLength };
    const transport = i.ipProto === 6 ? 'tcp' : 'udp';
    for (const [n, lane] of this.lanes.entries()) {
      const steered = !isGroupAddress(server) && lane.steering.steers(transport, client.ip, server.ip, server.port);
      if (n === 0 && steered) this.options.tap?.(p.index, p.frame.subarray(i.ipOffset));
      // What the queue does not steer and no protocol recognises is the kernel table's: by address and port only.
      if (!steered && !this.recognised(lane.follower, p.frame, key)) continue;
      this.judge(lane, p, key, client, server, evidence);
    }
  }

  results(): SimulationReport[] {
    return this.lanes.map(({ sim }) => sim.result());
  }

  /** One packet through one policy's follower and judge, as the inspector in learn mode takes it. */
  private judge({ follower: f, judge, sim }: Lane, p: PacketInput, key: string, client: Endpoint, server: Endpoint, evidence: Operation['evidence']): void {
    const i = this.info;
    if (f.follow(p.frame, i, key, p.ts * 1000) === 'control') return;
    const v = judge.packet(f, client, server, evidence, (op, verdict) => sim.record(op, verdict));
    if (f.problem && v) sim.record({ protocol: f.protocol?.name ?? 'unknown', client, server, evidence }, v);
    for (const r of f.requests) if (r.direction === 'response') sim.responses(1);
    // As learn mode does: the stream follows what the server got.
    f.passed(p.ts * 1000);
  }

  /** Whether a protocol of the registry is recognised on this packet (or its connection already). */
  private recognised(f: RequestFollower, frame: Buffer, key: string): boolean {
    const i = this.info;
    if (i.ipProto === 17) return f.datagramProtocol(frame, i) !== undefined;
    if (i.payloadLength === 0) return true; // handshakes and closes keep the follower's streams right
    return f.connectionProtocol(key) !== undefined || f.streamProtocol(i.dstPort, frame, i.payloadOffset, i.payloadOffset + i.payloadLength) !== undefined;
  }

  /**
   * Whether a TCP packet goes from its connection's client to its server: the side that sent
   * the SYN is the client; a connection picked up in the middle has its server on a protocol's
   * port, else on the lower port.
   */
  private fromClient(src: string, dst: string): boolean {
    const i = this.info;
    const key = src < dst ? `${src} ${dst}` : `${dst} ${src}`;
    let client = this.clients.get(key);
    const handshake = i.tcpFlags & (TcpFlag.SYN | TcpFlag.ACK);
    if (client === undefined || handshake === TcpFlag.SYN) {
      if (handshake === TcpFlag.SYN) client = src;
      else if (handshake === (TcpFlag.SYN | TcpFlag.ACK)) client = dst;
      else {
        const serves = (port: number) => this.lanes.some(({ follower }) => follower.portProtocol(port) !== undefined);
        client = serves(i.dstPort) || (!serves(i.srcPort) && i.dstPort < i.srcPort) ? src : dst;
      }
      if (this.clients.size >= DEFAULT_LIMITS.maxFlows) this.clients.delete(this.clients.keys().next().value!);
      this.clients.set(key, client);
    }
    return client === src;
  }
}
