// The engine as a process runs it: the enforcement loop (engine.ts) with its health written to
// the store once a second (for `bulkhead status` and the console) and sent to a supervisor over
// IPC, and its denials and alerts batched into the store once a second, bounded in between.

import type { Db } from '../store/database.js';
import { EventStore, type GatewayEvent } from '../store/event-store.js';
import { Pending } from '../store/pending.js';
import { PolicyStore } from '../store/policy-store.js';
import { LearnStore } from '../store/learn-store.js';
import { learnedTargetNames } from '../learn/target-names.js';
import { enforce, type EnforceOptions } from './engine.js';
import { writeEngineHealth, type EngineHealth } from './health.js';
import type { LoadedPolicy } from './policy-ref.js';

/** Events held between two writes to the store; more are counted and said in an alert. */
export const MAX_PENDING_EVENTS = 10_000;
const FLUSH_MS = 1000;

export type EngineRunOptions = Omit<EnforceOptions, 'heartbeat' | 'onEvent' | 'onAlert' | 'follow'> & {
  /** Follow the store's active policy, mode and isolations (`--policy active`). */
  follow: boolean;
  /** Each denial or would-deny as it happens (the command prints it as a JSON line). */
  onEvent: EnforceOptions['onEvent'];
};

export async function runEngine(db: Db, first: LoadedPolicy, o: EngineRunOptions): Promise<{ inspected: number; denied: number; packets: number }> {
  let stored = 0;
  const heartbeat = (h: EngineHealth) => {
    process.send?.({ type: 'heartbeat', health: h });
    if (h.ts - stored < 1) return;
    stored = h.ts;
    writeEngineHealth(db, h);
  };
  const events = new EventStore(db);
  const pending = new Pending<Omit<GatewayEvent, 'id'>>(MAX_PENDING_EVENTS);
  const record = (kind: GatewayEvent['kind'], data: Record<string, unknown>) => pending.push({ ts: Date.now() / 1000, kind, data });
  const flush = () => {
    const dropped = pending.dropped;
    const batch = pending.take();
    if (dropped) batch.push({ ts: Date.now() / 1000, kind: 'alert', data: { source: 'engine', message: `${dropped} events not recorded: more than ${MAX_PENDING_EVENTS.toLocaleString('en')} in one second` } });
    events.append(batch);
  };
  const flusher = setInterval(flush, FLUSH_MS);
  const { follow, onEvent, ...options } = o;
  try {
    return await enforce(first, {
      ...options,
      heartbeat,
      onEvent: (e) => {
        onEvent(e);
        record(e.action, { ...e });
      },
      onAlert: (message) => record('alert', { source: 'engine', message }),
      ...(follow ? { follow: new PolicyStore(db) } : {}),
      names: () => learnedTargetNames(new LearnStore(db)),
    });
  } finally {
    clearInterval(flusher);
    flush();
    writeEngineHealth(db, null);
  }
}
