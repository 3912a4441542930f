// Detections become alerts here: one per incident (its type and subject), repeats counted with
// their first and last time, a bounded number held between writes, and new incidents rate-limited
// in capture time so that a flood of anomalies cannot drown the people reading them.

import { requestKept, type Operation } from '../../protocols/operation.js';
import type { AlertUpdate } from '../store/alert-store.js';
import type { Severity } from '../store/records.js';
import type { Technique } from './attack.js';

/** What one detector saw once: the incident it belongs to and its words. */
export interface Detection {
  type: string;
  detector: string;
  severity: Severity;
  /** The subject the incident is about (an asset key, a conversation key and code, ...). */
  subject: string;
  attack?: Technique;
  asset?: string;
  conversation?: string;
  /** The address that did what was seen (the client that wrote, scanned, appeared), where one did: what automatic response may isolate. */
  source?: string;
  summary: string;
  baseline: string;
  seen: string;
  op: Operation;
}

export interface AlertBookLimits {
  /** Incidents held between writes; past this, sightings of further incidents are counted as dropped. */
  maxPending: number;
  /** New incidents per minute of capture time; past this they are counted into one rate alert. */
  maxNewPerMinute: number;
  /** Evidence entries kept per incident between writes (the first ones). */
  maxEvidence: number;
}

export const DEFAULT_ALERT_LIMITS: AlertBookLimits = { maxPending: 1000, maxNewPerMinute: 30, maxEvidence: 3 };

/** Incident keys remembered as raised (past this they are forgotten and count as new again). */
const MAX_KNOWN = 10_000;

function alertOperation(op: Operation): NonNullable<AlertUpdate['operation']> {
  const client = op.client.vlan === undefined ? { ip: op.client.ip } : { ip: op.client.ip, vlan: op.client.vlan };
  const server = op.server.vlan === undefined ? { ip: op.server.ip, port: op.server.port } : { ip: op.server.ip, port: op.server.port, vlan: op.server.vlan };
  return { ...requestKept(op), client, server };
}

export class AlertBook {
  private pending = new Map<string, AlertUpdate>();
  /** Incident keys raised so far (bounded by the store's own bound of alerts). */
  private readonly known = new Set<string>();
  private minute = -1;
  private newThisMinute = 0;
  /** Sightings not kept: more incidents than maxPending, or new ones over the rate. */
  dropped = 0;
  rateLimited = 0;
  private rateReported = 0;
  private lastTs = 0;

  constructor(private readonly limits: AlertBookLimits = DEFAULT_ALERT_LIMITS) {}

  add(d: Detection): void {
    const key = `${d.type}|${d.subject}`;
    const ts = d.op.evidence.ts;
    if (ts > this.lastTs) this.lastTs = ts;
    const evidence = { ts, frame: d.op.evidence.frame, flowId: d.op.flowId };
    const held = this.pending.get(key);
    if (held) {
      held.count++;
      held.lastSeen = Math.max(held.lastSeen, ts);
      held.summary = d.summary;
      held.seen = d.seen;
      if (held.evidence.length < this.limits.maxEvidence) held.evidence.push(evidence);
      else held.evidenceDropped++;
      return;
    }
    if (!this.known.has(key) && !this.admitNew(ts)) return;
    if (this.pending.size >= this.limits.maxPending) {
      this.dropped++;
      return;
    }
    if (this.known.size >= MAX_KNOWN) this.known.clear();
    this.known.add(key);
    const u: AlertUpdate = { key, type: d.type, detector: d.detector, severity: d.severity, summary: d.summary, baseline: d.baseline, seen: d.seen, count: 1, firstSeen: ts, lastSeen: ts, evidence: [evidence], evidenceDropped: 0 };
    if (d.attack) u.attack = { ...d.attack };
    if (d.asset) u.asset = d.asset;
    if (d.conversation) u.conversation = d.conversation;
    if (d.source) u.source = d.source;
    if (d.op.direction === 'request') u.operation = alertOperation(d.op);
    this.pending.set(key, u);
  }

  /** Whether a new incident may be raised this minute (capture time). */
  private admitNew(ts: number): boolean {
    const minute = Math.floor(ts / 60);
    if (minute !== this.minute) {
      this.minute = minute;
      this.newThisMinute = 0;
    }
    if (this.newThisMinute >= this.limits.maxNewPerMinute) {
      this.rateLimited++;
      return false;
    }
    this.newThisMinute++;
    return true;
  }

  /** The incidents changed since the last call, for the store. */
  take(): AlertUpdate[] {
    const out = [...this.pending.values()];
    this.pending = new Map();
    const limited = this.rateLimited - this.rateReported;
    if (limited > 0) {
      this.rateReported = this.rateLimited;
      const ts = this.lastTs;
      out.push({
        key: 'alerts_rate_limited|detection',
        type: 'alerts_rate_limited',
        detector: 'alert-book',
        severity: 'medium',
        summary: `${limited} further incidents were not raised one by one: more than ${this.limits.maxNewPerMinute} new ones in a minute`,
        baseline: `at most ${this.limits.maxNewPerMinute} new incidents a minute are raised`,
        seen: `${limited} more`,
        count: limited,
        firstSeen: ts,
        lastSeen: ts,
        evidence: [],
        evidenceDropped: 0,
      });
    }
    return out;
  }
}
