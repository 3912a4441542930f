// `bulkhead backup` and `bulkhead restore`: the whole store (policies and their approvals, the
// audit log, accounts, the learned baseline, settings) as one consistent SQLite snapshot taken
// while the gateway runs, with a SHA-256 beside it. A restore checks everything before it
// touches the live database: the checksum, SQLite's integrity check, the schema version and the
// audit chain; then it replaces the database in one rename, so a failed restore changes nothing.

import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { openDatabase, StoreError, type Db } from '../store/database.js';
import { AuditLog } from '../store/audit-log.js';

export interface BackupReport {
  file: string;
  sha256: string;
  bytes: number;
  policies: number;
  auditEntries: number;
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function counts(db: Db): { policies: number; auditEntries: number } {
  const one = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  return { policies: one('SELECT COUNT(*) AS n FROM policy_versions'), auditEntries: one('SELECT COUNT(*) AS n FROM audit_log') };
}

/** Snapshots `db` into `out` (and `out.sha256`), recording the backup in the audit log first. */
export async function backup(db: Db, out: string, by: string): Promise<BackupReport> {
  if (existsSync(out)) throw new StoreError(out, 'exists already: name a new file (a backup never overwrites one)');
  new AuditLog(db).append(by, 'gateway.backup', basename(out));
  const partial = `${out}.partial`;
  try {
    // SQLite's online backup: consistent while the engine and console keep writing.
    await db.backup(partial);
    renameSync(partial, out);
  } catch (err) {
    rmSync(partial, { force: true });
    throw new StoreError(out, `backup failed: ${(err as Error).message}`);
  }
  const sum = sha256(out);
  writeFileSync(`${out}.sha256`, `${sum}  ${basename(out)}\n`);
  const snap = openDatabase(out, { readonly: true });
  try {
    return { file: out, sha256: sum, bytes: readFileSync(out).length, ...counts(snap) };
  } finally {
    snap.close();
  }
}

/**
 * Checks a backup and stages a copy of it at `staged`, migrated to this Bulkhead's schema (a
 * newer one is refused by name), with the restore recorded in its audit log.
 */
function stage(file: string, staged: string, by: string): { policies: number; auditEntries: number } {
  if (!existsSync(file)) throw new StoreError(file, 'no such backup file');
  const sumFile = `${file}.sha256`;
  if (!existsSync(sumFile)) throw new StoreError(file, `its checksum file ${basename(sumFile)} is missing: a backup is restored only with the checksum it was written with`);
  if (readFileSync(sumFile, 'utf8').split(/\s+/)[0] !== sha256(file)) throw new StoreError(file, 'does not match its SHA-256 (changed or damaged since it was written): not restored');
  copyFileSync(file, staged);
  try {
    let db: Db;
    try {
      db = openDatabase(staged);
    } catch (err) {
      // Name the backup, not the staging copy.
      throw new StoreError(file, (err as Error).message.replace(`${staged}: `, ''));
    }
    try {
      const integrity = db.pragma('integrity_check', { simple: true });
      if (integrity !== 'ok') throw new StoreError(file, `SQLite integrity check failed: ${String(integrity)}`);
      const audit = new AuditLog(db);
      const chain = audit.verify();
      if (!chain.ok) throw new StoreError(file, `its audit log is broken at entry ${chain.broken!.id}: ${chain.broken!.reason}`);
      const found = counts(db);
      audit.append(by, 'gateway.restore', basename(file), found);
      db.pragma('wal_checkpoint(TRUNCATE)');
      return found;
    } finally {
      db.close();
    }
  } catch (err) {
    for (const ext of ['', '-wal', '-shm']) rmSync(`${staged}${ext}`, { force: true });
    throw err;
  }
}

/** Checks a backup without restoring it. */
export function checkBackup(file: string): { policies: number; auditEntries: number } {
  const staged = `${file}.checking`;
  try {
    return stage(file, staged, 'check');
  } finally {
    for (const ext of ['', '-wal', '-shm']) rmSync(`${staged}${ext}`, { force: true });
  }
}

/**
 * Replaces the database at `target` with a checked backup (stop the gateway and console first).
 * The previous database is kept as `target.before-restore`.
 */
export function restore(file: string, target: string, by: string): { policies: number; auditEntries: number; previous?: string } {
  const staged = `${target}.restoring`;
  const found = stage(file, staged, by);
  for (const ext of ['-wal', '-shm']) rmSync(`${staged}${ext}`, { force: true });
  let previous: string | undefined;
  if (existsSync(target)) {
    previous = `${target}.before-restore`;
    renameSync(target, previous);
  }
  // The live database's journal belongs to the old contents.
  for (const ext of ['-wal', '-shm']) rmSync(`${target}${ext}`, { force: true });
  renameSync(staged, target);
  return { ...found, ...(previous ? { previous } : {}) };
}
