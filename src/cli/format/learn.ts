// `bulkhead learn`: the import report and learning progress in the plant's words.

import { describeEtherType } from '../../../protocols/net/ether-types.js';
import type { LearnReport } from '../../app/learn.js';
import { MAX_ETHER_TYPES, type EtherCensusState } from '../../learn/ether-census.js';
import type { LearnProgress } from '../../learn/progress.js';
import { formatDuration, formatTable, formatTime } from './table.js';

export function formatLearnReport(r: LearnReport): string {
  const lines = r.files.map((f) => `${f.path}: ${f.error ? `ERROR ${f.error}` : f.skipped ? 'already learned, skipped' : `${f.packets} packets${f.resumedAt ? ` (resumed at packet ${f.resumedAt})` : ''}`}`);
  lines.push(
    `${r.packets} packets, ${r.operations} operations in ${formatDuration(r.seconds)} (${Math.round(r.packets / Math.max(r.seconds, 1e-6))} packets/s)`,
    `new: ${r.assets} assets, ${r.conversations} conversations, ${r.discoveries} discoveries; peak memory ${r.peakRssMb.toFixed(0)} MB`,
  );
  return lines.join('\n');
}

/** The non-IP EtherTypes seen, in the plant's words: "ARP (0x0806) 1,204 frames; PROFINET (0x8892) 88 frames on VLAN 10". */
export function describeEtherTypes(c: EtherCensusState | undefined): string {
  if (!c) return 'not counted (learned before EtherTypes were): learn again to list them';
  if (c.types.length === 0) return 'none seen';
  const seen = c.types.map((t) => `${describeEtherType(t.etherType)} ${t.frames.toLocaleString('en')} frames${t.vlans ? ` on VLAN ${t.vlans.join(', ')}` : ''}`);
  return seen.join('; ') + (c.truncated ? `; and ${c.truncated} frames of types past the ${MAX_ETHER_TYPES} kept` : '');
}

export function formatProgress(p: LearnProgress): string {
  if (!p.learning) return 'nothing learned yet: run `bulkhead learn --pcap FILE` or `bulkhead learn --interface IF`';
  const lines = [
    `learned        ${formatTime(p.firstSeen)} .. ${formatTime(p.lastSeen)} (${p.hoursLearned.toFixed(1)} h of traffic)`,
    `inventory      ${p.totals.assets} assets, ${p.totals.conversations} conversations`,
    `last new       ${formatTime(p.lastDiscovery)} (${p.quietHours.toFixed(1)} h quiet)`,
    `non-IP         ${describeEtherTypes(p.etherTypes)}`,
    `last 24 h      ${p.lastDay.assets} new assets, ${p.lastDay.conversations} conversations, ${p.lastDay.operations} operations, ${p.lastDay.targets} targets`,
    p.converged
      ? `converged      yes: nothing new for ${p.quietHours.toFixed(1)} h (threshold ${p.convergenceHours} h); the baseline is ready for policy derivation`
      : `converged      no: ${p.quietHours.toFixed(1)} of ${p.convergenceHours} quiet hours; if nothing new appears, at ${formatTime(p.convergesAt)}`,
  ];
  if (p.perHour.length > 0) {
    lines.push(
      '',
      formatTable(
        ['hour (UTC)', 'assets', 'conversations', 'operations', 'targets'],
        p.perHour.slice(-48).map((h) => [formatTime(h.hour).slice(0, 16), String(h.assets), String(h.conversations), String(h.operations), String(h.targets)]),
      ),
    );
  }
  return lines.join('\n');
}
