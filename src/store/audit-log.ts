// The tamper-evident audit log (IEC 62443-3-3 SR 2.8, SR 3.9): who changed what, when, and why.
// Entries are hash-chained: each hash covers the entry and the hash before it, so editing,
// deleting or inserting an entry breaks the chain from there on, and `verify` names where.
// An entry is written in the same transaction as the change it records: both or neither.

import { createHash } from 'node:crypto';
import type { Db } from './database.js';
import type { AuditEntry, AuditVerification } from './records.js';

export type { AuditEntry, AuditVerification } from './records.js';

const GENESIS = '0'.repeat(64);

function entryHash(prev: string, e: Pick<AuditEntry, 'id' | 'ts' | 'actor' | 'action' | 'target'>, detail: string): string {
  return createHash('sha256').update(prev).update('\n').update(JSON.stringify([e.id, e.ts, e.actor, e.action, e.target, detail])).digest('hex');
}

/** An entry as stored: its detail as the JSON text the hash covers. */
export interface AuditRow {
  id: number;
  ts: number;
  actor: string;
  action: string;
  target: string;
  detail: string;
  prev: string;
  hash: string;
}

const toEntry = (r: AuditRow): AuditEntry => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> });

export class AuditLog {
  constructor(private readonly db: Db) {}

  /** The newest entry's id (0: none yet). */
  lastId(): number {
    return (this.db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM audit_log').get() as { id: number }).id;
  }

  /** Appends an entry; inside the caller's transaction if there is one, else in its own. */
  append(actor: string, action: string, target: string, detail: Record<string, unknown> = {}): AuditEntry {
    const write = () => {
      const last = this.db.prepare('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1').get() as { id: number; hash: string } | undefined;
      const e = { id: (last?.id ?? 0) + 1, ts: Date.now() / 1000, actor, action, target };
      const text = JSON.stringify(detail);
      const prev = last?.hash ?? GENESIS;
      const hash = entryHash(prev, e, text);
      this.db.prepare('INSERT INTO audit_log (id, ts, actor, action, target, detail, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(e.id, e.ts, actor, action, target, text, prev, hash);
      return { ...e, detail, prev, hash };
    };
    // Immediate: the last hash is read and the next entry written under one write lock, so two
    // processes never chain from the same entry.
    return this.db.inTransaction ? write() : this.db.transaction(write).immediate();
  }

  /** Entries in order, newest last; `since` in seconds since the epoch. */
  list(options: { since?: number; limit?: number } = {}): AuditEntry[] {
    const rows = this.db.prepare('SELECT * FROM (SELECT * FROM audit_log WHERE ts >= ? ORDER BY id DESC LIMIT ?) ORDER BY id').all(options.since ?? 0, options.limit ?? -1) as AuditRow[];
    return rows.map(toEntry);
  }

  /** The next `limit` entries after id `after`, oldest first (forwarding resumes from an id). */
  after(after: number, limit: number): AuditEntry[] {
    const rows = this.db.prepare('SELECT * FROM audit_log WHERE id > ? ORDER BY id LIMIT ?').all(after, limit) as AuditRow[];
    return rows.map(toEntry);
  }

  /** The newest `limit` entries of these actions, oldest first (by the index on the action). */
  ofActions(actions: readonly string[], limit: number): AuditEntry[] {
    const rows = this.db.prepare('SELECT * FROM (SELECT * FROM audit_log WHERE action IN (SELECT value FROM json_each(?)) ORDER BY id DESC LIMIT ?) ORDER BY id').all(JSON.stringify(actions), limit) as AuditRow[];
    return rows.map(toEntry);
  }

  /** Recomputes the whole chain. */
  verify(): AuditVerification {
    return verifyChain(this.db.prepare('SELECT * FROM audit_log ORDER BY id').iterate() as IterableIterator<AuditRow>);
  }
}

/** Recomputes a chain from its first entry, in order: the store's own, or a gateway's as the centre received it. */
export function verifyChain(rows: Iterable<AuditRow>): AuditVerification {
  let prev = GENESIS;
  let expectedId = 1;
  let entries = 0;
  for (const r of rows) {
    entries++;
    const broken = (reason: string): AuditVerification => ({ entries, ok: false, broken: { id: r.id, reason } });
    if (r.id !== expectedId) return broken(`entry ${expectedId} is missing (the next one is ${r.id})`);
    if (r.prev !== prev) return broken(`does not follow entry ${r.id - 1}: its previous hash differs`);
    if (entryHash(prev, r, r.detail) !== r.hash) return broken('its content does not match its hash (edited after it was written)');
    prev = r.hash;
    expectedId++;
  }
  return { entries, ok: true };
}
