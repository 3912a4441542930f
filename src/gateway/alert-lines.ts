// The detectors' alerts for a SIEM: RFC 5424 syslog or CEF, one line per alert as it stands now
// (a repeat or a status change is a new line with the same id; SIEMs aggregate by externalId).
// Escaped with the audit lines' helpers; the type code is CEF's signature id.

import { hostname } from 'node:os';
import { isIP } from 'node:net';
import type { AlertRisk } from '../risk/assessment.js';
import type { Alert, Severity } from '../store/records.js';
import { cefHeader, cefValue, SD_ID, sdEscape, VERSION } from './audit-lines.js';

/** Syslog severity (RFC 5424: 2 critical .. 5 notice) and CEF's 0-10 per alert severity. */
const SEVERITY: Record<Severity, { syslog: number; cef: number }> = {
  low: { syslog: 5, cef: 3 },
  medium: { syslog: 4, cef: 5 },
  high: { syslog: 3, cef: 8 },
  critical: { syslog: 2, cef: 10 },
};

/** Free text on one line: syslog has no escape for a line break, a listing is one line per alert. */
const flat = (s: string) => s.replace(/\s*(\r?\n|\r)\s*/g, ' ');
const iso = (ts: number) => new Date(ts * 1000).toISOString();
/** "10.0.0.5@vlan20" (learning's host key) to its address, when it is one. */
const address = (host: string | undefined) => {
  const ip = host?.replace(/@vlan\d+$/, '');
  return ip && isIP(ip) ? ip : undefined;
};

/** The ends of a conversation key (client>server:port/protocol, as learning forms it). */
function ends(a: Alert): { src?: string; dst?: string; dpt?: string } {
  const m = a.conversation ? /^([^>]+)>(.+):(\d+)\/[\w-]+$/.exec(a.conversation) : null;
  const src = address(m ? m[1] : a.asset);
  const dst = address(m?.[2]);
  return { ...(src ? { src } : {}), ...(dst ? { dst, dpt: m![3]! } : {}) };
}

const message = (a: Alert) => flat(`${a.summary}; baseline: ${a.baseline}; seen: ${a.seen}`);

/** The alert's ends, the device side first: where a vulnerable asset is looked up. */
export function alertEnds(a: Alert): (string | undefined)[] {
  const { src, dst } = ends(a);
  return [dst, src];
}

/** RFC 5424, facility 4 (security/authorization), like the gateway's other events; `risk`: the vulnerable asset it touches. */
export function alertSyslogLine(a: Alert, host = hostname(), risk?: AlertRisk): string {
  const params: [string, string | number | undefined][] = [
    ['id', a.id],
    ['type', a.type],
    ['detector', a.detector],
    ['severity', a.severity],
    ['status', a.status],
    ['attackId', a.attack?.id],
    ['attackName', a.attack?.name],
    ['asset', a.asset],
    ['conversation', a.conversation],
    ['count', a.count],
    ['firstSeen', iso(a.firstSeen)],
    ['lastSeen', iso(a.lastSeen)],
    ['vulnerableAsset', risk?.asset],
    ['assetRisk', risk?.risk],
    ['assetRiskBand', risk?.band],
    ['advisories', risk?.advisories.join(',')],
    ['knownExploited', risk ? String(risk.knownExploited) : undefined],
  ];
  const sd = params
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${sdEscape(flat(String(v)))}"`)
    .join('');
  return `<${4 * 8 + SEVERITY[a.severity].syslog}>1 ${iso(a.lastSeen)} ${host} bulkhead - alert [${SD_ID}${sd}] ${message(a)}`;
}

export function alertCefLine(a: Alert, host = hostname(), risk?: AlertRisk): string {
  const { src, dst, dpt } = ends(a);
  const ext = [
    `rt=${Math.round(a.lastSeen * 1000)}`,
    `start=${Math.round(a.firstSeen * 1000)}`,
    `end=${Math.round(a.lastSeen * 1000)}`,
    `dvchost=${cefValue(host)}`,
    ...(src ? [`src=${src}`] : []),
    ...(dst ? [`dst=${dst}`, `dpt=${dpt}`] : []),
    `cat=${cefValue(a.detector)}`,
    ...(a.attack ? ['cs1Label=attackId', `cs1=${cefValue(a.attack.id)}`, 'cs2Label=attackName', `cs2=${cefValue(a.attack.name)}`] : []),
    'cs3Label=baseline',
    `cs3=${cefValue(a.baseline)}`,
    'cs4Label=seen',
    `cs4=${cefValue(a.seen)}`,
    'cs5Label=status',
    `cs5=${a.status}`,
    ...(a.conversation ? ['cs6Label=conversation', `cs6=${cefValue(a.conversation)}`] : []),
    ...(risk ? ['cn1Label=assetRisk', `cn1=${risk.risk}`, 'cn2Label=knownExploited', `cn2=${risk.knownExploited ? 1 : 0}`, 'flexString1Label=advisories', `flexString1=${cefValue(risk.advisories.join(','))}`, 'flexString2Label=vulnerableAsset', `flexString2=${cefValue(risk.asset)}`] : []),
    `cnt=${a.count}`,
    `externalId=${a.id}`,
  ];
  return `CEF:0|Bulkhead|Bulkhead|${VERSION}|${cefHeader(a.type)}|${cefHeader(a.summary)}|${SEVERITY[a.severity].cef}|${ext.join(' ')}`;
}

/** Alerts as a SIEM takes them, one line each (what `bulkhead alerts --format` prints). */
export function alertSiemLines(alerts: readonly Alert[], format: 'syslog' | 'cef', riskOf: (a: Alert) => AlertRisk | undefined = () => undefined): string {
  return alerts.map((a) => (format === 'syslog' ? alertSyslogLine(a, undefined, riskOf(a)) : alertCefLine(a, undefined, riskOf(a)))).join('\n');
}
