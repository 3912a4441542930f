// Alerts for people: listed newest first (by status and lowest severity), one with its evidence,
// acknowledged and resolved (audited), what is still open, by severity; "learn this" (the alert's
// request proposed into a draft policy change, the alert resolved) and suppressions (a type on
// one asset or one incident, until an expiry). Shared by the command line and the console.

import { AlertStore, type Alert, type AlertStatus } from '../store/alert-store.js';
import type { Db } from '../store/database.js';
import { AuditLog } from '../store/audit-log.js';
import { Suppressions, type Suppression } from '../store/suppressions.js';
import { BulkheadError } from '../errors.js';
import type { Observation } from '../policy/adapt.js';
import type { Proposal } from './propose.js';
import { PolicyReview } from './review.js';

/** The lines a SIEM target receives, for `bulkhead alerts --format syslog|cef`. */
export { alertSiemLines } from '../gateway/alert-lines.js';

export type AlertQuery = { status?: AlertStatus; minSeverity?: Alert['severity']; limit?: number };

/** How much a suppression made from an alert covers: this incident, its type on its asset, or its type everywhere. */
export const SUPPRESSION_SCOPES = ['incident', 'asset', 'type'] as const;
export type SuppressionScope = (typeof SUPPRESSION_SCOPES)[number];

/** Suppressions last at most this long: a forgotten one must not hide an attack for ever. */
export const MAX_SUPPRESSION_DAYS = 90;

export class Alerts {
  private readonly store: AlertStore;
  private readonly audit: AuditLog;
  private readonly suppressions: Suppressions;

  constructor(private readonly db: Db) {
    this.store = new AlertStore(db);
    this.audit = new AuditLog(db);
    this.suppressions = new Suppressions(db);
  }

  list(q: AlertQuery = {}): Alert[] {
    return this.store.list(q);
  }

  get(id: number): Alert {
    return this.store.get(id);
  }

  acknowledge(id: number, by: string, note = ''): Alert {
    return this.store.setStatus(id, 'acknowledged', by, this.audit, note);
  }

  resolve(id: number, by: string, note = ''): Alert {
    return this.store.setStatus(id, 'resolved', by, this.audit, note);
  }

  open(): Record<Alert['severity'], number> {
    return this.store.open();
  }

  /**
   * "Learn this": what the alert saw is expected. The baseline has learned it already (detectors
   * judge before learning); its request goes into a proposed draft policy change, never applied
   * by itself, and the alert is resolved with the draft's number.
   */
  learn(id: number, by: string, note = ''): { alert: Alert; proposal: Proposal } {
    const a = this.store.get(id);
    if (!a.operation) throw new BulkheadError('BH_CONFLICT', `alert ${id} (${a.type}) carries no request to allow: ${a.type === 'poll_stopped' || a.type === 'slow_response' ? 'a clock showed it' : 'it was seen in addresses or answers'}; resolve it instead`);
    const o = a.operation;
    const observation: Observation = { protocol: o.protocol, client: o.client, server: o.server, kind: o.kind, code: o.code, codeName: o.codeName, targets: o.targets, count: a.count, firstSeen: a.firstSeen, lastSeen: a.lastSeen, evidence: { alert: a.id, ...(a.conversation ? { conversation: a.conversation } : {}) } };
    if (o.subCode !== undefined) observation.subCode = o.subCode;
    if (o.targetsTruncated) observation.targetsTruncated = true;
    const proposal = new PolicyReview(this.db).propose({ by, extra: [observation] });
    const refused = proposal.refused.find((r) => r.observation.evidence.alert === id);
    const outcome = refused ? `not proposed: ${refused.why}` : proposal.version !== undefined ? `proposed in draft policy version ${proposal.version}` : 'the policy allows it already';
    this.audit.append(by, 'alert.learn', `alert ${id}`, { type: a.type, outcome, ...(note ? { note } : {}) });
    // Refused (an end in no zone, a deny rule): the alert stays open for someone to decide otherwise.
    const alert = a.status === 'resolved' || refused ? a : this.store.setStatus(id, 'resolved', by, this.audit, `learned: ${outcome}${note ? `; ${note}` : ''}`);
    return { alert, proposal };
  }

  /** Alerts like this one are not raised for `days` (audited); returns the suppression. */
  suppress(id: number, o: { scope: SuppressionScope; days: number; by: string; note?: string }, now = Date.now() / 1000): Suppression {
    if (!(o.days > 0 && o.days <= MAX_SUPPRESSION_DAYS)) throw new BulkheadError('BH_VALIDATION', `a suppression lasts more than 0 and at most ${MAX_SUPPRESSION_DAYS} days, got ${o.days}`);
    const a = this.store.get(id);
    if (o.scope === 'asset' && !a.asset) throw new BulkheadError('BH_CONFLICT', `alert ${id} (${a.type}) is about no single asset: suppress the incident or the type`);
    return this.suppressions.add({ type: a.type, ...(o.scope === 'incident' ? { key: a.key } : {}), ...(o.scope === 'asset' ? { asset: a.asset! } : {}), until: now + o.days * 86400, by: o.by, note: o.note ?? '' }, now);
  }

  suppressionList(): Suppression[] {
    return this.suppressions.list();
  }

  lift(id: number, by: string): void {
    this.suppressions.lift(id, by);
  }
}
