// What learning produces: the asset inventory, the conversation baseline and the discoveries
// that measure learning progress. Plain JSON-serialisable records: the store keeps them as they
// are, the console and the policy engine read them as they are.

import type { OperationKind, Protocol } from '../../protocols/operation.js';

/** Inclusive [first, last] address range. */
export type Range = [number, number];

export type Role = 'modbus_client' | 'modbus_server' | 'opcua_client' | 'opcua_server' | 'bacnet_device' | 'bacnet_client';

export interface MacSighting {
  mac: string;
  /** IEEE OUI registrant; absent when unknown or locally administered. */
  vendor?: string;
  firstSeen: number;
  lastSeen: number;
}

export interface ModbusIdentity {
  vendorName?: string;
  productCode?: string;
  revision?: string;
  vendorUrl?: string;
  productName?: string;
  modelName?: string;
  userApplicationName?: string;
}

export interface BacnetIdentity {
  deviceInstance: number;
  vendorId?: number;
  vendorName?: string;
  maxApduAccepted?: number;
  segmentationSupported?: number;
}

export interface OpcuaIdentity {
  applicationUri?: string;
  applicationName?: string;
  productUri?: string;
  applicationType?: string;
}

export interface PurdueGuess {
  /** 0-5 as in the Purdue model (1: control, 2: supervisory, 3: operations, 3.5: DMZ). */
  level: number;
  reason: string;
}

/**
 * What an asset does, counted as its conversations change (so the Purdue guess needs no scan of
 * them): field-protocol servers it queries, polls and writes to, clients it serves.
 */
export interface AssetActivity {
  clientsServed: number;
  fieldServersQueried: number;
  fieldServersPolled: number;
  fieldServersWritten: number;
  /** Seconds between polls of the first poll established. */
  pollInterval?: number;
  /** Reads OPC UA history or subscribes to data changes. */
  opcuaHistory?: boolean;
}

export interface Asset {
  /** IP, with "@vlanN" when seen on a VLAN. */
  key: string;
  ip: string;
  vlan?: number;
  macs: MacSighting[];
  /** The MAC seen for this address is a router's (it fronts many addresses): the host is off-link. */
  behindRouter?: boolean;
  firstSeen: number;
  lastSeen: number;
  protocols: Protocol[];
  roles: Role[];
  /** opcua: the OPC UA server application on this host; opcuaClient: a client application on it. */
  identity: { modbus?: ModbusIdentity; bacnet?: BacnetIdentity; opcua?: OpcuaIdentity; opcuaClient?: OpcuaIdentity };
  activity: AssetActivity;
  purdue?: PurdueGuess;
}

/** One target entry of an operation: what was touched, coalesced. */
export type TargetSummary =
  | { type: 'modbus'; unit: number; table?: string; access?: 'read' | 'write'; file?: number; ranges: Range[] }
  | { type: 'bacnet'; objectType: number; objectTypeName: string; instance: number; properties: string[] }
  | { type: 'opcua'; nodeId: string; attributes: number[]; methods: string[] };

/** Inter-arrival statistics of one repeated request (same code and targets): a poll. */
export interface PollStats {
  /** Readable name of what is polled, e.g. "unit 1 holding_registers 0-9". */
  signature: string;
  samples: number;
  /** Mean interval, seconds. */
  interval: number;
  /** Standard deviation of the interval, seconds. */
  jitter: number;
  /** Intervals left out as pauses (more than 5x the mean). */
  pauses: number;
  last: number;
  /** Welford running sum of squared differences. */
  m2: number;
}

export interface OperationStats {
  kind: OperationKind;
  code: number;
  codeName: string;
  subCode?: number;
  subCodeName?: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
  targets: TargetSummary[];
  /** More distinct targets than are kept: the list is incomplete. */
  targetsTruncated?: boolean;
  /** Outcome label ("ok", "exception 2 ILLEGAL DATA ADDRESS", "unanswered", ...) -> count. */
  outcomes: Record<string, number>;
  responseTime?: { samples: number; mean: number; max: number };
  polls: PollStats[];
  anomalies: Record<string, number>;
  encrypted?: boolean;
}

export interface Conversation {
  /** "client>server:port/protocol", VLAN-qualified addresses. */
  key: string;
  protocol: Protocol;
  client: { ip: string; vlan?: number };
  server: { ip: string; port: number; vlan?: number; broadcast?: boolean };
  firstSeen: number;
  lastSeen: number;
  packets: number;
  bytes: number;
  transactions: number;
  /** Responses whose request was not seen. */
  orphanResponses: number;
  /** Milestones already counted in the endpoints' activity. */
  queried?: boolean;
  polled?: boolean;
  written?: boolean;
  /** "kind/code/subCode" -> statistics. */
  operations: Record<string, OperationStats>;
}

export type DiscoveryType = 'asset' | 'conversation' | 'operation' | 'target';

/** Something new learned: learning has converged when these stop coming. */
export interface Discovery {
  ts: number;
  type: DiscoveryType;
  subject: string;
  detail: string;
}
