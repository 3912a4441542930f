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

/** How long opening waits for another process to finish switching or migrating a new database. */
const OPEN_BUSY_MS = 15_000;
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs `step` again while SQLite answers "busy" at once. The busy timeout does not cover every
 * case: two processes making a new database WAL and migrating it at the same moment can be
 * told "database is locked" without waiting (SQLite's deadlock avoidance), and the one told
 * must simply try again once the other is done.
 */
function whenNotBusy<T>(step: () => T): T {
  const deadline = Date.now() + OPEN_BUSY_MS;
  for (;;) {
    try {
      return step();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if ((code !== 'SQLITE_BUSY' && code !== 'SQLITE_LOCKED') || Date.now() > deadline) throw err;
      Atomics.wait(pause, 0, 0, 10 + Math.random() * 40);
    }
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
    whenNotBusy(() => db.pragma('journal_mode = WAL'));
    db.pragma('synchronous = FULL');
    // Behind, the version is read again under the write lock: on the appliance the gateway and
    // the console open one database at the same moment, and only one of them may migrate it. Up
    // to date, no lock is taken.
    if (version < MIGRATIONS.length) {
      const migrate = db.transaction(() => {
        for (let v = db.pragma('user_version', { simple: true }) as number; v < MIGRATIONS.length; v++) {
          db.exec(MIGRATIONS[v]!);
          db.pragma(`user_version = ${v + 1}`);
        }
      });
      whenNotBusy(() => migrate.immediate());
    }
    return db;
  } catch (err) {
    db.close();
    if (err instanceof StoreError) throw err;
    const msg = (err as Error).message;
    throw new StoreError(path, /not a database|file is (encrypted|not a database)/i.test(msg) ? 'not a SQLite database' : msg);
  }
}
