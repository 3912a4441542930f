// What one packet on its way to a server asks of it: the requests it carries or completes, or
// why they cannot be known. This is the one stream following of every judge: the inline
// inspector feeds it the packets NFQUEUE hands over, the simulation of a capture the packets
// the gateway's queue would have handed over, so that both see the same requests in the same
// places. TCP is followed as the server's stream (stream-guard.ts); each connection's protocol
// comes from the registry (the server's port, else the first bytes), never from a name here.

import type { PacketInfo } from '../../protocols/net/packet.js';
import { TcpFlag } from '../../protocols/net/packet.js';
import type { PduRecord, Protocol } from '../../protocols/operation.js';
import type { ProtocolChannel, ProtocolModule } from '../../protocols/protocol.js';
import { ReassemblyBudget } from '../../protocols/reassembly.js';
import { datagramProtocol, PortMap, protocolsOver } from '../../protocols/registry.js';
import { DEFAULT_LIMITS } from './limits.js';
import { StreamGuard, type SegmentProblem, type Stream } from './stream-guard.js';
import { seqDiff } from './tcp-stream.js';

/** The largest request PDU framed inline (a Modbus ADU is at most 260 bytes; an OPC UA chunk is negotiated). */
export const MAX_INLINE_PDU = 65_536;
/**
 * Bytes of a message sent in pieces (OPC UA chunks, BACnet segments) held inline until its last
 * piece: per connection (a large Write or HistoryRead of a real SCADA fits), and for every
 * connection together (a bound on what the gateway gives to reassembly).
 */
export const INLINE_REASSEMBLY_PER_CONNECTION = 1 << 20;
export const INLINE_REASSEMBLY_TOTAL = 16 << 20;
/** Datagram conversations whose segmented requests are followed at once; the least recent goes. */
export const MAX_DATAGRAM_CONVERSATIONS = 4096;

/** Why the requests of a packet cannot be shown to be allowed (the verdict's codes for them). */
export type InspectionProblem = 'stream_integrity' | 'malformed' | 'uninspectable';

/** What following one packet found. */
export type Followed =
  /** A segment without data: it opens or closes a stream, nothing to judge. */
  | 'control'
  /** `requests` holds the requests to judge (possibly none: a prefix of a split request). */
  | 'requests'
  /** `problem` and `detail` say why nothing in it can be judged. */
  | 'problem'
  /** A connection the gateway reset: none of the client's bytes are to pass. */
  | 'reset';

interface Connection {
  module: ProtocolModule;
  channel: ProtocolChannel;
}

const TCP = protocolsOver('tcp');

function segmentDetail(p: SegmentProblem, title: string, detail: string): { problem: InspectionProblem; detail: string } {
  switch (p) {
    case 'ahead':
      return { problem: 'stream_integrity', detail: 'a TCP segment ahead of the inspected stream (out of order: its framing cannot be checked yet)' };
    case 'overlap':
      return { problem: 'stream_integrity', detail: 'a TCP segment overlapping inspected data off its PDU boundaries (the server would frame it differently)' };
    case 'old':
      return { problem: 'stream_integrity', detail: 'a TCP segment retransmitting data older than the inspector remembers' };
    case 'changed':
      return { problem: 'stream_integrity', detail: 'a TCP retransmission whose bytes differ from those already passed' };
    case 'malformed':
      return { problem: 'malformed', detail: `malformed ${title} header (${detail})` };
    case 'too_large':
      return { problem: 'uninspectable', detail: `a ${title} request of ${detail} exceeds the inline inspection limit (${MAX_INLINE_PDU} bytes)` };
  }
}

export class RequestFollower {
  /** What every followed conversation together holds of requests sent in pieces. */
  readonly reassembly = new ReassemblyBudget(INLINE_REASSEMBLY_PER_CONNECTION, INLINE_REASSEMBLY_TOTAL);
  /** Client-to-server streams of followed TCP connections (bounded like the flow table). */
  readonly streams = new StreamGuard(DEFAULT_LIMITS.maxFlows, MAX_INLINE_PDU, (s) => (s.state as Connection | undefined)?.channel.release());
  /** Decoding state of datagram conversations, in recency order. */
  private readonly datagrams = new Map<string, ProtocolChannel>();
  /** The requests of the packet last followed (reused). */
  readonly requests: PduRecord[] = [];
  problem: InspectionProblem | undefined;
  detail = '';
  /** The protocol of the packet last followed, when one was recognised. */
  protocol: ProtocolModule | undefined;
  private ports = new PortMap();
  /** The stream, sequence number and length of the last TCP segment followed, for `passed`. */
  private stream: Stream | undefined;
  private seq = 0;
  private len = 0;
  /** That segment also ended its connection (FIN or RST). */
  private ending = false;
  /** That segment held or completed a message sent in pieces: its channel moved past the server. */
  private pieces = false;

  /** Ports a policy puts protocols on besides their registered ones. */
  usePorts(extra: Partial<Record<Protocol, readonly number[]>>): void {
    this.ports = new PortMap(extra);
  }

  /**
   * Follows one packet from a client toward its server (`info` holds its decode, `now` a clock
   * in milliseconds for the stream table's recency). `key` names its connection. `resets`: a
   * connection the gateway reset says so instead of being followed (enforce mode).
   */
  follow(packet: Buffer, info: PacketInfo, key: string, now: number, resets = false): Followed {
    this.requests.length = 0;
    this.problem = undefined;
    this.detail = '';
    this.protocol = undefined;
    return info.ipProto === 17 ? this.datagram(packet, info, key) : this.segment(packet, info, key, now, resets);
  }

  /** The packet last followed reached the server (allowed, or learn mode): the stream moves on. */
  passed(now: number): void {
    const s = this.stream;
    if (!s) return;
    if (this.problem) this.streams.resync(s, this.seq, this.len, now);
    else this.streams.commit(s, now);
    if (this.ending) this.streams.close(s.key);
  }

  /**
   * The packet last followed was dropped: the stream stays, unless the segment ended it. One
   * whose pieces of a message the channel took in (and the server never got) can no longer be
   * followed as the server sees it: none of its client's bytes pass from now on.
   */
  dropped(): void {
    if (!this.stream) return;
    if (this.ending) this.streams.close(this.stream.key);
    else if (this.pieces) this.stream.reset = true;
  }

  /** The protocol a datagram is (as the flow decoder recognises it), if any. */
  datagramProtocol(packet: Buffer, info: PacketInfo): ProtocolModule | undefined {
    return datagramProtocol(this.ports, packet, info.payloadOffset, info.payloadOffset + info.payloadLength, info.srcPort, info.dstPort);
  }

  /** The protocol already chosen for a followed TCP connection, if any. */
  connectionProtocol(key: string): ProtocolModule | undefined {
    return (this.streams.peek(key)?.state as Connection | undefined)?.module;
  }

  /** The protocol whose service port (registered, or the policy's) a TCP port is. */
  portProtocol(port: number): ProtocolModule | undefined {
    return this.ports.on('tcp', port);
  }

  /**
   * The protocol a TCP stream to `port` starting with `buf[off, end)` is, if any. Unlike the
   * flow decoder (which learns, and must not invent operations from a guess), a first segment
   * holding only part of a PDU will do: a header that frames, or needs more. A wrong guess is
   * no risk here: what does not frame is denied.
   */
  streamProtocol(port: number, buf: Buffer, off: number, end: number): ProtocolModule | undefined {
    const onPort = this.ports.on('tcp', port);
    if (onPort) return onPort;
    return TCP.find((m) => m.anyPort && m.frame(buf, off, end).status !== 'invalid');
  }

  private datagram(packet: Buffer, info: PacketInfo, key: string): Followed {
    this.stream = undefined;
    if (info.payloadLength === 0) return 'control';
    const m = this.datagramProtocol(packet, info);
    if (!m) return this.fail('uninspectable', 'a datagram no inspected protocol recognises');
    this.protocol = m;
    const rec = this.datagramChannel(key, m).decode(packet, info.payloadOffset, info.payloadLength, true);
    return rec ? this.take(m, rec) : 'requests';
  }

  /** The conversation's channel (segments of its requests are held there), most recent last. */
  private datagramChannel(key: string, m: ProtocolModule): ProtocolChannel {
    let ch = this.datagrams.get(key);
    if (ch) this.datagrams.delete(key);
    else {
      if (this.datagrams.size >= MAX_DATAGRAM_CONVERSATIONS) {
        const [oldest, gone] = this.datagrams.entries().next().value!;
        this.datagrams.delete(oldest);
        gone.release();
      }
      ch = m.channel(this.reassembly);
    }
    this.datagrams.set(key, ch);
    return ch;
  }

  /** A decoded request joins the packet's requests, unless it could not be held whole. */
  private take(m: ProtocolModule, rec: PduRecord): Followed {
    // A loop, not find(): its callback would be made anew for every request.
    for (const a of rec.anomalies) {
      if (a.type === 'message_too_large') return this.fail('uninspectable', `a ${m.title} request sent in pieces could not be held to be inspected whole: ${a.detail ?? 'too large'}`);
    }
    this.requests.push(rec);
    return 'requests';
  }

  private segment(packet: Buffer, info: PacketInfo, key: string, now: number, resets: boolean): Followed {
    const g = this.streams;
    this.stream = undefined;
    let seq = info.tcpSeq;
    if (info.tcpFlags & TcpFlag.SYN) {
      g.open(key, seq, now);
      seq = (seq + 1) >>> 0;
    }
    if (info.payloadLength === 0) {
      if (info.tcpFlags & (TcpFlag.RST | TcpFlag.FIN)) g.close(key);
      return 'control';
    }
    const s = g.stream(key, seq, now);
    if (resets && s.reset) return 'reset';
    this.stream = s;
    this.pieces = false;
    this.seq = seq;
    this.len = info.payloadLength;
    this.ending = (info.tcpFlags & (TcpFlag.RST | TcpFlag.FIN)) !== 0;
    // The server's TCP takes the urgent byte out of the stream (or not, by its own settings):
    // which bytes its application reads cannot be known here. (A problem like any other: in
    // learn mode the stream picks up after it.)
    if (info.tcpFlags & TcpFlag.URG) return this.fail('stream_integrity', 'a TCP segment with urgent data (the server may take bytes out of its stream, so its requests cannot be framed as it reads them)');
    const end = info.payloadOffset + info.payloadLength;
    // The connection's protocol is chosen at the first data that shows one; until then (a
    // connection picked up mid-request, a segment out of order) each segment is looked at anew.
    let conn = s.state as Connection | undefined;
    if (!conn) {
      // Data ahead of the stream shows no protocol: it is out of order whatever it is.
      if (seqDiff(seq, s.next) > 0) {
        const d = segmentDetail('ahead', '', '');
        return this.fail(d.problem, d.detail);
      }
      const found = this.streamProtocol(info.dstPort, packet, info.payloadOffset, end);
      if (!found) return this.fail('uninspectable', 'a TCP stream no inspected protocol recognises');
      s.state = conn = { module: found, channel: found.channel(this.reassembly) };
    }
    const m = conn.module;
    this.protocol = m;
    if (!g.inspect(s, seq, packet, info.payloadOffset, info.payloadLength, m.frame)) {
      const d = segmentDetail(g.problem!, m.title, g.detail);
      return this.fail(d.problem, d.detail);
    }
    // A message sent in pieces passes piece by piece (the server acts on none of it before the
    // last) and is judged whole with its last piece.
    const held = this.reassembly.held;
    for (let k = 0; k < g.pduCount; k++) {
      const p = g.pdus[k]!;
      const rec = conn.channel.decode(p.buf, p.off, p.len, true);
      this.pieces ||= !rec || this.reassembly.held !== held;
      if (rec && this.take(m, rec) === 'problem') return 'problem';
    }
    return 'requests';
  }

  private fail(problem: InspectionProblem, detail: string): 'problem' {
    this.problem = problem;
    this.detail = detail;
    return 'problem';
  }
}
