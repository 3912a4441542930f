// Opening the SQLite database: WAL journal, migrations in one transaction under the write lock, clear errors.

import { chmodSync, existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';
import { BulkheadError } from '../errors.js';

export type Db = Database.Database;

export class StoreError extends BulkheadError {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super('BH_STORE', `${path}: ${message}`);
    this.name = 'StoreError';
  }
}

/**
 * Opens (creating if needed) a Bulkhead database and brings its schema up to date. WAL with
 * synchronous=FULL: every commit is on disk before it is reported, so neither a killed process
 * nor a power cut loses an approved policy or an audit entry (events come in batches of a
 * second, so the cost of the extra sync is small).
 */
export function openDatabase(path: string, options: { readonly?: boolean } = {}): Db {
  let db: Db;
  const created = !options.readonly && !existsSync(path);
  try {
    db = new Database(path, { readonly: options.readonly === true, fileMustExist: options.readonly === true });
    // Group-writable, before its WAL files exist (SQLite gives them the database's mode): on the
    // appliance the gateway and the console are different users of one group.
    if (created) chmodSync(path, 0o660);
  } catch (err) {
    throw new StoreError(path, `cannot open database: ${(err as Error).message}`);
  }
  try {
    db.pragma('busy_timeout = 5000');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new StoreError(path, `database schema ${version} is newer than this Bulkhead understands (${MIGRATIONS.length}); upgrade Bulkhead`);
    }
    if (options.readonly) {
      if (version < MIGRATIONS.length) throw new StoreError(path, `database schema ${version} is older than ${MIGRATIONS.length}: open it once read-write to migrate`);
      return db;
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    // Behind, the version is read again under the write lock: on the appliance the gateway and
    // the console open one database at the same moment, and only one of them may migrate it. Up
    // to date, no lock is taken.
    if (version < MIGRATIONS.length) {
      db.transaction(() => {
        for (let v = db.pragma('user_version', { simple: true }) as number; v < MIGRATIONS.length; v++) {
          db.exec(MIGRATIONS[v]!);
          db.pragma(`user_version = ${v + 1}`);
        }
      }).immediate();
    }
    return db;
  } catch (err) {
    db.close();
    if (err instanceof StoreError) throw err;
    const msg = (err as Error).message;
    throw new StoreError(path, /not a database|file is (encrypted|not a database)/i.test(msg) ? 'not a SQLite database' : msg);
  }
}
