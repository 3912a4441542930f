// The audit log for people and for a SIEM: a table, RFC 5424 syslog lines, or CEF.

import { hostname } from 'node:os';
import type { AuditEntry } from '../store/audit-log.js';
import { formatTable, formatTime } from './table.js';

export type AuditFormat = 'text' | 'syslog' | 'cef';

const VERSION = '0.1.0';
/** Private enterprise number for structured data: 32473 is the one RFC 5612 reserves for documentation. */
const SD_ID = 'bulkhead@32473';

/** Severity per action family: changes that loosen or stop protection rank higher. */
function severity(action: string): { syslog: number; cef: number } {
  if (/^(engine\.(hang|exit)|gateway\.(bypass|mode))/.test(action)) return { syslog: 4, cef: 7 };
  if (/^(policy\.(apply|rollback)|gateway\.(isolate|release))/.test(action)) return { syslog: 5, cef: 5 };
  return { syslog: 6, cef: 3 };
}

const sdEscape = (s: string) => s.replace(/["\\\]]/g, (c) => `\\${c}`);
const cefHeader = (s: string) => s.replace(/[\\|]/g, (c) => `\\${c}`);
const cefValue = (s: string) => s.replace(/[\\=]/g, (c) => `\\${c}`).replace(/\r?\n/g, '\\n');

/** RFC 5424, facility 13 (log audit). */
export function syslogLine(e: AuditEntry, host = hostname()): string {
  const pri = 13 * 8 + severity(e.action).syslog;
  const sd = `[${SD_ID} id="${e.id}" actor="${sdEscape(e.actor)}" action="${sdEscape(e.action)}" target="${sdEscape(e.target)}" hash="${e.hash}"]`;
  return `<${pri}>1 ${new Date(e.ts * 1000).toISOString()} ${host} bulkhead - audit ${sd} ${e.actor} ${e.action} ${e.target} ${JSON.stringify(e.detail)}`;
}

export function cefLine(e: AuditEntry, host = hostname()): string {
  const ext = [`rt=${Math.round(e.ts * 1000)}`, `dvchost=${cefValue(host)}`, `suser=${cefValue(e.actor)}`, `act=${cefValue(e.action)}`, `cs1Label=target`, `cs1=${cefValue(e.target)}`, `cs2Label=detail`, `cs2=${cefValue(JSON.stringify(e.detail))}`, `cn1Label=auditId`, `cn1=${e.id}`, `cs3Label=hash`, `cs3=${e.hash}`];
  return `CEF:0|Bulkhead|Bulkhead|${VERSION}|${cefHeader(e.action)}|${cefHeader(`${e.action} ${e.target}`)}|${severity(e.action).cef}|${ext.join(' ')}`;
}

export function formatAudit(entries: AuditEntry[], format: AuditFormat): string {
  if (format === 'syslog') return entries.map((e) => syslogLine(e)).join('\n');
  if (format === 'cef') return entries.map((e) => cefLine(e)).join('\n');
  if (entries.length === 0) return 'the audit log is empty';
  return formatTable(
    ['id', 'time', 'actor', 'action', 'target', 'detail'],
    entries.map((e) => [String(e.id), formatTime(e.ts), e.actor, e.action, e.target, Object.keys(e.detail).length ? JSON.stringify(e.detail) : '']),
  );
}
