// Simulation: requests (from a capture, followed as the inline inspector follows them, or from
// the stored baseline) through the one verdict of a candidate policy, reporting what would have
// been denied and why (reason codes), grouped by conduit, asset and code, which rules carried
// the traffic, and, for captures, each denied request by frame. Two simulations compare into
// "what changes if I apply it".

import type { Endpoint, Operation } from '../../protocols/operation.js';
import { describeCode, type Verdict, type VerdictCode } from './evaluate.js';
import type { Judge } from './verdict.js';

export interface DeniedGroup {
  conduitId?: string;
  protocol: string;
  client: string;
  server: string;
  port: number;
  kind: string;
  code: number;
  operation: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
  /** Why, as a code and (for the first of them) as a sentence. */
  reasonCode: VerdictCode;
  reason: string;
}

/** One denied request of a capture, where it was. */
export interface DeniedRequest {
  frame: number;
  reasonCode: VerdictCode;
  client: string;
  server: string;
  operation: string;
}

export interface SimulationReport {
  evaluated: number;
  allowed: number;
  denied: number;
  /** Responses ride on their requests' verdicts and are not counted. */
  responses: number;
  /** Denied requests by reason code. */
  deniedByReason: Partial<Record<VerdictCode, number>>;
  /** Rule id -> operations it allowed or denied. */
  ruleHits: Record<string, number>;
  deniedByConduit: Record<string, number>;
  deniedByClient: Record<string, number>;
  denials: DeniedGroup[];
  /** Denials not grouped because the group table was full. */
  ungroupedDenials: number;
  /** Captures: each denied request by frame (at most MAX_LISTED; `deniedRequestsTruncated` past that). */
  deniedRequests: DeniedRequest[];
  deniedRequestsTruncated: boolean;
  /** Where what the capture shows may differ from what the gateway would have seen. */
  notes: string[];
}

/** Denied groups kept: a scan of every port and register must not exhaust memory. */
const MAX_GROUPS = 10_000;
/** Denied requests listed one by one. */
export const MAX_LISTED = 10_000;

/** What a denial is about when no request could be read: the packet's endpoints and protocol. */
export interface Unread {
  protocol: string;
  client: Endpoint;
  server: Endpoint;
  evidence: Operation['evidence'];
}

export class Simulation {
  private readonly groups = new Map<string, DeniedGroup>();
  private readonly report: SimulationReport = {
    evaluated: 0,
    allowed: 0,
    denied: 0,
    responses: 0,
    deniedByReason: {},
    ruleHits: {},
    deniedByConduit: {},
    deniedByClient: {},
    denials: [],
    ungroupedDenials: 0,
    deniedRequests: [],
    deniedRequestsTruncated: false,
    notes: [],
  };

  constructor(readonly judge: Judge) {}

  /** Judges one operation standing for `count` of them (a baseline entry stands for many). */
  add(op: Operation, count = 1): void {
    if (op.direction === 'response') {
      this.report.responses += count;
      return;
    }
    this.record(op, this.judge.request(op), count);
  }

  /** Counts responses that ride on their requests' verdicts. */
  responses(count: number): void {
    this.report.responses += count;
  }

  /** A note on how far the simulation can speak for the gateway (said once). */
  note(text: string): void {
    if (!this.report.notes.includes(text)) this.report.notes.push(text);
  }

  /** Tallies a verdict given elsewhere (a capture's requests, judged as the inspector judges them). */
  record(op: Operation | Unread, v: Verdict, count = 1): void {
    const r = this.report;
    r.evaluated += count;
    if (v.ruleId) r.ruleHits[v.ruleId] = (r.ruleHits[v.ruleId] ?? 0) + count;
    if (v.action === 'allow') {
      r.allowed += count;
      return;
    }
    r.denied += count;
    r.deniedByReason[v.code] = (r.deniedByReason[v.code] ?? 0) + count;
    // An unread denial (the follower's problem) has no kind or code of its own.
    const read = 'kind' in op;
    const operation = read ? describeCode(op) : `unread (${v.code})`;
    const what = read ? `${op.protocol} ${op.kind} ${operation}` : `${op.protocol} (unread: ${v.code})`;
    if (op.evidence.frame > 0) {
      if (r.deniedRequests.length < MAX_LISTED) r.deniedRequests.push({ frame: op.evidence.frame, reasonCode: v.code, client: op.client.ip, server: `${op.server.ip}:${op.server.port}`, operation: what });
      else r.deniedRequestsTruncated = true;
    }
    this.group(op, v, count, read ? op.kind : 'unknown', read ? op.code : -1, operation);
  }

  private group(op: Operation | Unread, v: Verdict, count: number, kind: string, code: number, operation: string): void {
    const r = this.report;
    const conduit = v.conduitId ?? '(no conduit)';
    r.deniedByConduit[conduit] = (r.deniedByConduit[conduit] ?? 0) + count;
    r.deniedByClient[op.client.ip] = (r.deniedByClient[op.client.ip] ?? 0) + count;
    const key = `${conduit}|${op.client.ip}|${op.server.ip}|${op.server.port}|${op.protocol}|${kind}|${code}|${v.code}`;
    const g = this.groups.get(key);
    const ts = op.evidence.ts;
    if (g) {
      g.count += count;
      if (ts < g.firstSeen) g.firstSeen = ts;
      if (ts > g.lastSeen) g.lastSeen = ts;
      return;
    }
    if (this.groups.size >= MAX_GROUPS) {
      r.ungroupedDenials += count;
      return;
    }
    const group: DeniedGroup = {
      protocol: op.protocol,
      client: op.client.ip,
      server: op.server.ip,
      port: op.server.port,
      kind,
      code,
      operation,
      count,
      firstSeen: ts,
      lastSeen: ts,
      reasonCode: v.code,
      reason: v.reason,
    };
    if (v.conduitId) group.conduitId = v.conduitId;
    this.groups.set(key, group);
  }

  result(): SimulationReport {
    return { ...this.report, denials: [...this.groups.values()].sort((a, b) => b.count - a.count) };
  }
}

const groupKey = (g: DeniedGroup) => `${g.client}|${g.server}|${g.port}|${g.protocol}|${g.kind}|${g.code}|${g.reasonCode}`;

/** What applying `candidate` instead of `current` changes, on the same traffic. */
export function compareSimulations(current: SimulationReport, candidate: SimulationReport): { newlyDenied: DeniedGroup[]; newlyAllowed: DeniedGroup[] } {
  const before = new Set(current.denials.map(groupKey));
  const after = new Set(candidate.denials.map(groupKey));
  return {
    newlyDenied: candidate.denials.filter((g) => !before.has(groupKey(g))),
    newlyAllowed: current.denials.filter((g) => !after.has(groupKey(g))),
  };
}
