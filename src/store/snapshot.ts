// What a backup and a restore ask of a database file: its size in the plant's terms, its
// integrity, and a checkpoint that leaves everything in the one file.

import type { Db } from './database.js';

/** Policy versions and audit entries held. */
export function contents(db: Db): { policies: number; auditEntries: number } {
  const one = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  return { policies: one('SELECT COUNT(*) AS n FROM policy_versions'), auditEntries: one('SELECT COUNT(*) AS n FROM audit_log') };
}

/** SQLite's own integrity check: 'ok', or what it found. */
export function integrity(db: Db): string {
  return String(db.pragma('integrity_check', { simple: true }));
}

/** Everything written into the main file, the write-ahead log emptied. */
export function checkpoint(db: Db): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
}
