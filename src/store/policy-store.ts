// Policy versions: every derived or imported document is kept as written, with who made it,
// who approved it (optionally a second person) and its status.

import type { Db } from './database.js';

export type PolicyStatus = 'draft' | 'approved' | 'active' | 'retired';

export interface PolicyVersion {
  version: number;
  name: string;
  status: PolicyStatus;
  document: string;
  source: string;
  createdAt: number;
  createdBy: string;
  approvedBy?: string;
  approvedAt?: number;
  secondApprover?: string;
  secondApprovedAt?: number;
}

export class PolicyStoreError extends Error {
  constructor(message: string) {
    super(message);
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

function fromRow(r: Row): PolicyVersion {
  const v: PolicyVersion = { version: r.version, name: r.name, status: r.status, document: r.document, source: r.source, createdAt: r.created_at, createdBy: r.created_by };
  if (r.approved_by !== null) v.approvedBy = r.approved_by;
  if (r.approved_at !== null) v.approvedAt = r.approved_at;
  if (r.second_approver !== null) v.secondApprover = r.second_approver;
  if (r.second_approved_at !== null) v.secondApprovedAt = r.second_approved_at;
  return v;
}

export class PolicyStore {
  constructor(readonly db: Db) {}

  /** Stores a new draft; returns its version number. */
  add(document: string, name: string, source: string, createdBy: string): number {
    const r = this.db
      .prepare('INSERT INTO policy_versions (name, status, document, source, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)')
      .run(name, 'draft', document, source, Date.now() / 1000, createdBy);
    return Number(r.lastInsertRowid);
  }

  get(version: number): PolicyVersion {
    const r = this.db.prepare('SELECT * FROM policy_versions WHERE version = ?').get(version) as Row | undefined;
    if (!r) throw new PolicyStoreError(`no policy version ${version}`);
    return fromRow(r);
  }

  /** The newest version, or the active one. */
  latest(status?: PolicyStatus): PolicyVersion | undefined {
    const r = (status
      ? this.db.prepare('SELECT * FROM policy_versions WHERE status = ? ORDER BY version DESC LIMIT 1').get(status)
      : this.db.prepare('SELECT * FROM policy_versions ORDER BY version DESC LIMIT 1').get()) as Row | undefined;
    return r ? fromRow(r) : undefined;
  }

  /** Every version without its document text. */
  list(): Omit<PolicyVersion, 'document'>[] {
    const columns = 'version, name, status, source, created_at, created_by, approved_by, approved_at, second_approver, second_approved_at';
    return (this.db.prepare(`SELECT ${columns} FROM policy_versions ORDER BY version`).all() as Row[]).map((r) => {
      const v: Partial<PolicyVersion> = fromRow(r);
      delete v.document;
      return v as Omit<PolicyVersion, 'document'>;
    });
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
      return this.get(version);
    });
    return run();
  }
}
