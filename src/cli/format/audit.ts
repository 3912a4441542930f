// `bulkhead audit`: the audit log as a table, or as syslog or CEF lines for a SIEM.

import type { AuditEntry } from '../../store/audit-log.js';
import { siemLines } from '../../app/audit.js';
import type { AuditFormat } from '../../gateway/audit-lines.js';
import { formatTable, formatTime } from './table.js';

export function formatAudit(entries: AuditEntry[], format: AuditFormat): string {
  if (format !== 'text') return siemLines(entries, format);
  if (entries.length === 0) return 'the audit log is empty';
  return formatTable(
    ['id', 'time', 'actor', 'action', 'target', 'detail'],
    entries.map((e) => [String(e.id), formatTime(e.ts), e.actor, e.action, e.target, Object.keys(e.detail).length ? JSON.stringify(e.detail) : '']),
  );
}
