// Simulating a capture as the gateway would have judged it: every packet a client sent toward a
// server goes through the same stream following (flow/request-follower.ts) and the same verdict
// (verdict.ts) as the inline inspector, request by request; what the capture shows from servers
// rides on its requests. A capture has no queue to say which way a packet goes, so the side that
// sent the SYN is the client (a connection picked up in the middle: the side on a protocol's
// port is the server). Connections and datagrams no protocol of the registry recognises are
// left to the kernel table (address and port) and not judged here.

import { ipString, isGroupAddress, macString } from '../../protocols/net/address.js';
import { PacketInfo, TcpFlag, decodePacket } from '../../protocols/net/packet.js';
import type { Endpoint } from '../../protocols/operation.js';
import type { PacketInput } from '../flow/operation-decoder.js';
import { DEFAULT_LIMITS } from '../flow/limits.js';
import { RequestFollower } from '../flow/request-follower.js';
import { compilePolicy } from './evaluate.js';
import type { Policy } from './model.js';
import { rulePorts } from './rule-ports.js';
import { Simulation, type SimulationReport } from './simulate.js';
import { Judge } from './verdict.js';

/** How far a capture can speak for the gateway: said in every report of a capture. */
export const CAPTURE_NOTES = [
  'judged as in learn mode: each request on its own merits; an enforcing gateway resets a TCP connection at its first denied request, so the requests that followed on it would not have been sent on that connection',
  'a capture from a mirror port shows traffic that an enforcing bridge would have stopped earlier (a connection refused at its SYN is judged here by its requests)',
];

interface Side {
  /** "ip port" of the client. */
  client: string;
  /** Whether the connection carries a protocol the registry knows (undefined until its first data). */
  judged: boolean | undefined;
}

/** One policy's view: its own follower (its rules' ports) and judge. */
interface Lane {
  follower: RequestFollower;
  judge: Judge;
  sim: Simulation;
}

export interface CaptureSimulationOptions {
  /** Addresses isolated now. */
  isolated?: readonly string[];
  /** Each unicast packet handed to the judges, as raw IP (what the gateway's queue would deliver). */
  tap?: (frame: number, ip: Buffer) => void;
}

export class CaptureSimulation {
  private readonly info = new PacketInfo();
  private readonly lanes: Lane[];
  /** Which side of each TCP connection is the client (bounded like the flow table). */
  private readonly sides = new Map<string, Side>();
  /** Packets from servers (and of connections not judged), not judged on their own. */
  private skipped = 0;

  constructor(
    policies: Policy[],
    private readonly options: CaptureSimulationOptions = {},
  ) {
    this.lanes = policies.map((p) => {
      const judge = new Judge(compilePolicy(p));
      if (options.isolated) judge.isolate(options.isolated);
      const follower = new RequestFollower();
      follower.usePorts(rulePorts(p));
      const sim = new Simulation(judge);
      for (const n of CAPTURE_NOTES) sim.note(n);
      return { follower, judge, sim };
    });
  }

  packet(p: PacketInput): void {
    const i = this.info;
    if (!decodePacket(p.linkType, p.frame, i)) return;
    if (i.ipProto !== 6 && i.ipProto !== 17) return;
    const src = `${ipString(p.frame, i.srcIpOffset, i.ipVersion)} ${i.srcPort}`;
    const dst = `${ipString(p.frame, i.dstIpOffset, i.ipVersion)} ${i.dstPort}`;
    if (i.ipProto === 6 && !this.towardServer(p.frame, src, dst)) {
      if (i.payloadLength > 0) this.skipped++;
      return;
    }
    if (i.ipProto === 17 && (i.payloadLength === 0 || !this.lanes[0]?.follower.datagramProtocol(p.frame, i))) return;
    const key = `${src} ${dst}`;
    const client: Endpoint = { ip: src.slice(0, src.lastIndexOf(' ')), port: i.srcPort };
    const server: Endpoint = { ip: dst.slice(0, dst.lastIndexOf(' ')), port: i.dstPort };
    // The MACs say what an IP cannot: a subnet broadcast is known by its destination MAC.
    if (i.ethOffset >= 0) {
      client.mac = macString(p.frame, i.ethOffset + 6);
      server.mac = macString(p.frame, i.ethOffset);
    }
    // Broadcasts are the kernel table's (their rules are never queued): judged here, not tapped.
    if (!isGroupAddress(server)) this.options.tap?.(p.index, p.frame.subarray(i.ipOffset));
    const evidence = { ts: p.ts, frame: p.index, bytes: i.payloadLength };
    for (const { follower: f, judge, sim } of this.lanes) {
      if (f.follow(p.frame, i, key, p.ts * 1000) === 'control') continue;
      const problem = f.problem ? { code: f.problem, detail: f.detail } : undefined;
      const v = judge.packet(f.requests, problem, client, server, evidence, (op, verdict) => sim.record(op, verdict));
      if (problem && v) sim.record({ protocol: f.protocol?.name ?? 'unknown', client, server, evidence }, v);
      for (const r of f.requests) if (r.direction === 'response') sim.responses(1);
      // As learn mode does: the stream follows what the server got.
      f.passed(p.ts * 1000);
      if (i.ipProto === 6 && i.tcpFlags & (TcpFlag.FIN | TcpFlag.RST)) f.streams.close(key);
    }
  }

  results(): SimulationReport[] {
    return this.lanes.map(({ sim }) => {
      sim.responses(this.skipped);
      return sim.result();
    });
  }

  /**
   * Whether a TCP packet goes from a connection's client to its server, learning the sides from
   * the handshake, else from the ports; false too for connections no protocol is recognised on.
   */
  private towardServer(frame: Buffer, src: string, dst: string): boolean {
    const i = this.info;
    const key = src < dst ? `${src} ${dst}` : `${dst} ${src}`;
    let side = this.sides.get(key);
    const handshake = i.tcpFlags & (TcpFlag.SYN | TcpFlag.ACK);
    if (!side || handshake === TcpFlag.SYN) {
      let client: string;
      if (handshake === TcpFlag.SYN) client = src;
      else if (handshake === (TcpFlag.SYN | TcpFlag.ACK)) client = dst;
      else {
        // Picked up in the middle: the side on a protocol's port is the server, else the lower port.
        const f = this.lanes[0]!.follower;
        const dstServes = f.portProtocol(i.dstPort) !== undefined;
        const srcServes = f.portProtocol(i.srcPort) !== undefined;
        client = dstServes || (!srcServes && i.dstPort < i.srcPort) ? src : dst;
      }
      if (this.sides.size >= DEFAULT_LIMITS.maxFlows) this.sides.delete(this.sides.keys().next().value!);
      this.sides.set(key, (side = { client, judged: undefined }));
    }
    if (side.client !== src) return false;
    if (side.judged === undefined && i.payloadLength > 0) {
      const end = i.payloadOffset + i.payloadLength;
      side.judged = this.lanes.some(({ follower }) => follower.streamProtocol(i.dstPort, frame, i.payloadOffset, end) !== undefined);
    }
    return side.judged !== false;
  }
}
