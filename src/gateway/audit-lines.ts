// The audit log and the gateway's events for people and for a SIEM: a table, RFC 5424 syslog
// lines, or CEF.

import { hostname } from 'node:os';
import type { AuditEntry } from '../store/audit-log.js';
import type { GatewayEvent } from '../store/event-store.js';

export type AuditFormat = 'text' | 'syslog' | 'cef';

export const VERSION = '0.1.0';
/** Private enterprise number for structured data: 32473 is the one RFC 5612 reserves for documentation. */
export const SD_ID = 'bulkhead@32473';

/** Severity per action family: changes that loosen or stop protection rank higher. */
function severity(action: string): { syslog: number; cef: number } {
  if (/^(engine\.(hang|exit)|gateway\.(bypass|mode))/.test(action)) return { syslog: 4, cef: 7 };
  if (/^(policy\.(apply|rollback)|gateway\.(isolate|release))/.test(action)) return { syslog: 5, cef: 5 };
  return { syslog: 6, cef: 3 };
}

export const sdEscape = (s: string) => s.replace(/["\\\]]/g, (c) => `\\${c}`);
/** A header field has no escape for a line break: it becomes a space, the line stays one line. */
export const cefHeader = (s: string) => s.replace(/[\\|]/g, (c) => `\\${c}`).replace(/\r?\n|\r/g, ' ');
export const cefValue = (s: string) => s.replace(/[\\=]/g, (c) => `\\${c}`).replace(/\r?\n/g, '\\n');

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

/** Severity of an event: denials rank above would-be denials; alerts (engine down, storage) highest. */
function eventSeverity(kind: string): { syslog: number; cef: number } {
  if (kind === 'alert') return { syslog: 3, cef: 8 };
  if (kind === 'deny') return { syslog: 4, cef: 6 };
  return { syslog: 5, cef: 4 };
}

const eventText = (e: GatewayEvent) => String(e.data.message ?? e.data.reason ?? e.kind);
/** "10.0.0.1:502" into address and port, for CEF's src/spt and dst/dpt. */
const endpoint = (v: unknown): [string, string] | undefined => {
  const m = typeof v === 'string' ? /^(.*):(\d+)$/.exec(v) : null;
  return m ? [m[1]!.replace(/^\[|\]$/g, ''), m[2]!] : undefined;
};

/** RFC 5424, facility 4 (security/authorization). */
export function eventSyslogLine(e: GatewayEvent, host = hostname()): string {
  const pri = 4 * 8 + eventSeverity(e.kind).syslog;
  const fields = Object.entries(e.data)
    .filter(([k, v]) => k !== 'message' && k !== 'reason' && (typeof v === 'string' || typeof v === 'number'))
    .map(([k, v]) => ` ${k.replace(/[^A-Za-z0-9_]/g, '')}="${sdEscape(String(v))}"`)
    .join('');
  return `<${pri}>1 ${new Date(e.ts * 1000).toISOString()} ${host} bulkhead - ${e.kind} [${SD_ID} eventId="${e.id}"${fields}] ${eventText(e)}`;
}

export function eventCefLine(e: GatewayEvent, host = hostname()): string {
  const src = endpoint(e.data.client);
  const dst = endpoint(e.data.server);
  const ext = [
    `rt=${Math.round(e.ts * 1000)}`,
    `dvchost=${cefValue(host)}`,
    ...(src ? [`src=${src[0]}`, `spt=${src[1]}`] : []),
    ...(dst ? [`dst=${dst[0]}`, `dpt=${dst[1]}`] : []),
    ...(e.kind === 'deny' ? ['act=blocked'] : e.kind === 'would-deny' ? ['act=allowed'] : []),
    ...(typeof e.data.ruleId === 'string' ? ['cs1Label=rule', `cs1=${cefValue(e.data.ruleId)}`] : []),
    ...(typeof e.data.source === 'string' ? ['cs2Label=source', `cs2=${cefValue(e.data.source)}`] : []),
    ...(typeof e.data.reasonCode === 'string' ? ['cs3Label=reason', `cs3=${cefValue(e.data.reasonCode)}`] : []),
    `msg=${cefValue(eventText(e))}`,
    'cn1Label=eventId',
    `cn1=${e.id}`,
  ];
  return `CEF:0|Bulkhead|Bulkhead|${VERSION}|${cefHeader(e.kind)}|${cefHeader(eventText(e).slice(0, 200))}|${eventSeverity(e.kind).cef}|${ext.join(' ')}`;
}

/** Audit entries as a SIEM takes them: one RFC 5424 syslog or CEF line each. */
export function siemLines(entries: AuditEntry[], format: 'syslog' | 'cef'): string {
  return entries.map((e) => (format === 'syslog' ? syslogLine(e) : cefLine(e))).join('\n');
}
