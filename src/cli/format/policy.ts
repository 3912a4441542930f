// Policy findings, simulations and comparisons as text for a terminal.

import { PROPOSE_OBSERVATIONS, type Proposal } from '../../app/propose.js';
import type { Finding } from '../../policy/lint.js';
import { compareSimulations, type SimulationReport } from '../../policy/simulate.js';
import { formatTable, formatTime } from './table.js';

export function formatFindings(findings: Finding[]): string {
  if (findings.length === 0) return 'no findings';
  return findings.map((f) => `${f.severity.toUpperCase().padEnd(7)} ${f.code.padEnd(14)} ${f.where}: ${f.message}\n        ${''.padEnd(14)} [${f.clause}]`).join('\n');
}

export function formatSimulation(r: SimulationReport, label: string): string {
  const lines = [`${label}: ${r.evaluated} operations evaluated, ${r.allowed} allowed, ${r.denied} would be denied (${r.responses} responses follow their requests)`];
  const reasons = Object.entries(r.deniedByReason);
  if (reasons.length) lines.push(`denied by reason: ${reasons.map(([code, n]) => `${code} ${n}`).join(', ')}`);
  if (r.denials.length) {
    lines.push(
      '',
      formatTable(
        ['count', 'client', 'server', 'operation', 'first', 'last', 'conduit'],
        r.denials.slice(0, 50).map((g) => [String(g.count), g.client, `${g.server}:${g.port}`, `${g.protocol} ${g.kind} ${g.operation}`, formatTime(g.firstSeen), formatTime(g.lastSeen), g.conduitId ?? '-']),
      ),
      '',
      'why (first of each):',
      ...r.denials.slice(0, 20).map((g) => `  [${g.reasonCode}] ${g.reason}`),
    );
    if (r.denials.length > 50) lines.push(`  ... ${r.denials.length - 50} more groups`);
  }
  if (r.notes.length) lines.push('', 'how far this speaks for the gateway:', ...r.notes.map((n) => `  - ${n}`));
  return lines.join('\n');
}

export function formatComparison(current: SimulationReport, candidate: SimulationReport): string {
  const { newlyDenied, newlyAllowed } = compareSimulations(current, candidate);
  const lines = [`applying the candidate: ${newlyDenied.length} newly denied groups, ${newlyAllowed.length} newly allowed groups`];
  for (const g of newlyDenied) lines.push(`  + denied  ${g.count}x ${g.client} -> ${g.server}:${g.port} ${g.protocol} ${g.operation}`);
  for (const g of newlyAllowed) lines.push(`  - allowed ${g.count}x ${g.client} -> ${g.server}:${g.port} ${g.protocol} ${g.operation}`);
  return lines.join('\n');
}

/** A proposal from would-deny traffic: what it adds and why, what it refused, the changes, what it would let through. */
export function formatProposal(p: Proposal): string {
  const from = `${p.events.read} would-deny events since ${formatTime(p.since)}${p.events.truncated ? ' (the newest; more were not read)' : ''}`;
  const lines = [p.version !== undefined ? `proposed policy version ${p.version} (draft) on version ${p.base.version} (${p.base.why}), from ${from}` : `nothing to add to version ${p.base.version} (${p.base.why}) from ${from}: nothing stored`];
  if (p.observations.truncated) lines.push(`${p.observations.ungrouped} events of further requests were not considered: at most ${PROPOSE_OBSERVATIONS} requests are in one proposal`);
  if (p.additions.length) lines.push(`\nadditions (${p.additions.length}):`, ...p.additions.map((a) => `  + ${a.text}`));
  if (p.refused.length) lines.push(`\nrefused (${p.refused.length}):`, ...p.refused.map((r) => `  - ${r.what}, ${r.observation.count} time${r.observation.count === 1 ? '' : 's'}: ${r.why}`));
  if (p.withoutRequest.length) lines.push('\nwithout a request to allow:', ...p.withoutRequest.map((w) => `  - ${w.count} ${w.reasonCode}: ${w.why}`));
  if (p.version !== undefined) lines.push(`\nchanges (bulkhead policy diff ${p.base.version} ${p.version}):`, ...p.diff.changes.map((c) => `  ${c}`));
  lines.push(`\nthe draft ${p.letThrough.text}`);
  if (p.version !== undefined) lines.push(`review it (bulkhead policy show ${p.version}; bulkhead simulate --policy ${p.version} --since 7d), then: bulkhead policy approve ${p.version} --by NAME`);
  return lines.join('\n');
}
