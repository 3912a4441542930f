// The zone-and-conduit policy (IEC 62443-3-2): zones of assets with a target security level,
// conduits between them holding the rules that allow exactly the operations observed. The
// document people edit (YAML) and the API exchange (JSON) have this shape; the JSON Schema in
// schema.ts is its single definition for validation.

import type { OperationKind, Protocol } from '../../protocols/operation.js';

export type FailMode = 'open' | 'closed';
export type SecurityLevel = 0 | 1 | 2 | 3 | 4;

/** ZCR 6: what a zone documents. */
export interface Zone {
  id: string;
  name: string;
  description?: string;
  /** Accountable owner. */
  owner?: string;
  /** Target security level, SL-T. */
  securityLevel: SecurityLevel;
  /** Purdue level (3.5 is the industrial DMZ). */
  purdueLevel?: number;
  /** Holds safety-related assets (SIS). */
  safety?: boolean;
  failMode?: FailMode;
  /** IPv4/IPv6 addresses, CIDR blocks, MAC addresses. */
  members: string[];
  assumptions?: string;
}

export interface HostSelector {
  /** A zone's members. */
  zone?: string;
  /** Specific addresses or CIDR blocks (within the zone, when both are given). */
  hosts?: string[];
  /** Broadcast and multicast destinations (BACnet Who-Is, I-Am). Server side only. */
  broadcast?: boolean;
}

export interface ModbusScope {
  unit: number;
  table?: string;
  /** Inclusive [first, last] address ranges; absent: the whole table. */
  ranges?: [number, number][];
}

export interface BacnetScope {
  objectType: number;
  /** Inclusive instance ranges; absent: every instance. */
  instances?: [number, number][];
  /** Property identifiers by name or number; absent: every property. */
  properties?: string[];
}

export interface OpcuaScope {
  /** Exact node ids. */
  nodes?: string[];
  /** Every node of these namespace indexes. */
  namespaces?: number[];
}

/** One allowed operation pattern: every field given must match. */
export interface Allowance {
  kinds?: OperationKind[];
  codes?: number[];
  /** BACnet APDU type, Modbus FC 8 sub-function or FC 43 MEI type: refines the code. */
  subCodes?: number[];
  modbus?: ModbusScope[];
  bacnet?: BacnetScope[];
  opcua?: OpcuaScope;
}

export interface RuleEvidence {
  conversations: string[];
  transactions: number;
  firstSeen?: number;
  lastSeen?: number;
}

export interface Rule {
  id: string;
  action?: 'allow' | 'deny';
  protocol: Protocol;
  /** Server port; absent: any. */
  port?: number;
  client: HostSelector;
  server: HostSelector;
  /** Absent: any operation of the protocol between these hosts. */
  allow?: Allowance[];
  /** Requests per second from one client, averaged over 10 s. */
  ratePerSecond?: number;
  comment?: string;
  evidence?: RuleEvidence;
}

export interface Conduit {
  id: string;
  name: string;
  description?: string;
  /** The two zones it connects (the same zone twice for traffic inside a zone). */
  zones: [string, string];
  securityLevel?: SecurityLevel;
  failMode?: FailMode;
  /**
   * What a denied TCP request does to its connection: `reset` (default: both ends are reset at
   * once, and the request leaves the client's retransmission queue) or `drop` (the request is
   * dropped; the client times out, its connection stalls, and its TCP keeps retransmitting the
   * request, which reaches the device if the gateway later passes traffic: fail-open, bypass).
   */
  onDeny?: 'drop' | 'reset';
  /** Verdict latency budget in milliseconds (enforcement). */
  latencyBudgetMs?: number;
  rules: Rule[];
}

export interface Policy {
  bulkheadPolicy: 1;
  name: string;
  description?: string;
  /** Between zones without a matching rule. */
  defaultAction: 'deny' | 'allow';
  zones: Zone[];
  conduits: Conduit[];
}
