// The compliance report: IEC 62443-3-2/3-3 requirements and NIST SP 800-82 practices, each
// marked met / partly / not met with evidence taken from this deployment: its policy, its
// approvals, its lint findings, what it has learned, and which capabilities it runs.

import type { Finding } from './lint.js';
import type { Policy } from './model.js';

export type Status = 'met' | 'partly' | 'not met';

export interface ComplianceItem {
  id: string;
  title: string;
  status: Status;
  evidence: string[];
}

export interface ComplianceInput {
  generatedAt: number;
  policy?: { policy: Policy; version: number; status: string; approvedBy?: string; secondApprover?: string };
  findings: Finding[];
  learning: { assets: number; conversations: number; firstSeen?: number; lastSeen?: number; converged: boolean; quietHours: number };
  /** Capabilities this deployment runs; absent ones are reported as not in place. */
  enforcing: boolean;
  /** The audit log's chain as verified now; undefined where there is none. */
  auditLog?: { entries: number; ok: boolean; broken?: { id: number; reason: string } };
  /** Assets and zones isolated now; undefined where island mode is not available. */
  isolations?: number;
  /** ZCR 5: the risk assessment from the imported advisories (bulkhead risk). */
  risk?: ComplianceRisk;
}

/** What the compliance report shows of the risk assessment. */
export interface ComplianceRisk {
  advisories: number;
  kevEntries: number;
  assets: number;
  identified: number;
  vulnerable: number;
  /** The policy version reach was read from. */
  policyVersion?: number;
  zones: { id: string; name: string; securityLevel: number; neededSl: number; gap: number; residualRisk: number; unmitigatedRisk: number; advisories: string[]; countermeasuresInForce: string[] }[];
  suggested: number;
}

export interface ComplianceReport {
  generatedAt: string;
  policy: string;
  summary: Record<Status, number>;
  items: ComplianceItem[];
}

const day = (ts: number | undefined) => (ts ? new Date(ts * 1000).toISOString().slice(0, 16).replace('T', ' ') : '-');

export function complianceReport(x: ComplianceInput): ComplianceReport {
  const items: ComplianceItem[] = [];
  const add = (id: string, title: string, status: Status, evidence: string[]) => items.push({ id, title, status, evidence });
  const p = x.policy?.policy;
  const count = (code: string) => x.findings.filter((f) => f.code === code).length;
  const rules = p ? p.conduits.flatMap((c) => c.rules) : [];
  const notEnforced = 'no enforcement is running in this deployment: the policy is documented and simulated, not applied';

  if (!p) {
    add('IEC 62443-3-2 ZCR 3', 'Partition the system into zones and conduits', 'not met', ['no policy stored: derive one from the learned baseline (bulkhead derive)']);
  } else {
    const levels = new Set(p.zones.map((z) => z.purdueLevel).filter((l) => l !== undefined));
    add('IEC 62443-3-2 ZCR 3', 'Partition the system into zones and conduits', p.zones.length >= 2 ? 'met' : 'partly', [
      `${p.zones.length} zones (${p.zones.map((z) => `${z.name}: ${z.members.length} members, SL-T ${z.securityLevel}`).join('; ')})`,
      `${p.conduits.length} conduits, ${rules.length} rules; Purdue levels represented: ${[...levels].sort().join(', ') || 'none recorded'}`,
    ]);
    const undocumented = p.zones.filter((z) => !z.owner || !z.description);
    add('IEC 62443-3-2 ZCR 6', 'Document zones and conduits (owner, boundary, assets, SL-T)', undocumented.length === 0 ? 'met' : 'partly', [
      `every zone has members and an SL-T; ${undocumented.length} of ${p.zones.length} lack an owner or description${undocumented.length ? `: ${undocumented.map((z) => z.id).join(', ')}` : ''}`,
      `every rule carries its evidence: ${rules.filter((r) => r.evidence).length} of ${rules.length}`,
    ]);
    add('IEC 62443-3-2 ZCR 7', 'Asset-owner approval', x.policy!.approvedBy ? 'met' : 'not met', [x.policy!.approvedBy ? `policy version ${x.policy!.version} approved by ${x.policy!.approvedBy}` : `policy version ${x.policy!.version} is a ${x.policy!.status}, not approved`]);
    add('IEC 62443-3-3 SR 2.1 RE4', 'Dual approval of policy changes', x.policy!.secondApprover ? 'met' : x.policy!.approvedBy ? 'partly' : 'not met', [
      x.policy!.secondApprover ? `approved by ${x.policy!.approvedBy} and ${x.policy!.secondApprover}` : x.policy!.approvedBy ? `one approval (${x.policy!.approvedBy}); no second approver` : 'not approved',
    ]);
    const segmented = p.zones.some((z) => (z.purdueLevel ?? 9) <= 1) && p.zones.some((z) => (z.purdueLevel ?? 0) >= 2);
    add('IEC 62443-3-3 SR 5.1', 'Network segmentation', segmented ? (x.enforcing ? 'met' : 'partly') : 'not met', [
      segmented ? 'control (level 0-1) assets are in zones of their own, apart from supervisory and higher zones' : 'no zone separates control (level 0-1) assets from the rest',
      ...(x.enforcing ? [] : [notEnforced]),
    ]);
    add('IEC 62443-3-3 SR 5.2', 'Zone boundary protection', x.enforcing ? 'met' : 'partly', [`every conduit's traffic is named by rules (${rules.length}) and simulated against the baseline`, ...(x.enforcing ? [] : [notEnforced])]);
    add('IEC 62443-3-3 SR 5.2 RE1', 'Deny by default, allow by exception', p.defaultAction === 'deny' ? (x.enforcing ? 'met' : 'partly') : 'not met', [`default action: ${p.defaultAction}`, ...(x.enforcing ? [] : [notEnforced])]);
    const failModes = p.conduits.filter((c) => c.failMode !== undefined).length;
    add('IEC 62443-3-3 SR 5.2 RE3 / SR 3.6', 'Fail close; deterministic output', x.enforcing && failModes === p.conduits.length ? 'met' : failModes ? 'partly' : 'not met', [
      `${failModes} of ${p.conduits.length} conduits state a fail mode (${p.conduits.filter((c) => c.failMode === 'closed').length} fail-closed)`,
      ...(x.enforcing ? [] : [notEnforced]),
    ]);
    add('IEC 62443-3-3 SR 7.6', 'Network and security configuration settings, machine-readable', 'met', [`policy version ${x.policy!.version} exports as YAML and JSON (bulkhead policy export), validated by schema`]);
    const rated = rules.filter((r) => r.ratePerSecond !== undefined).length;
    add('IEC 62443-3-3 SR 7.1', 'Denial-of-service protection', rated ? 'partly' : 'not met', [`${rated} of ${rules.length} rules set a rate limit`, 'flow table, reassembly and event queues are bounded (see the learning limits)', ...(x.enforcing ? [] : [notEnforced])]);
    add('NIST SP 800-82r3', 'Deny all by default; permit specific host-to-host services', p.defaultAction === 'deny' && count('any-operation') === 0 ? 'met' : 'partly', [`default ${p.defaultAction}; ${count('any-operation')} rules allow any operation of their protocol`]);
    add('NIST SP 800-82r3', 'Restrict write and program operations to the stations that need them', count('many-writers') === 0 ? 'met' : 'partly', [`${count('many-writers')} rules allow writes from many hosts or a whole zone`]);
    add('NIST SP 800-82r3', 'Application-aware filtering of ICS protocols', rules.every((r) => r.allow) ? 'met' : 'partly', [`${rules.filter((r) => r.allow).length} of ${rules.length} rules name operation kinds or codes`]);
    add('NIST SP 800-82r3', 'No direct traffic between levels 4+ and 0-2 (cross a DMZ)', count('no-dmz') === 0 ? 'met' : 'not met', [count('no-dmz') ? `${count('no-dmz')} conduits connect level 4+ with level 0-2 directly` : 'no conduit bypasses the DMZ']);
  }
  const zcr5 = riskItem(x.risk);
  add(zcr5.id, zcr5.title, zcr5.status, zcr5.evidence);
  add('IEC 62443-3-3 SR 3.5', 'Input validation', 'met', ['decoders reject malformed PDUs with a named anomaly and never stop on them; policy documents are validated by schema with the path of each problem']);
  add('IEC 62443-3-3 SR 6.2', 'Continuous monitoring', x.learning.lastSeen ? 'partly' : 'not met', [
    x.learning.lastSeen ? `monitor-only learning: ${x.learning.assets} assets, ${x.learning.conversations} conversations, ${day(x.learning.firstSeen)} to ${day(x.learning.lastSeen)}; ${x.learning.converged ? 'converged' : `not converged (${x.learning.quietHours.toFixed(1)} quiet hours)`}` : 'nothing learned',
    'behavioural detectors judge allowed traffic against the baseline and raise explained alerts (bulkhead alerts), forwarded to the SIEM targets configured',
  ]);
  const audit = x.auditLog;
  add('IEC 62443-3-3 SR 2.8 / SR 6.1', 'Auditable events; audit log accessible', audit ? (audit.ok ? 'met' : 'partly') : 'not met', [
    !audit
      ? 'no audit log in this deployment: policy versions record who created and approved them'
      : audit.ok
        ? `hash-chained audit log of policy, mode, isolation and engine events: ${audit.entries} entries, chain verified (bulkhead audit --verify)`
        : `the audit log's chain is broken at entry ${audit.broken!.id}: ${audit.broken!.reason}`,
  ]);
  add('IEC 62443-3-3 SR 5.2 RE2', 'Island mode', x.isolations !== undefined ? (x.enforcing ? 'met' : 'partly') : 'not met', [
    x.isolations !== undefined ? `bulkhead isolate cuts an asset or zone off within a second; ${x.isolations} isolated now` : 'no isolate action in this deployment',
    ...(x.enforcing || x.isolations === undefined ? [] : [notEnforced]),
  ]);
  add('IEC 62443-3-3 SR 3.3', 'Security functionality verification', x.enforcing ? 'partly' : 'not met', [x.enforcing ? 'applied ruleset read back and compared' : 'nothing applied to verify']);

  const summary: Record<Status, number> = { met: 0, partly: 0, 'not met': 0 };
  for (const i of items) summary[i.status]++;
  return { generatedAt: new Date(x.generatedAt * 1000).toISOString(), policy: x.policy ? `version ${x.policy.version} (${x.policy.status}) ${x.policy.policy.name}` : 'none', summary, items };
}

/** ZCR 5: vulnerabilities considered (5.2), SL-T per zone against what it needs (5.6), countermeasures in force (5.8) and residual risk (5.10). */
function riskItem(r: ComplianceRisk | undefined): ComplianceItem {
  const item = { id: 'IEC 62443-3-2 ZCR 5', title: 'Detailed risk assessment: vulnerabilities, SL-T, countermeasures, residual risk' };
  if (!r || !r.advisories) return { ...item, status: 'not met', evidence: ['no vulnerability advisories imported (bulkhead advisories import): known vulnerabilities of the devices are not considered'] };
  const short = r.zones.filter((z) => z.gap > 0);
  const evidence = [
    `vulnerabilities considered: ${r.advisories} advisories and ${r.kevEntries} known exploited vulnerabilities, matched against the ${r.identified} of ${r.assets} assets that say what product they are; ${r.vulnerable} vulnerable`,
    ...r.zones
      .filter((z) => z.advisories.length || z.gap > 0)
      .map((z) => `zone ${z.name}: SL-T ${z.securityLevel}, its contents need ${z.neededSl}${z.gap ? ` (short by ${z.gap})` : ''}; residual risk ${z.residualRisk} of 25 (${z.unmitigatedRisk} unmitigated); ${z.advisories.slice(0, 6).join(', ')}${z.advisories.length > 6 ? ' ...' : ''}; countermeasures in force: ${z.countermeasuresInForce.length ? z.countermeasuresInForce.join(', ') : 'none'}`),
    `${r.suggested} countermeasures suggested and not in force (bulkhead risk)${r.policyVersion !== undefined ? `; reach as policy version ${r.policyVersion} allows it` : '; no policy: reach from the learned conversations'}`,
  ];
  const unknown = r.assets - r.identified;
  if (unknown > 0) evidence.push(`${unknown} asset${unknown === 1 ? ' does' : 's do'} not say what product ${unknown === 1 ? 'it is: its' : 'they are: their'} vulnerabilities are unknown`);
  // Met only when every asset's vulnerabilities are known and every zone has the SL-T they need.
  return { ...item, status: short.length || unknown > 0 ? 'partly' : 'met', evidence };
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** A self-contained, printable HTML page (no external assets: it works offline and on paper). */
export function complianceHtml(r: ComplianceReport): string {
  const rows = r.items
    .map((i) => `<tr class="${i.status.replace(' ', '-')}"><td>${escape(i.id)}</td><td>${escape(i.title)}</td><td class="status">${i.status}</td><td><ul>${i.evidence.map((e) => `<li>${escape(e)}</li>`).join('')}</ul></td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bulkhead compliance report</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#111}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #bbb;padding:.4em;vertical-align:top;text-align:left}
.status{font-weight:600;white-space:nowrap}.met .status{color:#176c2c}.partly .status{color:#8a5a00}.not-met .status{color:#a11}
ul{margin:0;padding-left:1.2em}@media print{body{margin:0}}
</style></head><body>
<h1>Compliance report</h1>
<p>Generated ${escape(r.generatedAt)} for policy ${escape(r.policy)}: ${r.summary.met} met, ${r.summary.partly} partly, ${r.summary['not met']} not met.</p>
<table><thead><tr><th>Requirement</th><th>What it asks</th><th>Status</th><th>Evidence from this deployment</th></tr></thead>
<tbody>
${rows}
</tbody></table></body></html>
`;
}
