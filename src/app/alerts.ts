// Alerts for people: listed newest first (by status and lowest severity), one with its evidence,
// acknowledged and resolved (audited), and what is still open, by severity. Shared by the
// command line and the console.

import { AlertStore, type Alert, type AlertStatus } from '../store/alert-store.js';
import type { Db } from '../store/database.js';
import { AuditLog } from '../store/audit-log.js';

/** The lines a SIEM target receives, for `bulkhead alerts --format syslog|cef`. */
export { alertSiemLines } from '../gateway/alert-lines.js';

export type AlertQuery = { status?: AlertStatus; minSeverity?: Alert['severity']; limit?: number };

export class Alerts {
  private readonly store: AlertStore;
  private readonly audit: AuditLog;

  constructor(db: Db) {
    this.store = new AlertStore(db);
    this.audit = new AuditLog(db);
  }

  list(q: AlertQuery = {}): Alert[] {
    return this.store.list(q);
  }

  get(id: number): Alert {
    return this.store.get(id);
  }

  acknowledge(id: number, by: string, note = ''): Alert {
    return this.store.setStatus(id, 'acknowledged', by, this.audit, note);
  }

  resolve(id: number, by: string, note = ''): Alert {
    return this.store.setStatus(id, 'resolved', by, this.audit, note);
  }

  open(): Record<Alert['severity'], number> {
    return this.store.open();
  }
}
