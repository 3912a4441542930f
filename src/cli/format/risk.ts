// The risk assessment for a terminal: assets worst first with their parts, the advisories each
// matched (CVEs, CVSS, KEV flag, why, how sure), zones with their SL-T gap, and the
// countermeasures with the ids `bulkhead risk draft` takes.

import type { CountermeasureDraft, RiskReport } from '../../app/risk.js';
import { formatTable } from './table.js';

/** Matches shown per asset, and remediations per match, in the text form (--json has them all). */
const MATCHES_SHOWN = 6;
const REMEDIATIONS_SHOWN = 2;

function cveList(cves: RiskReport['assets'][number]['matches'][number]['cves']): string {
  const shown = cves.slice(0, 6).map((c) => `${c.cve}${c.cvss !== undefined ? ` ${c.cvss.toFixed(1)}` : ''}${c.knownExploited ? ' KEV' : ''}`);
  return shown.join(', ') + (cves.length > 6 ? ` +${cves.length - 6}` : '');
}

export function formatRisk(r: RiskReport): string {
  const out: string[] = [];
  out.push(`${r.catalogue.advisories} advisories (${r.catalogue.products} products${r.catalogue.newestRelease ? `, newest ${r.catalogue.newestRelease.slice(0, 10)}` : ''}), ${r.catalogue.kevEntries} known exploited vulnerabilities${r.catalogue.kevVersion ? ` (KEV ${r.catalogue.kevVersion})` : ''}`);
  if (!r.catalogue.advisories) out.push('no advisories imported: bulkhead advisories import DIR|FILE (CISA CSAF documents, the KEV catalogue)');
  out.push(`${r.counts.assets} assets, ${r.counts.identified} say what product they are, ${r.counts.matched} match an advisory, ${r.counts.vulnerable} counted vulnerable; ${r.policy ? `reach from policy version ${r.policy.version} (${r.policy.why})` : 'no policy: reach from the learned conversations'}; assessed in ${r.tookMs} ms`);
  for (const a of r.assets) {
    out.push('', `${a.name} (${a.key}${a.zone ? `, zone ${a.zone}` : ''})`, `  ${a.risk.text}`);
    for (const p of a.risk.parts) out.push(`    ${p.name} ${p.points >= 0 ? '+' : ''}${p.points}: ${p.why}`);
    for (const m of a.matches.slice(0, MATCHES_SHOWN)) {
      const decided = m.decision ? `, ${m.decision}` : m.counted ? '' : ', not counted until confirmed';
      out.push(`  ${m.advisoryId} ${m.title} [${m.confidence}${decided}]`, `    ${cveList(m.cves)}`, `    why: ${m.why.join('; ')}`);
      for (const rem of m.remediations.slice(0, REMEDIATIONS_SHOWN)) out.push(`    ${rem.category}: ${rem.details.length > 160 ? `${rem.details.slice(0, 157)}...` : rem.details}`);
    }
    if (a.matches.length > MATCHES_SHOWN) out.push(`  +${a.matches.length - MATCHES_SHOWN} more advisories (--json lists them)`);
  }
  if (r.zones.length) {
    out.push('', 'Zones');
    out.push(formatTable(['zone', 'SL-T', 'needs', 'gap', 'vulnerable', 'worst (residual/unmitigated)', 'why'], r.zones.map((z) => [z.id, String(z.securityLevel), String(z.neededSl), z.gap ? `+${z.gap}` : '-', String(z.vulnerableAssets), z.worst ? `${z.worst.name} ${z.residualRisk}/${z.unmitigatedRisk}` : '-', z.why])));
  }
  if (r.countermeasures.length) {
    out.push('', 'Countermeasures (bulkhead risk draft ID --by NAME makes one a draft policy version)');
    for (const c of r.countermeasures) out.push(`  ${c.id}${c.inForce ? ' [in force]' : c.draftable ? '' : ' [not draftable]'}: ${c.text} (${c.advisories.join(', ')})${c.why && !c.inForce ? `; ${c.why}` : ''}`);
  }
  return out.join('\n');
}

export function formatDraft(d: CountermeasureDraft): string {
  return [
    `draft version ${d.version}: ${d.countermeasure.text}`,
    `  built on version ${d.base.version} (${d.base.why}); answers ${d.countermeasure.advisories.join(', ')}${d.countermeasure.cves.length ? ` (${d.countermeasure.cves.slice(0, 8).join(', ')}${d.countermeasure.cves.length > 8 ? ' ...' : ''})` : ''}`,
    ...d.diff.changes.map((c) => `  ${c}`),
    `  nothing is in force yet: review and simulate it, then bulkhead policy approve ${d.version} --by NAME and apply it`,
  ].join('\n');
}
