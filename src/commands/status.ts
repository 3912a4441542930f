// `bulkhead status`: the gateway as it stands, from the store the engine and supervisor report
// into: mode, active policy, pending confirmation, isolations, engine health and latency,
// supervisor and hardware bypass, and whether the audit chain holds.

import type { PolicyStore } from '../store/policy-store.js';
import { readSetting } from '../store/settings.js';
import type { EngineHealth } from './enforce.js';
import type { SupervisorState } from './supervisor.js';
import { formatTable, formatTime } from './table.js';

/** A heartbeat older than this says the engine is not running. */
const STALE_SECONDS = 3;

export interface GatewayStatus {
  mode: { mode: string; by?: string; since?: number };
  policy?: { version: number; name: string };
  pending?: { version: number; deadline: number; secondsLeft: number; by: string };
  isolations: { target: string; addresses: string[]; since: number; by: string; reason: string }[];
  engine: { running: boolean; health?: EngineHealth };
  supervisor?: SupervisorState & { running: boolean };
  audit: { entries: number; ok: boolean; broken?: { id: number; reason: string } };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether an engine runs now: its heartbeat is recent and its process is there. A heartbeat far
 * in the future is stale too: a box without a real-time clock boots with its clock set back.
 */
export function engineRunning(health: EngineHealth | undefined, now: number): boolean {
  return health !== undefined && Math.abs(now - health.ts) < STALE_SECONDS && alive(health.pid);
}

export function gatewayStatus(store: PolicyStore, now = Date.now() / 1000): GatewayStatus {
  const mode = readSetting<{ mode: string; by: string; since: number }>(store.db, 'gateway.mode') ?? { mode: 'enforce' };
  const active = store.latest('active');
  const pending = store.pending();
  const health = readSetting<EngineHealth | null>(store.db, 'engine.health') ?? undefined;
  const supervisor = readSetting<SupervisorState>(store.db, 'supervisor');
  return {
    mode,
    ...(active ? { policy: { version: active.version, name: active.name } } : {}),
    ...(pending ? { pending: { version: pending.version, deadline: pending.deadline, secondsLeft: Math.max(0, Math.round(pending.deadline - now)), by: pending.by } } : {}),
    isolations: store.isolations(),
    engine: { running: engineRunning(health, now), ...(health ? { health } : {}) },
    ...(supervisor ? { supervisor: { ...supervisor, running: alive(supervisor.pid) } } : {}),
    audit: store.audit.verify(),
  };
}

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
    lines.push(`engine:      running (pid ${h.pid}), ${h.mode}, policy ${h.policy}; ${h.inspected} packets inspected, ${h.denied} ${h.mode === 'learn' ? 'would have been denied' : 'denied'}${h.queue ? `; queue errors ${h.queue.errors}` : ''}${h.reassembly?.refused ? `; ${h.reassembly.refused} requests in pieces over the reassembly budget` : ''}`);
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
