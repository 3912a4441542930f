// The advisory catalogue on the terminal: what an import did, the catalogue's summary, and one
// advisory with its products, CVEs (score, KEV flag) and remediations.

import type { ImportReport, RiskSummary, ShownAdvisory } from '../../app/advisories.js';
import { formatTable, formatTime } from './table.js';

const n = (x: number) => x.toLocaleString('en-US');
const day = (iso: string) => iso.slice(0, 10);

export function formatImport(r: ImportReport): string {
  const lines = [
    `imported ${n(r.documents)} document(s) from ${r.source} in ${r.seconds.toFixed(1)} s: ${n(r.added)} advisories added, ${n(r.updated)} updated, ${n(r.unchanged)} unchanged${r.older ? ` (${n(r.older)} older than the stored release, kept)` : ''}`,
  ];
  if (r.kevEntries !== undefined) lines.push(r.kevEntries > 0 ? `KEV catalogue ${r.kevVersion}: ${n(r.kevEntries)} known exploited vulnerabilities` : `KEV catalogue ${r.kevVersion}: older than the stored one, which is kept`);
  if (r.skippedCount) {
    lines.push(`skipped ${n(r.skippedCount)} invalid document(s):`);
    for (const s of r.skipped) lines.push(`  ${s.file}: ${s.problems.join('; ')}`);
    if (r.skippedCount > r.skipped.length) lines.push(`  ... and ${n(r.skippedCount - r.skipped.length)} more`);
  }
  for (const i of r.ignored) lines.push(`ignored ${i.file}: ${i.why}`);
  return lines.join('\n');
}

export function formatSummary(s: RiskSummary): string {
  if (s.advisories === 0 && s.kevEntries === 0) return 'no advisories imported yet (bulkhead advisories import DIR|FILE)';
  const lines = [
    `${n(s.advisories)} advisories naming ${n(s.cves)} CVEs and ${n(s.products)} products${s.newestAdvisory ? `; the newest ${s.newestAdvisory} of ${day(s.newestRelease ?? '')}` : ''}`,
    s.kevEntries ? `KEV catalogue ${s.kevVersion}: ${n(s.kevEntries)} known exploited vulnerabilities` : 'no KEV catalogue imported',
  ];
  if (s.sources.length) {
    lines.push('imports, latest first:');
    lines.push(formatTable(['when', 'source', 'added', 'updated'], s.sources.map((x) => [formatTime(x.at), x.source, n(x.added), n(x.updated)])));
  }
  return lines.join('\n');
}

export function formatAdvisory(a: ShownAdvisory): string {
  const lines = [
    `${a.id} ${a.title}`,
    `  ${a.publisher}, released ${day(a.initialRelease)}, revision ${a.version} of ${day(a.currentRelease)}${a.url ? `, ${a.url}` : ''}`,
    '',
    `products (${a.products.length}):`,
    formatTable(['id', 'vendor', 'product', 'versions', 'model numbers'], a.products.map((p) => [p.productId, p.vendor, p.name, p.version || '-', p.modelNumbers.join(' ') || '-'])),
    '',
    `CVEs (${a.cves.length}):`,
    formatTable(
      ['CVE', 'CVSS', 'known exploited', 'weakness', 'affects'],
      a.cves.map((c) => [c.cve, c.cvss?.toFixed(1) ?? '-', c.kev ? `yes, since ${c.kev.dateAdded}${c.kev.ransomware ? ', ransomware' : ''}` : 'no', c.cwe ?? '-', c.affected.join(' ')]),
    ),
    '',
    `remediations (${a.remediations.length}):`,
    ...a.remediations.map((r) => `  ${r.category} for ${r.productIds.join(' ') || 'every product'} (${r.cves.join(', ')}): ${r.details}${r.url ? ` ${r.url}` : ''}`),
    ...(a.textTruncated ? ['', `(its text was cut to ${n(a.text.length)} characters)`] : []),
    ...(a.truncated ? [`(cut to stay within the bounds: ${a.truncated.join('; ')})`] : []),
  ];
  return lines.join('\n');
}
