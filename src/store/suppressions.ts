// Suppressions: alerts of one type — on one asset, or one incident — not raised until an expiry
// an engineer chose (a known maintenance laptop, a noisy device awaiting repair). Set and lifted
// audited; what they kept quiet is counted on them, so nothing is hidden without a number.

import type { Db } from './database.js';
import { AuditLog } from './audit-log.js';
import { BulkheadError } from '../errors.js';
import type { Suppression } from './records.js';
import { readSetting, writeSetting } from './settings.js';

export type { Suppression } from './records.js';

const KEY = 'alerts.suppressions';
const ID_KEY = 'alerts.suppressions.lastId';
/** Suppressions kept (expired ones are dropped first when one is added). */
export const MAX_SUPPRESSIONS = 1000;

/** What an alert is matched by. */
export type Suppressible = { type: string; key: string; asset?: string };

export function matches(s: Suppression, a: Suppressible, ts: number): boolean {
  return ts < s.until && s.type === a.type && (s.key === undefined || s.key === a.key) && (s.asset === undefined || s.asset === a.asset);
}

export class Suppressions {
  private readonly audit: AuditLog;

  constructor(readonly db: Db) {
    this.audit = new AuditLog(db);
  }

  list(): Suppression[] {
    return readSetting<Suppression[]>(this.db, KEY) ?? [];
  }

  add(s: Omit<Suppression, 'id' | 'since' | 'suppressed'>, now = Date.now() / 1000): Suppression {
    if (!(s.until > now)) throw new BulkheadError('BH_VALIDATION', `a suppression must end in the future, got ${new Date(s.until * 1000).toISOString()}`);
    return this.db.transaction(() => {
      let list = this.list().filter((x) => x.until > now);
      if (list.length >= MAX_SUPPRESSIONS) throw new BulkheadError('BH_CONFLICT', `${MAX_SUPPRESSIONS} suppressions are in force already: lift some first`);
      // Numbers are never handed out twice (a lifted one's is not reused): the audit log names them.
      const id = (readSetting<number>(this.db, ID_KEY) ?? 0) + 1;
      writeSetting(this.db, ID_KEY, id);
      const next: Suppression = { ...s, id, since: now, suppressed: 0 };
      list = [...list, next];
      writeSetting(this.db, KEY, list);
      this.audit.append(s.by, 'alert.suppress', `${s.type}${s.asset ? ` on ${s.asset}` : ''}${s.key ? ` (${s.key})` : ''}`, { until: s.until, note: s.note, id: next.id });
      return next;
    }).immediate();
  }

  lift(id: number, by: string): void {
    this.db.transaction(() => {
      const list = this.list();
      const kept = list.filter((x) => x.id !== id);
      if (kept.length === list.length) throw new BulkheadError('BH_NOT_FOUND', `no suppression ${id}`);
      writeSetting(this.db, KEY, kept);
      this.audit.append(by, 'alert.unsuppress', String(id), {});
    }).immediate();
  }

  /** Of `alerts`, those no suppression holds back; the others are counted on theirs (call inside the writer's transaction). */
  filter<A extends Suppressible & { count: number; lastSeen: number }>(alerts: readonly A[]): A[] {
    const list = this.list();
    if (list.length === 0) return [...alerts];
    let changed = false;
    const out = alerts.filter((a) => {
      const s = list.find((x) => matches(x, a, a.lastSeen));
      if (!s) return true;
      s.suppressed += a.count;
      changed = true;
      return false;
    });
    if (changed) writeSetting(this.db, KEY, list);
    return out;
  }
}
