// Automatic response, opt-in: per zone or conduit, "isolate the source of an alert of severity
// at least S". Off unless an engineer sets it; setting and removing it are audited. Kept with the
// gateway's other settings; the isolations it makes are the island mode's, undone with release.

import type { Db } from './database.js';
import { AuditLog } from './audit-log.js';
import { BulkheadError } from '../errors.js';
import type { ResponseRule } from './records.js';
import { readSetting, writeSetting } from './settings.js';

export type { ResponseRule } from './records.js';

const KEY = 'response.rules';

export class ResponseRules {
  private readonly audit: AuditLog;

  constructor(readonly db: Db) {
    this.audit = new AuditLog(db);
  }

  list(): ResponseRule[] {
    return readSetting<ResponseRule[]>(this.db, KEY) ?? [];
  }

  /** Sets (or changes) the rule of one zone or conduit, audited. */
  set(rule: Omit<ResponseRule, 'since'>, now = Date.now() / 1000): ResponseRule {
    const next: ResponseRule = { ...rule, since: now };
    this.db.transaction(() => {
      const rules = this.list().filter((r) => !(r.scope === rule.scope && r.id === rule.id));
      writeSetting(this.db, KEY, [...rules, next]);
      this.audit.append(rule.by, 'response.set', `${rule.scope} ${rule.id}`, { minSeverity: rule.minSeverity });
    }).immediate();
    return next;
  }

  /** Turns one zone's or conduit's rule off, audited; refused when it has none. */
  remove(scope: ResponseRule['scope'], id: string, by: string): void {
    this.db.transaction(() => {
      const rules = this.list();
      const kept = rules.filter((r) => !(r.scope === scope && r.id === id));
      if (kept.length === rules.length) throw new BulkheadError('BH_NOT_FOUND', `${scope} ${id} has no automatic response`);
      writeSetting(this.db, KEY, kept);
      this.audit.append(by, 'response.off', `${scope} ${id}`, {});
    }).immediate();
  }
}
