// Alerts on the terminal: a table of incidents (or the syslog or CEF lines a SIEM target gets),
// and one alert with what the baseline says, what was seen and where.

import { alertSiemLines } from '../../app/alerts.js';
import type { Alert } from '../../store/alert-store.js';
import type { Suppression } from '../../store/suppressions.js';
import type { Proposal } from '../../app/propose.js';
import type { AuditFormat } from '../../gateway/audit-lines.js';
import { formatTable, formatTime } from './table.js';

export function formatAlerts(alerts: Alert[], format: AuditFormat = 'text'): string {
  // A SIEM reads lines in the order things happened: oldest first, unlike the table.
  if (format !== 'text') return alertSiemLines([...alerts].reverse(), format);
  if (alerts.length === 0) return 'no alerts';
  return formatTable(
    ['id', 'status', 'severity', 'type', 'ATT&CK', 'count', 'last seen', 'what'],
    alerts.map((a) => [String(a.id), a.status, a.severity, a.type, a.attack?.id ?? '-', String(a.count), formatTime(a.lastSeen), a.summary]),
  );
}

export function formatAlert(a: Alert): string {
  const lines = [
    `alert ${a.id} (${a.status}): ${a.severity} ${a.type}${a.attack ? `, ATT&CK for ICS ${a.attack.id} ${a.attack.name}` : ''}`,
    a.summary,
    `  baseline: ${a.baseline}`,
    `  seen:     ${a.seen}`,
    `  ${a.count} time(s), first ${formatTime(a.firstSeen)}, last ${formatTime(a.lastSeen)}; detector ${a.detector}`,
    ...(a.conversation ? [`  conversation ${a.conversation}`] : []),
    ...a.evidence.map((e) => `  evidence: frame ${e.frame} at ${formatTime(e.ts)} (flow ${e.flowId})`),
    ...(a.evidenceDropped ? [`  (${a.evidenceDropped} sightings between the first and the latest not kept)`] : []),
    ...(a.ackedBy ? [`  acknowledged by ${a.ackedBy} ${formatTime(a.ackedAt)}`] : []),
    ...(a.resolvedBy ? [`  resolved by ${a.resolvedBy} ${formatTime(a.resolvedAt)}`] : []),
  ];
  return lines.join('\n');
}

export function formatLearned(r: { alert: Alert; proposal: Proposal }): string {
  const p = r.proposal;
  const lines = [`alert ${r.alert.id} ${r.alert.status}: learned`];
  if (p.version !== undefined) lines.push(`draft policy version ${p.version} proposed on version ${p.base.version}: review it (bulkhead policy diff ${p.base.version} ${p.version}), simulate, approve; nothing is allowed before`);
  for (const a of p.additions) lines.push(`  + ${a.text}`);
  for (const x of p.refused) lines.push(`  not proposed: ${x.why}`);
  if (p.version === undefined && p.refused.length === 0) lines.push('  the policy allows it already: nothing to propose');
  return lines.join('\n');
}

export function formatSuppressions(list: Suppression[]): string {
  if (list.length === 0) return 'no suppressions';
  return formatTable(
    ['id', 'type', 'on', 'until', 'kept quiet', 'by', 'why'],
    list.map((s) => [String(s.id), s.type, s.key ?? s.asset ?? 'everywhere', formatTime(s.until), String(s.suppressed), s.by, s.note || '-']),
  );
}
