// Small JSON values kept under a key in the meta table: the learning clock, the gateway's mode,
// the engine's last heartbeat, the supervisor's state.

import type { Db } from './database.js';

export function readSetting<T>(db: Db, key: string): T | undefined {
  const r = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return r ? (JSON.parse(r.value) as T) : undefined;
}

export const WRITE_SETTING = 'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value';

export function writeSetting(db: Db, key: string, value: unknown): void {
  db.prepare(WRITE_SETTING).run(key, JSON.stringify(value));
}

export function deleteSetting(db: Db, key: string): void {
  db.prepare('DELETE FROM meta WHERE key = ?').run(key);
}
