// `bulkhead backup` and `bulkhead restore`: the whole store (policies and their approvals, the
// audit log, accounts, the learned baseline, settings) as one consistent SQLite snapshot taken
// while the gateway runs, with the appliance's configuration file inside it when named, and a
// SHA-256 beside it. A restore checks everything before it touches the live files: the
// checksum, SQLite's integrity check, the schema version, the audit chain and the configuration's
// schema; then it replaces each of them by one rename, so a failed restore changes nothing.

import { createHash } from 'node:crypto';
import { chownSync, copyFileSync, existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { configDb, parseConfig, type ApplianceConfig } from '../config/appliance-config.js';
import { openDatabase, StoreError, type Db } from '../store/database.js';
import { AuditLog } from '../store/audit-log.js';
import { deleteSetting, readSetting, writeSetting } from '../store/settings.js';
import { checkpoint, contents, integrity } from '../store/snapshot.js';

export interface BackupReport {
  file: string;
  sha256: string;
  bytes: number;
  policies: number;
  auditEntries: number;
  /** The configuration file carried in the backup, if one was named. */
  configuration?: string;
}

/** An appliance configuration file as the backup carries it. */
export interface CarriedConfiguration {
  file: string;
  text: string;
}

/** Where the snapshot keeps the configuration; taken out again when it is restored. */
const CONFIGURATION_KEY = 'backup.configuration';

/** A database's write-ahead log and its index: they belong to the contents they were written with. */
function removeJournal(path: string): void {
  for (const ext of ['-wal', '-shm']) rmSync(`${path}${ext}`, { force: true });
}

/** A database file with its journal. */
function removeDatabase(path: string): void {
  rmSync(path, { force: true });
  removeJournal(path);
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/**
 * Snapshots `db` into `out` (and `out.sha256`), with `configuration` inside it when given,
 * recording the backup in the audit log first.
 */
export async function backup(db: Db, out: string, by: string, configuration?: CarriedConfiguration): Promise<BackupReport> {
  if (existsSync(out)) throw new StoreError(out, 'exists already: name a new file (a backup never overwrites one)');
  new AuditLog(db).append(by, 'gateway.backup', basename(out), configuration ? { configuration: configuration.file } : undefined);
  const partial = `${out}.partial`;
  try {
    // SQLite's online backup: consistent while the engine and console keep writing.
    await db.backup(partial);
    if (configuration) {
      const snap = openDatabase(partial);
      try {
        writeSetting(snap, CONFIGURATION_KEY, configuration);
      } finally {
        snap.close();
      }
    }
    renameSync(partial, out);
  } catch (err) {
    removeDatabase(partial);
    throw new StoreError(out, `backup failed: ${(err as Error).message}`);
  }
  const sum = sha256(out);
  writeFileSync(`${out}.sha256`, `${sum}  ${basename(out)}\n`);
  const snap = openDatabase(out, { readonly: true });
  try {
    return { file: out, sha256: sum, bytes: readFileSync(out).length, ...contents(snap), ...(configuration ? { configuration: configuration.file } : {}) };
  } finally {
    snap.close();
  }
}

interface Staged {
  policies: number;
  auditEntries: number;
  /** The configuration the backup carries, and what its schema made of it. */
  configuration?: CarriedConfiguration & { config: ApplianceConfig };
}

/**
 * Checks a backup and stages a copy of it at `staged`, migrated to this Bulkhead's schema (a
 * newer one is refused by name), with the restore recorded in its audit log.
 */
function stage(file: string, staged: string, by: string): Staged {
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
      const found = integrity(db);
      if (found !== 'ok') throw new StoreError(file, `SQLite integrity check failed: ${found}`);
      const audit = new AuditLog(db);
      const chain = audit.verify();
      if (!chain.ok) throw new StoreError(file, `its audit log is broken at entry ${chain.broken!.id}: ${chain.broken!.reason}`);
      // The configuration leaves the database: restored, the store is as it was when backed up.
      const carried = readSetting<CarriedConfiguration>(db, CONFIGURATION_KEY);
      const configuration = carried ? { ...carried, config: parseConfig(carried.text, `${file}: its configuration (${carried.file})`) } : undefined;
      if (carried) deleteSetting(db, CONFIGURATION_KEY);
      const held = contents(db);
      audit.append(by, 'gateway.restore', basename(file), { ...held, ...(carried ? { configuration: carried.file } : {}) });
      checkpoint(db);
      return { ...held, ...(configuration ? { configuration } : {}) };
    } finally {
      db.close();
    }
  } catch (err) {
    removeDatabase(staged);
    throw err;
  }
}

/** Checks a backup without restoring it. */
export function checkBackup(file: string): Staged {
  const staged = `${file}.checking`;
  try {
    return stage(file, staged, 'check');
  } finally {
    removeDatabase(staged);
  }
}

export interface RestoreReport {
  policies: number;
  auditEntries: number;
  /** Where the previous database is kept. */
  previous?: string;
  /** The configuration file written from the backup, and where its predecessor is kept. */
  configuration?: { file: string; previous?: string };
}

/** Moves `staged` onto `target`, keeping what was there as `target.before-restore`. */
function swapIn(staged: string, target: string): string | undefined {
  let previous: string | undefined;
  if (existsSync(target)) {
    previous = `${target}.before-restore`;
    renameSync(target, previous);
  }
  renameSync(staged, target);
  return previous;
}

/**
 * Replaces the database at `target` with a checked backup (stop the gateway and console first),
 * and with `configFile`, that configuration file with the one the backup carries. What was
 * there is kept as `.before-restore`.
 */
export function restore(file: string, target: string, by: string, configFile?: string): RestoreReport {
  const staged = `${target}.restoring`;
  const stagedConfig = configFile ? `${configFile}.restoring` : undefined;
  const found = stage(file, staged, by);
  try {
    removeJournal(staged);
    if (configFile) {
      const carried = found.configuration;
      if (!carried) throw new StoreError(file, `carries no configuration (it was made without --config): nothing restored; restore it without --config to keep ${configFile}`);
      // The services find the database where the restored configuration says.
      const wanted = configDb(carried.config);
      if (resolve(wanted) !== resolve(target)) throw new StoreError(file, `its configuration keeps the database in ${dirname(wanted)}, but it would be restored to ${target}: restore with --db ${wanted}; nothing restored`);
      writeFileSync(stagedConfig!, carried.text, { mode: 0o640 });
      // The console reads it through its group: the restored file keeps the owners of the one it replaces.
      if (existsSync(configFile)) {
        const { uid, gid } = statSync(configFile);
        chownSync(stagedConfig!, uid, gid);
      }
    }
  } catch (err) {
    removeDatabase(staged);
    if (stagedConfig) rmSync(stagedConfig, { force: true });
    throw err;
  }
  // The live database's journal belongs to the old contents.
  removeJournal(target);
  const previous = swapIn(staged, target);
  const previousConfig = configFile ? swapIn(stagedConfig!, configFile) : undefined;
  return {
    policies: found.policies,
    auditEntries: found.auditEntries,
    ...(previous ? { previous } : {}),
    ...(configFile ? { configuration: { file: configFile, ...(previousConfig ? { previous: previousConfig } : {}) } } : {}),
  };
}
