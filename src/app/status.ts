// `bulkhead status`: the gateway as it stands, from the store the engine and supervisor report
// into: mode, active policy, pending confirmation, isolations, engine health and latency,
// supervisor and hardware bypass, and whether the audit chain holds.

import type { PolicyStore } from '../store/policy-store.js';
import { readSetting } from '../store/settings.js';
import { alive, engineRunning, readEngineHealth, readSupervisor, type EngineHealth, type SupervisorState } from '../gateway/health.js';

export interface GatewayStatus {
  mode: { mode: string; by?: string; since?: number };
  policy?: { version: number; name: string };
  pending?: { version: number; deadline: number; secondsLeft: number; by: string };
  isolations: { target: string; addresses: string[]; since: number; by: string; reason: string }[];
  engine: { running: boolean; health?: EngineHealth };
  supervisor?: SupervisorState & { running: boolean };
  audit: { entries: number; ok: boolean; broken?: { id: number; reason: string } };
}

export function gatewayStatus(store: PolicyStore, now = Date.now() / 1000): GatewayStatus {
  const mode = readSetting<{ mode: string; by: string; since: number }>(store.db, 'gateway.mode') ?? { mode: 'enforce' };
  const active = store.latest('active');
  const pending = store.pending();
  const health = readEngineHealth(store.db);
  const supervisor = readSupervisor(store.db);
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

