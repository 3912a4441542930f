// `bulkhead status` as text.

import type { GuidedPath } from '../../app/schemas.js';
import type { GatewayStatus } from '../../app/status.js';
import { formatTable, formatTime } from './table.js';

export function formatStatus(s: GatewayStatus): string {
  const h = s.engine.health;
  const lines = [
    `mode:        ${s.mode.mode}${s.mode.by ? ` (set by ${s.mode.by} ${formatTime(s.mode.since)})` : ' (default)'}`,
    `policy:      ${s.policy ? `version ${s.policy.version} (${s.policy.name}) active` : 'none active'}`,
  ];
  if (s.pending) lines.push(`pending:     version ${s.pending.version} applied by ${s.pending.by}: confirm within ${s.pending.secondsLeft} s (bulkhead confirm --by NAME) or it rolls back`);
  lines.push(`isolated:    ${s.isolations.length ? s.isolations.map((i) => `${i.target} (by ${i.by}${i.reason ? `: ${i.reason}` : ''})`).join(', ') : 'nothing'}`);
  const learning = s.supervisor?.running && s.supervisor.engine.role === 'learner';
  if (learning) lines.push(`engine:      not started: no policy is active yet, the gateway learns on its bridge (pid ${s.supervisor!.engine.pid ?? '-'}) and forwards everything`);
  else if (s.engine.running && h) {
    lines.push(`engine:      running (pid ${h.pid}), ${h.mode}, policy ${h.policy}; ${h.inspected} packets inspected, ${h.denied} ${h.mode === 'learn' ? 'would have been denied' : 'denied'}${h.queues && h.queues.length > 1 ? ` on ${h.queues.length} queues (${h.queues.map((q) => `${q.num}: ${q.packets}`).join(', ')})` : ''}${h.queue ? `; queue errors ${h.queue.errors}` : ''}${h.reassembly?.refused ? `; ${h.reassembly.refused} requests in pieces over the reassembly budget` : ''}`);
  } else lines.push(`engine:      NOT RUNNING${h ? ` (last heartbeat ${formatTime(h.ts)})` : ''}: conduits are in their fail state (fail-open forwarded, fail-closed blocked) while kernel rules remain`);
  const sup = s.supervisor;
  if (sup) {
    lines.push(`supervisor:  ${sup.running ? `running (pid ${sup.pid}) since ${formatTime(sup.since)}` : 'not running'}, watchdog ${sup.watchdogMs} ms, ${sup.restarts} restart${sup.restarts === 1 ? '' : 's'}${sup.lastExit ? `; last: engine ${sup.lastExit.reason} at ${formatTime(sup.lastExit.ts)}` : ''}`);
    if (sup.bypass) lines.push(`bypass:      ${sup.bypass.engaged ? 'ENGAGED (plant ports joined around the gateway)' : 'released'} (${sup.bypass.driver})`);
    const st = sup.storage;
    if (st) lines.push(`storage:     ${st.path} ${st.usedPercent}% full, ${Math.round(st.freeBytes / 1048576)} MiB free${st.usedPercent >= st.warnPercent ? `: OVER the ${st.warnPercent}% warning, back up and free space before records cannot be written` : ` (warning at ${st.warnPercent}%)`}`);
  }
  lines.push(`audit log:   ${s.audit.ok ? `${s.audit.entries} entries, chain intact` : `BROKEN at entry ${s.audit.broken!.id}: ${s.audit.broken!.reason}`}`);
  if (h && s.engine.running && h.conduits.length) {
    lines.push('', formatTable(['conduit', 'fail mode', 'inspection', 'p50', 'p99', 'budget'], h.conduits.map((c) => [c.name, c.failMode, c.inspection, c.p50Us !== undefined ? `${c.p50Us.toFixed(0)} us` : '-', c.p99Us !== undefined ? `${c.p99Us.toFixed(0)} us` : '-', c.latencyBudgetMs !== undefined ? `${c.latencyBudgetMs} ms` : '-'])));
  }
  return lines.join('\n');
}

const MARKS = { done: '[x]', current: '[>]', later: '[ ]' } as const;

/** The six steps, one line each, the current one with what to do next. */
export function formatGuidedPath(path: GuidedPath): string {
  const lines: string[] = [];
  for (const s of path.steps) {
    lines.push(`${MARKS[s.state]} ${s.title}: ${s.status}`);
    if (s.state === 'current' && s.next) lines.push(`    next: ${s.next}`);
  }
  return lines.join('\n');
}
