// The records the store keeps, as JSON schemas (TypeBox): the store's rows, what learning
// produces, the console's API and the browser's types are all derived from these, so none of
// them can drift from another. This module imports nothing of the project (the web UI's build
// reads its types too). The advisory catalogue's records are in advisory-records.ts.

import { Type, type Static } from '@sinclair/typebox';

const Opt = Type.Optional;
const Num = Type.Number();
const Int = Type.Integer();
const Str = Type.String();
/** One of a list of names, as `enum` (ajv then says "must be equal to one of the allowed values"). */
export const literals = <T extends string>(values: readonly T[]) => Type.Unsafe<T>({ type: 'string', enum: [...values] });

// ---- Names the protocol registry defines; learn/model.ts checks that the two agree.
export const ProtocolName = literals(['modbus', 'opcua', 'bacnet'] as const);
export const OperationKindName = literals(['read', 'write', 'control', 'program', 'diagnostic', 'discovery', 'session', 'unknown'] as const);

// ---- The gateway's mode, as the store keeps it (gateway/health.ts checks it against the engine's modes)
/** What the gateway does with traffic: learn (never drops), enforce, or bypass (no rules at all). */
export const GATEWAY_MODES = ['learn', 'enforce', 'bypass'] as const;
export const GatewayModeName = literals(GATEWAY_MODES);
export type GatewayMode = Static<typeof GatewayModeName>;

// ---- Accounts
export const ROLES = ['viewer', 'operator', 'engineer', 'admin'] as const;
export const RoleName = literals(ROLES);
export type Role = Static<typeof RoleName>;

export const UserRecord = Type.Object({ name: Str, role: RoleName, createdAt: Num, createdBy: Str, lockedUntil: Opt(Num) });
export type User = Static<typeof UserRecord>;

// ---- Policy versions, isolations, the audit log, events
export const PolicyStatusName = literals(['draft', 'approved', 'active', 'retired'] as const);
export type PolicyStatus = Static<typeof PolicyStatusName>;

/** A stored version without its document text. */
export const PolicyVersionSummary = Type.Object({
  version: Int,
  name: Str,
  status: PolicyStatusName,
  source: Str,
  createdAt: Num,
  createdBy: Str,
  approvedBy: Opt(Str),
  approvedAt: Opt(Num),
  secondApprover: Opt(Str),
  secondApprovedAt: Opt(Num),
});
export const PolicyVersionRecord = Type.Composite([PolicyVersionSummary, Type.Object({ document: Str })]);
export type PolicyVersion = Static<typeof PolicyVersionRecord>;

export const IsolationRecord = Type.Object({ target: Str, addresses: Type.Array(Str), since: Num, by: Str, reason: Str });
export type Isolation = Static<typeof IsolationRecord>;

const Detail = Type.Record(Str, Type.Unknown(), { description: 'what the action or event carries, as its source wrote it' });

export const AuditEntryRecord = Type.Object({
  id: Int,
  ts: Num,
  /** A person's name, or the gateway's own part that acted (commit-confirm, watchdog, engine). */
  actor: Str,
  /** Dotted verb: policy.apply, gateway.mode, asset.isolate, engine.restart, ... */
  action: Str,
  target: Str,
  detail: Detail,
  prev: Str,
  hash: Str,
});
export type AuditEntry = Static<typeof AuditEntryRecord>;

export const AuditVerificationRecord = Type.Object({
  entries: Int,
  ok: Type.Boolean(),
  /** The first entry that does not match its chain, and why. */
  broken: Opt(Type.Object({ id: Int, reason: Str })),
});
export type AuditVerification = Static<typeof AuditVerificationRecord>;

/** What an event says: the fields people read, named; whatever else its source adds is kept. */
export const EventData = Type.Object(
  {
    /** The sentence: why a request was denied, or what an alert is about. */
    reason: Opt(Str),
    reasonCode: Opt(Str),
    message: Opt(Str),
    client: Opt(Str),
    server: Opt(Str),
    ruleId: Opt(Str),
    conduitId: Opt(Str),
    /** The part of the gateway that raised an alert (engine, supervisor, ...). */
    source: Opt(Str),
  },
  { additionalProperties: true },
);

export const GatewayEventRecord = Type.Object({
  id: Int,
  ts: Num,
  kind: literals(['deny', 'would-deny', 'alert'] as const),
  data: EventData,
  ackedBy: Opt(Str),
  ackedAt: Opt(Num),
});
export type GatewayEvent = Static<typeof GatewayEventRecord>;

// ---- Alerts: what the detectors found in allowed traffic, one per incident
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export const SeverityName = literals(SEVERITIES);
export type Severity = Static<typeof SeverityName>;
/** Severities in order, low first. */
export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);
export const ALERT_STATES = ['new', 'acknowledged', 'resolved'] as const;
export const AlertStateName = literals(ALERT_STATES);

/** What an operation touched, as the decoders say it (protocols/operation.ts `Target`). */
export const OperationTargetRecord = Type.Union([
  Type.Object({ type: Type.Literal('modbus'), unit: Int, table: Opt(literals(['coils', 'discrete_inputs', 'holding_registers', 'input_registers', 'file_records', 'fifo'] as const)), start: Opt(Int), count: Opt(Int), access: Opt(literals(['read', 'write'] as const)), file: Opt(Int) }),
  Type.Object({ type: Type.Literal('bacnet'), objectType: Int, objectTypeName: Str, instance: Int, property: Opt(Int), propertyName: Opt(Str), arrayIndex: Opt(Int) }),
  Type.Object({ type: Type.Literal('opcua'), nodeId: Str, attribute: Opt(Int), methodId: Opt(Str) }),
]);

/** The request that showed an incident first: what "learn this" lets through. */
export const AlertOperationRecord = Type.Object({
  protocol: ProtocolName,
  kind: OperationKindName,
  code: Int,
  codeName: Str,
  subCode: Opt(Int),
  client: Type.Object({ ip: Str, vlan: Opt(Int) }),
  server: Type.Object({ ip: Str, port: Int, vlan: Opt(Int) }),
  targets: Type.Array(OperationTargetRecord),
  targetsTruncated: Opt(Type.Boolean()),
});

/** Where an alert's incident was seen: capture time, frame and flow (the first ones and the last). */
export const AlertEvidence = Type.Object({ ts: Num, frame: Int, flowId: Str });

export const AlertRecord = Type.Object({
  id: Int,
  /** The incident: type and subject; repeats add to it. */
  key: Str,
  /** A stable type code, e.g. new_operation, target_outside_baseline, mac_change. */
  type: Str,
  detector: Str,
  severity: SeverityName,
  /** MITRE ATT&CK for ICS technique, where one fits. */
  attack: Opt(Type.Object({ id: Str, name: Str })),
  status: AlertStateName,
  /** Who and what: the asset (IP) and the conversation it is about. */
  asset: Opt(Str),
  conversation: Opt(Str),
  /** The address that did it, where one did (what isolating the alert's source cuts off). */
  source: Opt(Str),
  /** The request that showed it first (absent for what a clock or a MAC showed). */
  operation: Opt(AlertOperationRecord),
  /** One sentence in the plant's words, numbers beside the names. */
  summary: Str,
  /** What the baseline says, and what was seen. */
  baseline: Str,
  seen: Str,
  count: Int,
  firstSeen: Num,
  lastSeen: Num,
  evidence: Type.Array(AlertEvidence),
  /** Repeats not kept as evidence (only the first and the latest few are). */
  evidenceDropped: Int,
  ackedBy: Opt(Str),
  ackedAt: Opt(Num),
  resolvedBy: Opt(Str),
  resolvedAt: Opt(Num),
});
export type Alert = Static<typeof AlertRecord>;

/** Automatic response: isolate the source of an alert of at least `minSeverity` within a zone or conduit. */
export const ResponseRuleRecord = Type.Object({
  scope: literals(['zone', 'conduit'] as const),
  /** The zone's or conduit's id in the active policy. */
  id: Str,
  minSeverity: SeverityName,
  by: Str,
  since: Num,
});
export type ResponseRule = Static<typeof ResponseRuleRecord>;

/** A suppression: alerts of a type (on one asset, or one incident) are not raised until it expires. */
export const SuppressionRecord = Type.Object({
  id: Int,
  type: Str,
  /** Narrower than every alert of the type: only those about this asset, or only this incident. */
  asset: Opt(Str),
  key: Opt(Str),
  until: Num,
  by: Str,
  note: Str,
  since: Num,
  /** Sightings not raised because of it. */
  suppressed: Int,
});
export type Suppression = Static<typeof SuppressionRecord>;

// ---- What learning produces: the asset inventory and the conversation baseline
/** Inclusive [first, last] address range. */
export const RangeRecord = Type.Tuple([Int, Int]);

export const AssetRoleName = literals(['modbus_client', 'modbus_server', 'opcua_client', 'opcua_server', 'bacnet_device', 'bacnet_client'] as const);

export const MacSightingRecord = Type.Object({
  mac: Str,
  /** IEEE OUI registrant; absent when unknown or locally administered. */
  vendor: Opt(Str),
  firstSeen: Num,
  lastSeen: Num,
});

export const ModbusIdentityRecord = Type.Object({
  vendorName: Opt(Str),
  productCode: Opt(Str),
  revision: Opt(Str),
  vendorUrl: Opt(Str),
  productName: Opt(Str),
  modelName: Opt(Str),
  userApplicationName: Opt(Str),
});
export const BacnetIdentityRecord = Type.Object({
  deviceInstance: Int,
  /** From the I-Am: the vendor id, its name in ASHRAE's list. */
  vendorId: Opt(Int),
  vendorName: Opt(Str),
  maxApduAccepted: Opt(Int),
  segmentationSupported: Opt(Int),
  /** Read from the Device object (model-name, firmware-revision, application-software-version, vendor-name): the device's own words. */
  modelName: Opt(Str),
  firmwareRevision: Opt(Str),
  applicationSoftwareVersion: Opt(Str),
  vendorNameProperty: Opt(Str),
});
export const OpcuaIdentityRecord = Type.Object({
  /** From the application description (CreateSession, GetEndpoints). */
  applicationUri: Opt(Str),
  applicationName: Opt(Str),
  productUri: Opt(Str),
  applicationType: Opt(Str),
  /** From the server's build information (its ServerStatus or BuildInfo read): what advisories name. */
  manufacturerName: Opt(Str),
  productName: Opt(Str),
  softwareVersion: Opt(Str),
  buildNumber: Opt(Str),
});

export const AssetRecord = Type.Object({
  /** IP, with "@vlanN" when seen on a VLAN. */
  key: Str,
  ip: Str,
  vlan: Opt(Int),
  macs: Type.Array(MacSightingRecord),
  /** The MAC seen for this address is a router's (it fronts many addresses): the host is off-link. */
  behindRouter: Opt(Type.Boolean()),
  firstSeen: Num,
  lastSeen: Num,
  protocols: Type.Array(ProtocolName),
  roles: Type.Array(AssetRoleName),
  /** opcua: the OPC UA server application on this host; opcuaClient: a client application on it. */
  identity: Type.Object({
    modbus: Opt(ModbusIdentityRecord),
    bacnet: Opt(BacnetIdentityRecord),
    opcua: Opt(OpcuaIdentityRecord),
    opcuaClient: Opt(OpcuaIdentityRecord),
    /** What an OPC UA server calls its nodes (display names from its Browse responses), by node id. */
    opcuaNames: Opt(Type.Record(Str, Str)),
  }),
  /** What the asset does, counted as its conversations change (so the Purdue guess needs no scan of them). */
  activity: Type.Object({
    clientsServed: Int,
    fieldServersQueried: Int,
    fieldServersPolled: Int,
    fieldServersWritten: Int,
    /** Seconds between polls of the first poll established. */
    pollInterval: Opt(Num),
    /** Reads OPC UA history or subscribes to data changes. */
    opcuaHistory: Opt(Type.Boolean()),
  }),
  /** 0-5 as in the Purdue model (1: control, 2: supervisory, 3: operations, 3.5: DMZ), and why. */
  purdue: Opt(Type.Object({ level: Num, reason: Str })),
});
export type AssetRecordType = Static<typeof AssetRecord>;

/** One target entry of an operation: what was touched, coalesced. */
export const TargetSummaryRecord = Type.Union([
  Type.Object({ type: Type.Literal('modbus'), unit: Int, table: Opt(Str), access: Opt(literals(['read', 'write'] as const)), file: Opt(Int), ranges: Type.Array(RangeRecord) }),
  Type.Object({ type: Type.Literal('bacnet'), objectType: Int, objectTypeName: Str, instance: Int, properties: Type.Array(Str) }),
  Type.Object({ type: Type.Literal('opcua'), nodeId: Str, attributes: Type.Array(Int), methods: Type.Array(Str) }),
]);

/** Inter-arrival statistics of one repeated request (same code and targets): a poll. */
export const PollStatsRecord = Type.Object({
  /** Readable name of what is polled, e.g. "unit 1 holding_registers 0-9". */
  signature: Str,
  samples: Int,
  /** Mean interval, seconds. */
  interval: Num,
  /** Standard deviation of the interval, seconds. */
  jitter: Num,
  /** Intervals left out as pauses (more than 5x the mean). */
  pauses: Int,
  last: Num,
  /** Welford running sum of squared differences. */
  m2: Num,
});

/** What one point (a register, a coil) held: its range, and its values while there are few of them. */
export const ValueProfileRecord = Type.Object({
  samples: Int,
  min: Num,
  max: Num,
  /** The distinct values seen, while there are at most a few (a setpoint, a mode, a coil); absent past that. */
  distinct: Opt(Type.Array(Num)),
  firstSeen: Num,
  lastSeen: Num,
});

export const OperationStatsRecord = Type.Object({
  kind: OperationKindName,
  code: Int,
  codeName: Str,
  subCode: Opt(Int),
  subCodeName: Opt(Str),
  count: Int,
  firstSeen: Num,
  lastSeen: Num,
  targets: Type.Array(TargetSummaryRecord),
  /** More distinct targets than are kept: the list is incomplete. */
  targetsTruncated: Opt(Type.Boolean()),
  /** Outcome label ("ok", "exception 2 ILLEGAL DATA ADDRESS", "unanswered", ...) -> count. */
  outcomes: Type.Record(Str, Int),
  responseTime: Opt(Type.Object({ samples: Int, mean: Num, max: Num })),
  polls: Type.Array(PollStatsRecord),
  anomalies: Type.Record(Str, Int),
  encrypted: Opt(Type.Boolean()),
  /** Process values written (write operations) or read back (read operations), by point ("unit 1 holding_registers 40"). */
  values: Opt(Type.Record(Str, ValueProfileRecord)),
  /** More points than are kept: the profile is incomplete. */
  valuesTruncated: Opt(Type.Boolean()),
  /** When read-back values were last sampled (they are taken at most once a second). */
  valuesSampledAt: Opt(Num),
  /** Hours of the day (plant time, bit 0 = 00:00-00:59) the operation was seen in, since `hoursSince`. */
  hours: Opt(Int),
  hoursSince: Opt(Num),
});

export const ConversationRecord = Type.Object({
  /** "client>server:port/protocol", VLAN-qualified addresses. */
  key: Str,
  protocol: ProtocolName,
  client: Type.Object({ ip: Str, vlan: Opt(Int) }),
  server: Type.Object({ ip: Str, port: Int, vlan: Opt(Int), broadcast: Opt(Type.Boolean()) }),
  firstSeen: Num,
  lastSeen: Num,
  packets: Int,
  bytes: Int,
  transactions: Int,
  /** Responses whose request was not seen. */
  orphanResponses: Int,
  /** Milestones already counted in the endpoints' activity. */
  queried: Opt(Type.Boolean()),
  polled: Opt(Type.Boolean()),
  written: Opt(Type.Boolean()),
  /** "kind/code/subCode" -> statistics. */
  operations: Type.Record(Str, OperationStatsRecord),
});
export type ConversationRecordType = Static<typeof ConversationRecord>;

/** A page of records and how many match in all. */
export const Page = <T extends ReturnType<typeof Type.Object>>(item: T) => Type.Object({ total: Int, items: Type.Array(item) });

/** Compile-time proof that two types are the same (a schema and the type a module declares). */
export type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** A model type `M` is served whole by schema `S`: it fits, and no field at any depth is left out. */
export type Fits<S, M> = [M] extends [S] ? FitsDeep<S, M> : false;
type FitsDeep<S, M> = M extends readonly (infer MI)[]
  ? S extends readonly (infer SI)[]
    ? FitsDeep<SI, MI>
    : false
  : M extends object
    ? [Exclude<keyof M, keyof S>] extends [never]
      ? { [K in keyof M & keyof S]-?: FitsDeep<NonNullable<S[K]>, NonNullable<M[K]>> }[keyof M & keyof S] extends true
        ? true
        : false
      : false
    : true;
export type Assert<T extends true> = T;
