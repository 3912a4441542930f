// What the use-cases answer, as JSON schemas (TypeBox): the console validates and serialises its
// replies with them, the OpenAPI document shows them, and the web UI takes its types from them.
// Built on the store's records; imports nothing else of the project, because the UI's build reads
// it too. app/schema-agreement.ts proves at compile time that each matches the type its use-case
// returns.

import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { AdvisoryCveRecord, AdvisoryRecord, KevRecord } from '../store/advisory-records.js';
import {
  AssetRecord,
  ConversationRecord,
  AuditVerificationRecord,
  GatewayModeName,
  IsolationRecord,
  literals,
  OperationKindName,
  PolicyStatusName,
  PolicyVersionSummary,
  ProtocolName,
  RoleName,
  SeverityName,
  TargetSummaryRecord,
  OperationTargetRecord,
} from '../store/records.js';

const Opt = Type.Optional;
const Num = Type.Number();
const Int = Type.Integer();
const Str = Type.String();
const Bool = Type.Boolean();
const Counts = Type.Record(Str, Int);

// ---- Replies that say little
export const Problem = Type.Object({ code: Str, message: Str }, { description: 'what was wrong: a stable code (BH_...) and a sentence' });
export const Ok = Type.Object({ ok: Bool });
export const VersionReply = Type.Object({ version: Int });

// ---- Sessions
export const Me = Type.Object({ name: Str, role: RoleName, csrf: Str, expiresAt: Num });
export type Me = Static<typeof Me>;

// ---- The gateway
export const EngineHealthSchema = Type.Object({
  ts: Num,
  pid: Int,
  mode: GatewayModeName,
  policy: Str,
  inspected: Int,
  denied: Int,
  queue: Opt(Type.Object({ packets: Int, errors: Int })),
  /** Each inspection queue (one worker thread each): the kernel spreads host pairs over them. */
  queues: Opt(Type.Array(Type.Object({ num: Int, packets: Int, errors: Int }))),
  /** Requests sent in pieces held inline until their last piece: bytes now, and those refused over the budget. */
  reassembly: Type.Object({ heldBytes: Int, refused: Int }),
  conduits: Type.Array(
    Type.Object({
      id: Str,
      name: Str,
      failMode: literals(['open', 'closed'] as const),
      latencyBudgetMs: Opt(Num),
      p50Us: Opt(Num),
      p99Us: Opt(Num),
      inspection: literals(['on', 'bypassed'] as const),
    }),
  ),
});

export const SupervisorSchema = Type.Object({
  pid: Int,
  since: Num,
  watchdogMs: Num,
  engine: Type.Object({ state: literals(['starting', 'running', 'down'] as const), role: Opt(literals(['engine', 'learner'] as const)), pid: Opt(Int), since: Num, lastBeat: Opt(Num) }),
  restarts: Int,
  lastExit: Opt(Type.Object({ ts: Num, reason: Str })),
  bypass: Opt(Type.Object({ driver: Str, engaged: Bool })),
  storage: Opt(Type.Object({ path: Str, usedPercent: Num, freeBytes: Num, totalBytes: Num, warnPercent: Num })),
});

export const GatewayStatusSchema = Type.Object({
  mode: Type.Object({ mode: Str, by: Opt(Str), since: Opt(Num) }),
  policy: Opt(Type.Object({ version: Int, name: Str })),
  pending: Opt(Type.Object({ version: Int, deadline: Num, secondsLeft: Num, by: Str })),
  isolations: Type.Array(IsolationRecord),
  engine: Type.Object({ running: Bool, health: Opt(EngineHealthSchema) }),
  supervisor: Opt(Type.Composite([SupervisorSchema, Type.Object({ running: Bool })])),
  audit: AuditVerificationRecord,
});

/** The console's status: the gateway's, with what the dashboard shows beside it. */
export const ConsoleStatus = Type.Composite([
  GatewayStatusSchema,
  Type.Object({
    unacknowledgedAlerts: Int,
    /** The detectors' alerts nobody has looked at yet, by severity. */
    openAlerts: Type.Object({ low: Int, medium: Int, high: Int, critical: Int }),
    /** Enforcement needs root and a bridge; a console without them still learns and reviews. */
    root: Bool,
  }),
]);
export type ConsoleStatus = Static<typeof ConsoleStatus>;

export const Isolated = Type.Object({ target: Str, addresses: Type.Array(Str) });

// ---- Learning
const Hourly = { assets: Int, conversations: Int, operations: Int, targets: Int };
export const EtherCensusSchema = Type.Object({
  types: Type.Array(Type.Object({ etherType: Int, frames: Int, firstSeen: Num, lastSeen: Num, vlans: Opt(Type.Array(Int)) })),
  /** Frames of types beyond the bound. */
  truncated: Opt(Int),
});
export const LearnProgressSchema = Type.Object({
  learning: Bool,
  firstSeen: Opt(Num),
  lastSeen: Opt(Num),
  lastDiscovery: Opt(Num),
  hoursLearned: Num,
  quietHours: Num,
  convergenceHours: Num,
  converged: Bool,
  convergesAt: Opt(Num),
  lastDay: Type.Object(Hourly),
  perHour: Type.Array(Type.Object({ hour: Num, ...Hourly })),
  totals: Type.Object({ assets: Int, conversations: Int }),
  etherTypes: Opt(EtherCensusSchema),
});
export type LearnProgress = Static<typeof LearnProgressSchema>;

// ---- The guided path (app/guided-path.ts)
export const GuidedPathSchema = Type.Object({
  steps: Type.Array(
    Type.Object({
      id: literals(['learn', 'review', 'simulate', 'approve', 'monitor', 'enforce'] as const),
      title: Str,
      state: literals(['done', 'current', 'later'] as const),
      status: Str,
      next: Opt(Str),
      href: Str,
    }),
  ),
  wouldDenyPerDay: Type.Array(Int),
});
export type GuidedPath = Static<typeof GuidedPathSchema>;

// ---- The inventory
/** An asset as the inventory shows it: the record, with its identity in the plant's words. */
export const ShownAsset = Type.Composite([AssetRecord, Type.Object({ identityText: Str })]);
export type ShownAsset = Static<typeof ShownAsset>;
/**
 * A conversation as the inventory shows it: the record, with each operation (by its key) in the
 * plant's words, and the baseline's own keys of its value points and polls in words.
 */
export const ShownConversation = Type.Composite([ConversationRecord, Type.Object({ operationWords: Type.Record(Str, Str), keyWords: Type.Record(Str, Str) })]);
export type ShownConversation = Static<typeof ShownConversation>;

// ---- An asset's timeline (app/timeline.ts)
/** What an entry tells: learning's discoveries, an alert, a denial or would-be denial, island mode on or off. */
export const TIMELINE_KINDS = ['first-seen', 'new-conversation', 'new-operation', 'alert', 'deny', 'would-deny', 'isolate', 'release'] as const;
export const TimelineEntry = Type.Object({
  ts: Num,
  kind: literals(TIMELINE_KINDS),
  /** An alert's. */
  severity: Opt(SeverityName),
  /** In the plant's words, numbers beside the names. */
  text: Str,
  /** Where to read more: the alert, the conversation. */
  link: Opt(Type.Object({ alert: Opt(Int), conversation: Opt(Str) })),
});
export type TimelineEntry = Static<typeof TimelineEntry>;
export const AssetTimeline = Type.Object({
  asset: ShownAsset,
  /** Newest first. */
  entries: Type.Array(TimelineEntry),
  /** There is more, older than the last entry, than the limit let through. */
  truncated: Bool,
  /** The asset's known span: from its first sighting or oldest entry to its last sighting or newest entry. */
  from: Num,
  to: Num,
});
export type AssetTimeline = Static<typeof AssetTimeline>;

export const ProtocolInfo = Type.Object({ name: ProtocolName, title: Str, transport: literals(['tcp', 'udp'] as const), ports: Type.Array(Int), defaultPort: Opt(Int), roles: Type.Array(Str) });

// ---- Policy review
export const FindingSchema = Type.Object({ severity: literals(['error', 'warning', 'info'] as const), code: Str, where: Str, message: Str, clause: Str });
export type Finding = Static<typeof FindingSchema>;

export const DiffSchema = Type.Object({ changes: Type.Array(Str) });

export const DeniedGroupSchema = Type.Object({
  conduitId: Opt(Str),
  protocol: Str,
  client: Str,
  server: Str,
  port: Int,
  kind: Str,
  code: Int,
  operation: Str,
  count: Int,
  firstSeen: Num,
  lastSeen: Num,
  reasonCode: Str,
  reason: Str,
});
export type DeniedGroup = Static<typeof DeniedGroupSchema>;

export const SimulationSchema = Type.Object({
  evaluated: Int,
  allowed: Int,
  denied: Int,
  responses: Int,
  deniedByReason: Counts,
  ruleHits: Counts,
  deniedByConduit: Counts,
  deniedByClient: Counts,
  denials: Type.Array(DeniedGroupSchema),
  ungroupedDenials: Int,
  deniedRequests: Type.Array(Type.Object({ frame: Int, reasonCode: Str, client: Str, server: Str, operation: Str })),
  deniedRequestsTruncated: Bool,
  notes: Type.Array(Str),
});
export type Simulation = Static<typeof SimulationSchema>;

export const SimulationComparison = Type.Object({
  candidate: SimulationSchema,
  current: Opt(SimulationSchema),
  /** What applying the candidate instead of the current policy changes. */
  changes: Opt(Type.Object({ newlyDenied: Type.Array(DeniedGroupSchema), newlyAllowed: Type.Array(DeniedGroupSchema) })),
});
export type SimulationComparison = Static<typeof SimulationComparison>;

// ---- A proposal from would-deny traffic (app/propose.ts)
const TargetSchema = OperationTargetRecord;

export const ObservationSchema = Type.Object({
  protocol: ProtocolName,
  client: Type.Object({ ip: Str, vlan: Opt(Int) }),
  server: Type.Object({ ip: Str, port: Int, vlan: Opt(Int), broadcast: Opt(Bool) }),
  kind: OperationKindName,
  code: Int,
  codeName: Str,
  subCode: Opt(Int),
  targets: Type.Array(TargetSchema),
  targetsTruncated: Opt(Bool),
  reasonCode: Opt(Str),
  count: Int,
  firstSeen: Num,
  lastSeen: Num,
  evidence: Type.Object({ events: Opt(Type.Array(Int)), alert: Opt(Int), conversation: Opt(Str) }),
});

export const ProposalSchema = Type.Object({
  version: Opt(Int),
  base: Type.Object({ version: Int, status: PolicyStatusName, why: Str }),
  since: Num,
  events: Type.Object({ read: Int, truncated: Bool }),
  observations: Type.Object({ made: Int, truncated: Bool, ungrouped: Int }),
  additions: Type.Array(
    Type.Object({ text: Str, change: literals(['new rule', 'widened', 'covered'] as const), conduitId: Str, conduitName: Str, newConduit: Bool, ruleId: Str, allows: Str, observation: ObservationSchema }),
  ),
  refused: Type.Array(Type.Object({ observation: ObservationSchema, what: Str, why: Str })),
  withoutRequest: Type.Array(Type.Object({ reasonCode: Str, count: Int, why: Str })),
  diff: DiffSchema,
  letThrough: Type.Object({ allowed: Int, of: Int, share: Num, text: Str }),
});
export type Proposal = Static<typeof ProposalSchema>;

const ComplianceStatus = literals(['met', 'partly', 'not met'] as const);
export const ComplianceSchema = Type.Object({
  generatedAt: Str,
  policy: Str,
  summary: Type.Object({ met: Int, partly: Int, 'not met': Int }),
  items: Type.Array(Type.Object({ id: Str, title: Str, status: ComplianceStatus, evidence: Type.Array(Str) })),
});

export const Applied = Type.Object({ previous: Opt(Int), deadline: Opt(Num) });
export const RolledBack = Type.Object({ from: Int, to: Opt(Int) });

/**
 * A version as the review page shows it: its summary, the parsed policy (schema: the policy
 * document's own, each conduit with its ruleCount) and its document text, or only its size.
 */
export const shownVersion = (policy: TSchema) =>
  Type.Composite([PolicyVersionSummary, Type.Object({ policy, document: Opt(Str), documentBytes: Opt(Int) })]);

// The store's records, served as they are.
export type { AssetRecordType as Asset, ConversationRecordType as Conversation, GatewayEvent, PolicyVersion } from '../store/records.js';
export type PolicySummary = Static<typeof PolicyVersionSummary>;
export type TargetSummary = Static<typeof TargetSummaryRecord>;
export type { Alert, ResponseRule, Suppression } from '../store/records.js';
export { AlertRecord, AlertStateName, literals, ResponseRuleRecord, SeverityName, SuppressionRecord } from '../store/records.js';
export { AuditEntryRecord, AuditVerificationRecord, ConversationRecord, GatewayEventRecord, GatewayModeName, IsolationRecord, Page, PolicyVersionSummary, RoleName, UserRecord } from '../store/records.js';

// ---- The advisory catalogue (app/advisories.ts)
export const AdvisorySummarySchema = Type.Object({
  advisories: Int,
  cves: Int,
  products: Int,
  kevEntries: Int,
  kevVersion: Opt(Str),
  newestAdvisory: Opt(Str),
  newestRelease: Opt(Str),
  importedAt: Opt(Num),
  sources: Type.Array(Type.Object({ source: Str, at: Num, added: Int, updated: Int })),
});

export const ImportReportSchema = Type.Object({
  source: Str,
  documents: Int,
  advisories: Int,
  added: Int,
  updated: Int,
  unchanged: Int,
  older: Int,
  kevEntries: Opt(Int),
  kevVersion: Opt(Str),
  skipped: Type.Array(Type.Object({ file: Str, problems: Type.Array(Str) })),
  skippedCount: Int,
  ignored: Type.Array(Type.Object({ file: Str, why: Str })),
  seconds: Num,
});

/** An advisory with each CVE's entry in the Known Exploited Vulnerabilities catalogue, where it has one. */
export const ShownAdvisorySchema = Type.Composite([
  Type.Omit(AdvisoryRecord, ['cves']),
  Type.Object({ cves: Type.Array(Type.Composite([AdvisoryCveRecord, Type.Object({ kev: Opt(Type.Omit(KevRecord, ['cve', 'vendor', 'product'])) })])) }),
]);
export { CriticalityRecord, MATCH_DECISIONS, MatchDecisionRecord } from '../store/advisory-records.js';
