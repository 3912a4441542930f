// Hard bounds of the flow layer: each a named setting with a default sized for a small
// industrial PC. Exceeding one is an event, never unbounded memory.

import type { Protocol } from '../../protocols/operation.js';

export interface FlowLimits {
  /** Flows tracked at once; the least recently seen flow is evicted past this. */
  maxFlows: number;
  /** Out-of-order bytes held per TCP direction while waiting for a hole to fill. */
  maxOutOfOrderBytes: number;
  /** Bytes of one partial PDU held per direction (an OPC UA chunk can be large). */
  maxPduBytes: number;
  /**
   * Bytes of messages sent in pieces (OPC UA chunks, BACnet segments) held for all flows together
   * until their last piece; each flow holds at most maxPduBytes of them.
   */
  maxReassemblyBytes: number;
  /** Closed connections kept for their late packets (up to a minute); past this the oldest go. */
  maxClosedFlows: number;
  /** Seconds without a packet before a TCP flow is forgotten. */
  idleTimeoutSeconds: number;
  /**
   * The same for a UDP flow, shorter as conntrack's is (120 s for a datagram stream): a datagram
   * conversation holds no connection, and BACnet's one-shot exchanges (Who-Is and I-Am, a single
   * read) would otherwise fill the table for ten minutes. Longer than a request's response time,
   * so no request is forgotten before it is declared unanswered.
   */
  udpIdleTimeoutSeconds: number;
  /** Payload-carrying segments inspected before a flow on a protocol's port is declared not that protocol. */
  detectSegments: number;
  /**
   * Bytes of a stream's start held while its protocol is undecided, so that a PDU whose header
   * came in pieces is probed whole: room for a whole Modbus ADU (260) or an OPC UA Hello.
   */
  detectBytes: number;
  /** Stream events emitted per second of capture time; the rest are counted as suppressed. */
  maxEventsPerSecond: number;
  /** Requests awaiting a response per flow; past this the oldest is declared unanswered. */
  maxUnrepliedPerFlow: number;
  /** Seconds a request waits for its response before it is declared unanswered. */
  requestTimeoutSeconds: number;
  /**
   * Most recent delivered bytes kept per TCP direction so that a retransmission or overlap
   * carrying different bytes (an evasion technique) is detected. 0 turns the check off.
   */
  overlapCheckBytes: number;
  /**
   * Ports a site runs a protocol on besides its registered ones (a Modbus gateway on 5020): a
   * protocol recognised only on its own ports (Modbus) is decoded there too.
   */
  servicePorts: Partial<Record<Protocol, readonly number[]>>;
}

export const DEFAULT_LIMITS: FlowLimits = {
  maxFlows: 65_536,
  maxOutOfOrderBytes: 256 * 1024,
  maxPduBytes: 1 << 20,
  maxReassemblyBytes: 64 << 20,
  maxClosedFlows: 4096,
  idleTimeoutSeconds: 600,
  udpIdleTimeoutSeconds: 120,
  detectSegments: 4,
  detectBytes: 512,
  maxEventsPerSecond: 100,
  maxUnrepliedPerFlow: 64,
  requestTimeoutSeconds: 30,
  overlapCheckBytes: 1536,
  servicePorts: {},
};
