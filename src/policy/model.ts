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
  /**
   * 802.1Q VLAN ids the zone lives on: a tagged frame from one of its members on another VLAN is
   * refused. Where the policy has a `link` section, a tagged frame on a VLAN no zone names is too.
   */
  vlans?: number[];
  assumptions?: string;
}

/** A device's learned MAC address for one of its IP addresses. */
export interface AddressBinding {
  ip: string;
  mac: string;
  /** What the plant calls the device ("PLC-1"), for the reason of a refusal. */
  name?: string;
}

/**
 * Layer 2: what the bridge passes besides IP, and which MAC each bound address must come from.
 * A policy without this section (from before it existed) passes every non-IP frame and every
 * VLAN, and binds no address; lint says so.
 */
export interface LinkPolicy {
  /**
   * EtherTypes that pass, by name (arp, lldp, profinet, goose, ...; llc: 802.3 frames, STP) or
   * number (0x88b5); every other non-IP frame is refused and counted. IP, IPv6 and 802.1Q always
   * reach the rules. Absent: every non-IP frame passes.
   */
  etherTypes?: string[];
  /** An IPv4/ARP or IPv6 packet from a bound address with another MAC is refused as spoofing. */
  bindings?: AddressBinding[];
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
  /** Would-deny events (ids in the gateway's event log) a proposal allowed with this rule: the latest few. */
  events?: number[];
  /** Detector alerts whose operation an engineer chose to allow ("learn this"). */
  alerts?: number[];
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
  link?: LinkPolicy;
}
