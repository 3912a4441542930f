// Simulation: operations (from a capture or the stored baseline) through the evaluator of a
// candidate policy, reporting what would have been denied, grouped by conduit, asset and code,
// and which rules carried the traffic. Two simulations compare into "what changes if I apply it".

import type { Operation } from '../../protocols/operation.js';
import { describeCode, type Evaluator } from './evaluate.js';

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
  /** The reason given for the first of them. */
  reason: string;
}

export interface SimulationReport {
  evaluated: number;
  allowed: number;
  denied: number;
  /** Responses ride on their requests' verdicts and are not counted. */
  responses: number;
  /** Rule id -> operations it allowed or denied. */
  ruleHits: Record<string, number>;
  deniedByConduit: Record<string, number>;
  deniedByClient: Record<string, number>;
  denials: DeniedGroup[];
  /** Denials not grouped because the group table was full. */
  ungroupedDenials: number;
}

/** Denied groups kept: a scan of every port and register must not exhaust memory. */
const MAX_GROUPS = 10_000;

export class Simulation {
  private readonly groups = new Map<string, DeniedGroup>();
  private readonly report: SimulationReport = { evaluated: 0, allowed: 0, denied: 0, responses: 0, ruleHits: {}, deniedByConduit: {}, deniedByClient: {}, denials: [], ungroupedDenials: 0 };

  constructor(private readonly evaluator: Evaluator) {}

  /** Evaluates one operation `count` times over (a baseline entry stands for many). */
  add(op: Operation, count = 1): void {
    if (op.direction === 'response') {
      this.report.responses += count;
      return;
    }
    const v = this.evaluator.evaluate(op);
    const r = this.report;
    r.evaluated += count;
    if (v.ruleId) r.ruleHits[v.ruleId] = (r.ruleHits[v.ruleId] ?? 0) + count;
    if (v.action === 'allow') {
      r.allowed += count;
      return;
    }
    r.denied += count;
    const conduit = v.conduitId ?? '(no conduit)';
    r.deniedByConduit[conduit] = (r.deniedByConduit[conduit] ?? 0) + count;
    r.deniedByClient[op.client.ip] = (r.deniedByClient[op.client.ip] ?? 0) + count;
    const key = `${conduit}|${op.client.ip}|${op.server.ip}|${op.server.port}|${op.protocol}|${op.kind}|${op.code}`;
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
      kind: op.kind,
      code: op.code,
      operation: describeCode(op),
      count,
      firstSeen: ts,
      lastSeen: ts,
      reason: v.reason,
    };
    if (v.conduitId) group.conduitId = v.conduitId;
    this.groups.set(key, group);
  }

  result(): SimulationReport {
    return { ...this.report, denials: [...this.groups.values()].sort((a, b) => b.count - a.count) };
  }
}

const groupKey = (g: DeniedGroup) => `${g.client}|${g.server}|${g.port}|${g.protocol}|${g.kind}|${g.code}`;

/** What applying `candidate` instead of `current` changes, on the same traffic. */
export function compareSimulations(current: SimulationReport, candidate: SimulationReport): { newlyDenied: DeniedGroup[]; newlyAllowed: DeniedGroup[] } {
  const before = new Set(current.denials.map(groupKey));
  const after = new Set(candidate.denials.map(groupKey));
  return {
    newlyDenied: candidate.denials.filter((g) => !before.has(groupKey(g))),
    newlyAllowed: current.denials.filter((g) => !after.has(groupKey(g))),
  };
}
