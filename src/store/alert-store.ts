// Alerts, one row per incident (its type and subject): a repeat adds to the row's count, moves
// its last time and latest evidence, and reopens it if it was resolved. People acknowledge and
// resolve them (audited). Bounded: the oldest resolved alerts go first past MAX_ALERTS. Every
// change takes the next change number (seq), which is how SIEM forwarding finds what changed.

import type { Db } from './database.js';
import type { AuditLog } from './audit-log.js';
import { BulkheadError } from '../errors.js';
import { SEVERITIES, severityRank as rank, type Alert } from './records.js';
import { Suppressions } from './suppressions.js';

export type { Alert } from './records.js';

/** Alerts kept; past this the oldest resolved ones, then the oldest, are removed. */
export const MAX_ALERTS = 10_000;
/** Evidence kept per alert: the first sightings and the latest ones. */
export const EVIDENCE_FIRST = 3;
export const EVIDENCE_LATEST = 3;

/** What a detector reports of an incident since the last write: `count` more sightings. */
export type AlertUpdate = Omit<Alert, 'id' | 'status' | 'ackedBy' | 'ackedAt' | 'resolvedBy' | 'resolvedAt'>;

export type AlertStatus = Alert['status'];

/** The meta key of the alerts' change counter (migration 9 starts it). */
const SEQ = 'alerts.seq';

export class AlertStore {
  private readonly byKey;
  private readonly insert;
  private readonly update;
  private readonly nextSeq;

  private readonly suppressions: Suppressions;

  constructor(readonly db: Db) {
    this.suppressions = new Suppressions(db);
    this.byKey = db.prepare('SELECT data FROM alerts WHERE key = ?');
    this.insert = db.prepare('INSERT INTO alerts (key, status, severity, first_seen, last_seen, data) VALUES (?, ?, ?, ?, ?, ?)');
    this.update = db.prepare('UPDATE alerts SET status = ?, severity = ?, first_seen = ?, last_seen = ?, data = ?, seq = ? WHERE id = ?');
    // In the meta table, not MAX(seq): trimming may remove the alert that changed last.
    this.nextSeq = db.prepare(`INSERT INTO meta (key, value) VALUES ('${SEQ}', '1') ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1 RETURNING value`).pluck();
  }

  /** Stores the alert as it now is, under the next change number (inside a write transaction). */
  private write(a: Alert): void {
    this.update.run(a.status, a.severity, a.firstSeen, a.lastSeen, JSON.stringify(a), Number(this.nextSeq.get()), a.id);
  }

  /** Writes the updates (call inside the caller's transaction, or on its own): new rows or repeats added. */
  record(updates: readonly AlertUpdate[]): void {
    if (updates.length === 0) return;
    this.db.transaction(() => {
      // A suppressed incident is counted on its suppression instead.
      for (const u of this.suppressions.filter(updates)) this.recordOne(u);
      this.trim();
    })();
  }

  private recordOne(u: AlertUpdate): void {
    const row = this.byKey.get(u.key) as { data: string } | undefined;
    if (!row) {
      const r = this.insert.run(u.key, 'new', u.severity, u.firstSeen, u.lastSeen, '{}');
      this.write({ ...u, id: Number(r.lastInsertRowid), status: 'new' });
      return;
    }
    const a = JSON.parse(row.data) as Alert;
    const merged = mergeEvidence(a, u);
    const next: Alert = {
      ...a,
      // The latest sighting's words and numbers: what was seen most recently is what people read.
      summary: u.summary,
      seen: u.seen,
      baseline: u.baseline,
      severity: rank(u.severity) > rank(a.severity) ? u.severity : a.severity,
      count: a.count + u.count,
      firstSeen: Math.min(a.firstSeen, u.firstSeen),
      lastSeen: Math.max(a.lastSeen, u.lastSeen),
      ...merged,
    };
    // A resolved incident that comes back is open again.
    if (a.status === 'resolved') {
      next.status = 'new';
      delete next.resolvedBy;
      delete next.resolvedAt;
      delete next.ackedBy;
      delete next.ackedAt;
    }
    this.write(next);
  }

  private trim(): void {
    const n = (this.db.prepare('SELECT COUNT(*) AS n FROM alerts').get() as { n: number }).n;
    if (n <= MAX_ALERTS) return;
    this.db.prepare("DELETE FROM alerts WHERE id IN (SELECT id FROM alerts ORDER BY status = 'resolved' DESC, last_seen LIMIT ?)").run(n - MAX_ALERTS);
  }

  /** Newest first; filtered by status and lowest severity. */
  list(o: { status?: AlertStatus; minSeverity?: Alert['severity']; limit?: number } = {}): Alert[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (o.status) {
      where.push('status = ?');
      args.push(o.status);
    }
    if (o.minSeverity) {
      const allowed = SEVERITIES.slice(rank(o.minSeverity));
      where.push(`severity IN (${allowed.map(() => '?').join(', ')})`);
      args.push(...allowed);
    }
    const sql = `SELECT data FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY last_seen DESC, id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, Math.min(o.limit ?? 200, 1000)) as { data: string }[]).map((r) => JSON.parse(r.data) as Alert);
  }

  /**
   * The newest `limit` alerts (by first sighting) about address `ip`, one of `conversations`, or
   * a request `ip` sent or received (a new host's first write names its target only there).
   */
  about(ip: string, conversations: readonly string[], limit: number): Alert[] {
    const sql = `SELECT data FROM alerts WHERE json_extract(data, '$.asset') = @ip OR json_extract(data, '$.conversation') IN (SELECT value FROM json_each(@conversations))
      OR json_extract(data, '$.operation.client.ip') = @ip OR json_extract(data, '$.operation.server.ip') = @ip ORDER BY first_seen DESC, id DESC LIMIT @limit`;
    return (this.db.prepare(sql).all({ ip, conversations: JSON.stringify(conversations), limit }) as { data: string }[]).map((r) => JSON.parse(r.data) as Alert);
  }

  get(id: number): Alert {
    const r = this.db.prepare('SELECT data FROM alerts WHERE id = ?').get(id) as { data: string } | undefined;
    if (!r) throw new BulkheadError('BH_NOT_FOUND', `no alert ${id}`);
    return JSON.parse(r.data) as Alert;
  }

  /** The alerts changed after change number `after`, oldest change first, each as it now is. */
  changedAfter(after: number, limit: number): { seq: number; alert: Alert }[] {
    const rows = this.db.prepare('SELECT seq, data FROM alerts WHERE seq > ? ORDER BY seq LIMIT ?').all(after, limit) as { seq: number; data: string }[];
    return rows.map((r) => ({ seq: r.seq, alert: JSON.parse(r.data) as Alert }));
  }

  /** The number of the latest change (0 before any): where a new SIEM target starts. */
  lastSeq(): number {
    return Number(this.db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(SEQ) ?? 0);
  }

  /** Alerts nobody has looked at yet, by severity. */
  open(): Record<Alert['severity'], number> {
    const out = { low: 0, medium: 0, high: 0, critical: 0 };
    for (const r of this.db.prepare("SELECT severity, COUNT(*) AS n FROM alerts WHERE status = 'new' GROUP BY severity").all() as { severity: Alert['severity']; n: number }[]) out[r.severity] = r.n;
    return out;
  }

  /** new → acknowledged → resolved; each step audited in the same transaction. */
  setStatus(id: number, status: 'acknowledged' | 'resolved', by: string, audit: AuditLog, note = ''): Alert {
    return this.db.transaction(() => {
      const a = this.get(id);
      if (a.status === status || (a.status === 'resolved' && status === 'acknowledged')) throw new BulkheadError('BH_CONFLICT', `alert ${id} is ${a.status} already`);
      const now = Date.now() / 1000;
      if (status === 'acknowledged') Object.assign(a, { status, ackedBy: by, ackedAt: now });
      else Object.assign(a, { status, resolvedBy: by, resolvedAt: now });
      this.write(a);
      audit.append(by, status === 'acknowledged' ? 'alert.acknowledge' : 'alert.resolve', `alert ${id}`, { type: a.type, ...(note ? { note } : {}) });
      return a;
    }).immediate();
  }
}


/** The first sightings and the latest ones, with a count of those in between. */
function mergeEvidence(a: Alert, u: AlertUpdate): Pick<Alert, 'evidence' | 'evidenceDropped'> {
  const all = [...a.evidence, ...u.evidence];
  const keep = EVIDENCE_FIRST + EVIDENCE_LATEST;
  if (all.length <= keep) return { evidence: all, evidenceDropped: a.evidenceDropped + u.evidenceDropped };
  return { evidence: [...all.slice(0, EVIDENCE_FIRST), ...all.slice(-EVIDENCE_LATEST)], evidenceDropped: a.evidenceDropped + u.evidenceDropped + all.length - keep };
}
