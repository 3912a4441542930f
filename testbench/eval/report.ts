// The evaluation as people read it: per attack, detected or not, by which alert and how fast;
// then the false alarms, their rate against the target, and each of them, so that anyone can
// see why it was raised.

import type { Evaluation } from './evaluate.js';
import type { AlertBrief } from './score.js';

const pad = (s: string, n: number) => (s.length >= n ? `${s} ` : s.padEnd(n));

function duration(s: number): string {
  const sign = s < 0 ? '-' : '';
  const a = Math.abs(s);
  if (a < 1) return `${sign}${a.toFixed(2)} s`;
  if (a < 120) return `${sign}${a.toFixed(0)} s`;
  return `${sign}${(a / 60).toFixed(1)} min`;
}

const line = (a: AlertBrief) => `  ${pad(a.type, 32)}#${a.id} ${new Date(a.firstSeen * 1000).toISOString().slice(0, 19)}Z  ${a.summary}`;

export function formatEvaluation(e: Evaluation): string {
  const p = e.plant;
  const out: string[] = [];
  out.push(`Detection evaluation: ${p.devices} devices (${p.cells} cells, ${p.plcs} PLCs), ${p.protocols.join(', ')}; ${p.learnedHours} h learned, then ${p.judgedDays} day(s) judged; ${p.packets.toLocaleString('en')} packets per copy`);
  out.push('');
  out.push(`${pad('attack', 27)}${pad('expected alert types', 46)}${pad('detected', 9)}${pad('alert (id)', 34)}time to detect`);
  for (const r of e.attacks) {
    const alert = r.alert ? `${r.alert.type} #${r.alert.id}${r.raisedBefore ? ' (open before)' : ''}` : '-';
    out.push(`${pad(r.attack, 27)}${pad(r.expected.join(', '), 46)}${pad(r.detected ? 'yes' : 'NO', 9)}${pad(alert, 34)}${r.timeToDetect === undefined ? '-' : duration(r.timeToDetect)}`);
  }
  const missed = e.attacks.filter((r) => !r.detected).length;
  out.push(`${e.attacks.length - missed} of ${e.attacks.length} attacks detected`);
  out.push('');
  const f = e.falseAlarms;
  const within = f.perHundredDevicesPerDay <= f.target;
  out.push(`false alarms: ${f.count} on ${f.devices} devices over ${f.days} day(s) of normal traffic = ${f.perHundredDevicesPerDay.toFixed(2)} per 100 devices per day (target at most ${f.target}): ${within ? 'within target' : 'OVER TARGET'}`);
  for (const a of f.alerts) out.push(line(a));
  if (e.alsoRaised.length) {
    out.push('');
    out.push(`also raised in the attacked copy (set off by the attacks besides their detection; not counted): ${e.alsoRaised.length}`);
    for (const a of e.alsoRaised) out.push(line(a));
  }
  out.push('');
  out.push('notes:');
  for (const n of e.notes) out.push(`  - ${n}`);
  out.push(`  - generated in ${e.seconds.generate.toFixed(1)} s, learned in ${e.seconds.learn.toFixed(1)} s (both copies)`);
  out.push(e.ok ? 'PASS' : `FAIL: ${[missed ? `${missed} attack(s) missed` : '', within ? '' : 'false alarm rate over target'].filter(Boolean).join(', ')}`);
  return out.join('\n');
}
