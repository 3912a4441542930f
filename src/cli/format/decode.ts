// `bulkhead decode --summary`: counts per protocol, kind and code.

import type { DecodeSummary } from '../../app/decode.js';

export function formatSummary(s: DecodeSummary): string {
  const lines: string[] = [];
  for (const f of s.files) lines.push(`${f.path}: ${f.error ? `ERROR ${f.error}` : `${f.format}, ${f.packets} packets`}`);
  lines.push(`packets ${s.stats.packets}, IP ${s.stats.ipPackets}, flows ${s.stats.flows}, operations ${s.stats.operations}, anomalies ${s.stats.anomalies}`);
  for (const [protocol, kinds] of Object.entries(s.operations)) {
    lines.push('', `${protocol}`);
    for (const [kind, codes] of Object.entries(kinds)) {
      for (const [code, n] of Object.entries(codes)) lines.push(`  ${kind.padEnd(11)} ${code.padEnd(48)} ${String(n).padStart(8)}`);
    }
  }
  const events = Object.entries(s.stats.events).filter(([, n]) => n > 0);
  if (events.length > 0) lines.push('', 'stream events', ...events.map(([e, n]) => `  ${e.padEnd(20)} ${String(n).padStart(8)}`));
  const anomalies = Object.entries(s.anomalies);
  if (anomalies.length > 0) lines.push('', 'anomalies', ...anomalies.map(([a, n]) => `  ${a.padEnd(24)} ${String(n).padStart(8)}`));
  return lines.join('\n');
}
