// Policy versions: every derived or imported document is kept as written, with who made it,
// who approved it (optionally a second person) and its status. Every change here is an audit
// entry written in the same transaction. The texts are kept apart from the record (policy_texts):
// the document, and beside it its checked form and outline as JSON (`parsed`, `outline`), caches
// that spare a load the YAML parse and a view the whole form, never the record.

import type { Db } from './database.js';
import { AuditLog } from './audit-log.js';
import { readSetting, writeSetting } from './settings.js';
import { BulkheadError } from '../errors.js';
import type { PolicyStatus, PolicyVersion } from './records.js';

export type { PolicyStatus, PolicyVersion } from './records.js';

export class PolicyStoreError extends BulkheadError {
  constructor(message: string, code: 'BH_CONFLICT' | 'BH_NOT_FOUND' = 'BH_CONFLICT') {
    super(code, message);
    this.name = 'PolicyStoreError';
  }
}

interface Row {
  version: number;
  name: string;
  status: PolicyStatus;
  document: string;
  source: string;
  created_at: number;
  created_by: string;
  approved_by: string | null;
  approved_at: number | null;
  second_approver: string | null;
  second_approved_at: number | null;
}

/** The record's columns; the document is read from policy_texts only where it is wanted. */
const RECORD = 'version, name, status, source, created_at, created_by, approved_by, approved_at, second_approver, second_approved_at';
const WITH_DOCUMENT = `${RECORD.split(', ').map((c) => `v.${c}`).join(', ')}, t.document FROM policy_versions v JOIN policy_texts t USING (version)`;

function fromRow(r: Row): PolicyVersion {
  const v: PolicyVersion = { version: r.version, name: r.name, status: r.status, document: r.document, source: r.source, createdAt: r.created_at, createdBy: r.created_by };
  if (r.approved_by !== null) v.approvedBy = r.approved_by;
  if (r.approved_at !== null) v.approvedAt = r.approved_at;
  if (r.second_approver !== null) v.secondApprover = r.second_approver;
  if (r.second_approved_at !== null) v.secondApprovedAt = r.second_approved_at;
  return v;
}

function withoutDocument(r: Row): Omit<PolicyVersion, 'document'> {
  const v: Partial<PolicyVersion> = fromRow(r);
  delete v.document;
  return v as Omit<PolicyVersion, 'document'>;
}

export class PolicyStore {
  readonly audit: AuditLog;

  constructor(readonly db: Db) {
    this.audit = new AuditLog(db);
  }

  /**
   * Stores a new draft; returns its version number. `parsed`: the document as the policy checker
   * returned it (parsePolicy of exactly `document`), kept as JSON so that loading it needs no
   * parse; without it the first load parses the document and keeps it then. `outline`: that form
   * as the policy view shows it (policy/stored.ts storeVersion gives both), else made on the first view.
   */
  add(document: string, name: string, source: string, createdBy: string, parsed?: unknown, outline?: unknown): number {
    return this.db.transaction(() => {
      const r = this.db.prepare('INSERT INTO policy_versions (name, status, source, created_at, created_by) VALUES (?, ?, ?, ?, ?)').run(name, 'draft', source, Date.now() / 1000, createdBy);
      const version = Number(r.lastInsertRowid);
      this.db
        .prepare('INSERT INTO policy_texts (version, document, parsed, outline) VALUES (?, ?, ?, ?)')
        .run(version, document, parsed === undefined ? null : JSON.stringify(parsed), outline === undefined ? null : JSON.stringify(outline));
      this.audit.append(createdBy, 'policy.create', `policy ${version}`, { name, source });
      return version;
    }).immediate();
  }

  get(version: number): PolicyVersion {
    const r = this.db.prepare(`SELECT ${WITH_DOCUMENT} WHERE version = ?`).get(version) as Row | undefined;
    if (!r) throw new PolicyStoreError(`no policy version ${version}`, 'BH_NOT_FOUND');
    return fromRow(r);
  }

  /** The newest version, or the active one. */
  latest(status?: PolicyStatus): PolicyVersion | undefined {
    const r = (status
      ? this.db.prepare(`SELECT ${WITH_DOCUMENT} WHERE v.status = ? ORDER BY version DESC LIMIT 1`).get(status)
      : this.db.prepare(`SELECT ${WITH_DOCUMENT} ORDER BY version DESC LIMIT 1`).get()) as Row | undefined;
    return r ? fromRow(r) : undefined;
  }

  /**
   * A version's checked form as kept beside its document (a policy object, unchecked here: the
   * store knows no policy), or undefined when none is kept or it does not read as JSON, and the
   * caller parses the document instead (policy/stored.ts).
   */
  parsed(version: number): unknown {
    return this.kept(version, 'parsed');
  }

  /** A version's outline as kept (policy/stored.ts), or undefined as for parsed(). */
  outline(version: number): unknown {
    return this.kept(version, 'outline');
  }

  private kept(version: number, column: 'parsed' | 'outline'): unknown {
    const r = this.db.prepare(`SELECT ${column} AS kept FROM policy_texts WHERE version = ?`).get(version) as { kept: string | null } | undefined;
    if (!r || r.kept === null) return undefined;
    try {
      return JSON.parse(r.kept) as unknown;
    } catch {
      return undefined;
    }
  }

  /**
   * Keeps a version's checked form, parsed from its document by the caller (a version stored
   * before the form was kept, or whose form was unreadable). A cache, not a change: no audit
   * entry, and a database opened read-only simply keeps none.
   */
  keepParsed(version: number, parsed: unknown, outline?: unknown): void {
    this.keep(version, 'parsed', parsed);
    if (outline !== undefined) this.keep(version, 'outline', outline);
  }

  /** Keeps a version's outline, made by the caller from its checked form; a cache as keepParsed. */
  keepOutline(version: number, outline: unknown): void {
    this.keep(version, 'outline', outline);
  }

  private keep(version: number, column: 'parsed' | 'outline', value: unknown): void {
    try {
      this.db.prepare(`UPDATE policy_texts SET ${column} = ? WHERE version = ?`).run(JSON.stringify(value), version);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'SQLITE_READONLY' && code !== 'SQLITE_BUSY') throw err;
    }
  }

  /**
   * A version without its document text (which can be megabytes), and the text's length in bytes:
   * octet_length reads the stored size, where length() reads the whole text to count characters
   * (150 ms for a 100,000-rule document).
   */
  summary(version: number): Omit<PolicyVersion, 'document'> & { documentLength: number } {
    const r = this.db.prepare(`SELECT ${RECORD}, (SELECT octet_length(document) FROM policy_texts t WHERE t.version = v.version) AS n FROM policy_versions v WHERE version = ?`).get(version) as (Row & { n: number }) | undefined;
    if (!r) throw new PolicyStoreError(`no policy version ${version}`, 'BH_NOT_FOUND');
    return { ...withoutDocument(r), documentLength: r.n };
  }

  /** Every version without its document text. */
  list(): Omit<PolicyVersion, 'document'>[] {
    return (this.db.prepare(`SELECT ${RECORD} FROM policy_versions ORDER BY version`).all() as Row[]).map(withoutDocument);
  }

  /**
   * Records an approval. The first approval makes a draft approved; a second one, by another
   * person, is recorded as the second approver (IEC 62443-3-3 SR 2.1 RE4, dual approval).
   */
  approve(version: number, by: string): PolicyVersion {
    const run = this.db.transaction(() => {
      const v = this.get(version);
      if (v.status === 'retired') throw new PolicyStoreError(`policy version ${version} is retired`);
      if (!v.approvedBy) {
        this.db.prepare("UPDATE policy_versions SET status = CASE status WHEN 'draft' THEN 'approved' ELSE status END, approved_by = ?, approved_at = ? WHERE version = ?").run(by, Date.now() / 1000, version);
      } else if (v.secondApprover) {
        throw new PolicyStoreError(`policy version ${version} is already approved by ${v.approvedBy} and ${v.secondApprover}`);
      } else if (v.approvedBy === by) {
        throw new PolicyStoreError(`policy version ${version} is already approved by ${by}: a second approval must come from another person`);
      } else {
        this.db.prepare('UPDATE policy_versions SET second_approver = ?, second_approved_at = ? WHERE version = ?').run(by, Date.now() / 1000, version);
      }
      const after = this.get(version);
      this.audit.append(by, 'policy.approve', `policy ${version}`, { status: after.status, second: after.secondApprover === by });
      return after;
    });
    return run.immediate();
  }

  /**
   * Makes an approved version the active one. With `confirmWithin` seconds, the change is pending:
   * unless confirmed in time it rolls back to the previous active version by itself.
   */
  apply(version: number, by: string, confirmWithin?: number): { previous?: number; deadline?: number } {
    // An expired change rolls back whatever happens next (outside the transaction that may fail).
    this.expirePending(Date.now() / 1000);
    return this.db.transaction(() => {
      const v = this.get(version);
      if (v.status === 'draft') throw new PolicyStoreError(`policy version ${version} is a draft: approve it first (bulkhead policy approve ${version} --by NAME)`);
      if (v.status === 'retired') throw new PolicyStoreError(`policy version ${version} is retired`);
      if (this.pending()) throw new PolicyStoreError('another change is waiting for confirmation: confirm or roll it back first');
      const previous = this.latest('active')?.version;
      if (previous === version) throw new PolicyStoreError(`policy version ${version} is already active`);
      if (previous !== undefined) this.db.prepare("UPDATE policy_versions SET status = 'approved' WHERE version = ?").run(previous);
      this.db.prepare("UPDATE policy_versions SET status = 'active' WHERE version = ?").run(version);
      const deadline = confirmWithin !== undefined ? Date.now() / 1000 + confirmWithin : undefined;
      this.db.prepare('INSERT INTO policy_changes (ts, action, version, previous, deadline, by) VALUES (?, ?, ?, ?, ?, ?)').run(Date.now() / 1000, 'apply', version, previous ?? null, deadline ?? null, by);
      const r = { ...(previous !== undefined ? { previous } : {}), ...(deadline !== undefined ? { deadline } : {}) };
      this.audit.append(by, 'policy.apply', `policy ${version}`, r);
      return r;
    }).immediate();
  }

  /** The applied change still waiting for its confirmation, if any. */
  pending(): { id: number; version: number; previous?: number; deadline: number; by: string } | undefined {
    const r = this.db
      .prepare(
        "SELECT id, version, previous, deadline, by FROM policy_changes a WHERE action = 'apply' AND deadline IS NOT NULL AND NOT EXISTS (SELECT 1 FROM policy_changes b WHERE b.id > a.id AND b.action IN ('confirm', 'rollback') AND b.version = a.version) ORDER BY id DESC LIMIT 1",
      )
      .get() as { id: number; version: number; previous: number | null; deadline: number; by: string } | undefined;
    if (!r) return undefined;
    return { id: r.id, version: r.version, deadline: r.deadline, by: r.by, ...(r.previous !== null ? { previous: r.previous } : {}) };
  }

  confirm(by: string): number {
    this.expirePending(Date.now() / 1000);
    return this.db.transaction(() => {
      const p = this.pending();
      if (!p) throw new PolicyStoreError('nothing is waiting for confirmation (a change not confirmed in time has already been rolled back)');
      this.db.prepare('INSERT INTO policy_changes (ts, action, version, previous, by) VALUES (?, ?, ?, ?, ?)').run(Date.now() / 1000, 'confirm', p.version, p.previous ?? null, by);
      this.audit.append(by, 'policy.confirm', `policy ${p.version}`, { deadline: p.deadline });
      return p.version;
    }).immediate();
  }

  /** Puts the previous active version back (for the pending change, or on request). */
  rollback(by: string, detail: string): { from: number; to?: number } {
    return this.db.transaction(() => {
      const p = this.pending();
      const current = this.latest('active');
      if (!current) throw new PolicyStoreError('no policy is active', 'BH_NOT_FOUND');
      const to = p ? p.previous : (this.db.prepare("SELECT previous FROM policy_changes WHERE action = 'apply' AND version = ? ORDER BY id DESC LIMIT 1").get(current.version) as { previous: number | null } | undefined)?.previous ?? undefined;
      this.db.prepare("UPDATE policy_versions SET status = 'approved' WHERE version = ?").run(current.version);
      if (to !== undefined) this.db.prepare("UPDATE policy_versions SET status = 'active' WHERE version = ?").run(to);
      this.db.prepare('INSERT INTO policy_changes (ts, action, version, previous, by, detail) VALUES (?, ?, ?, ?, ?, ?)').run(Date.now() / 1000, 'rollback', current.version, to ?? null, by, detail);
      const r = { from: current.version, ...(to !== undefined ? { to } : {}) };
      this.audit.append(by, 'policy.rollback', `policy ${current.version}`, { ...r, reason: detail });
      return r;
    }).immediate();
  }

  /** Rolls back a pending change whose deadline has passed; returns what was rolled back. */
  expirePending(now: number): { from: number; to?: number } | undefined {
    const p = this.pending();
    if (!p || p.deadline > now) return undefined;
    return this.rollback('commit-confirm', `not confirmed within the deadline (${new Date(p.deadline * 1000).toISOString()})`);
  }

  changes(): { ts: number; action: string; version: number; previous?: number; deadline?: number; by: string; detail: string }[] {
    return (this.db.prepare('SELECT ts, action, version, previous, deadline, by, detail FROM policy_changes ORDER BY id').all() as { ts: number; action: string; version: number; previous: number | null; deadline: number | null; by: string; detail: string }[]).map(
      (r) => ({ ts: r.ts, action: r.action, version: r.version, by: r.by, detail: r.detail, ...(r.previous !== null ? { previous: r.previous } : {}), ...(r.deadline !== null ? { deadline: r.deadline } : {}) }),
    );
  }

  /** Island mode (SR 5.2 RE2): cut `addresses` off at the boundary under the name `target`. */
  isolate(target: string, addresses: string[], by: string, reason: string): void {
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO isolations (target, addresses, since, by, reason) VALUES (?, ?, ?, ?, ?) ON CONFLICT (target) DO UPDATE SET addresses = excluded.addresses').run(target, JSON.stringify(addresses), Date.now() / 1000, by, reason);
      this.audit.append(by, 'gateway.isolate', target, { addresses, reason });
    }).immediate();
  }

  release(target: string, by: string): void {
    this.db.transaction(() => {
      if (this.db.prepare('DELETE FROM isolations WHERE target = ?').run(target).changes === 0) throw new PolicyStoreError(`${target} is not isolated`);
      this.audit.append(by, 'gateway.release', target);
    }).immediate();
  }

  isolations(): { target: string; addresses: string[]; since: number; by: string; reason: string }[] {
    return (this.db.prepare('SELECT target, addresses, since, by, reason FROM isolations ORDER BY since').all() as { target: string; addresses: string; since: number; by: string; reason: string }[]).map((r) => ({ ...r, addresses: JSON.parse(r.addresses) as string[] }));
  }

  /** Takes a version out of use for good: it can no longer be approved or applied. */
  retire(version: number, by: string): void {
    this.db.transaction(() => {
      const v = this.get(version);
      if (v.status === 'active') throw new PolicyStoreError(`policy version ${version} is active: apply another version first`);
      this.db.prepare("UPDATE policy_versions SET status = 'retired' WHERE version = ?").run(version);
      this.audit.append(by, 'policy.retire', `policy ${version}`);
    }).immediate();
  }

  /** The gateway's mode as last set (learn, enforce or bypass); undefined: as started. */
  mode(): string | undefined {
    return readSetting<{ mode: string }>(this.db, 'gateway.mode')?.mode;
  }

  setMode(mode: string, by: string): void {
    this.db.transaction(() => {
      const from = this.mode();
      writeSetting(this.db, 'gateway.mode', { mode, by, since: Date.now() / 1000 });
      this.audit.append(by, 'gateway.mode', mode, from ? { from } : {});
    }).immediate();
  }
}

/** The version a change builds on, and why that one. */
export interface WorkingVersion {
  version: number;
  status: PolicyStatus;
  why: string;
}

/** The version to build on or judge by: the active one, else the latest approved, else the latest draft. */
export function workingVersion(policies: PolicyStore): WorkingVersion | undefined {
  const choices = [
    ['active', 'the active version'],
    ['approved', 'the latest approved version (none is active)'],
    ['draft', 'the latest draft (none is active or approved)'],
  ] as const;
  for (const [status, why] of choices) {
    const v = policies.latest(status);
    if (v) return { version: v.version, status, why };
  }
  return undefined;
}
