// `bulkhead failsafe`: what the appliance's service runs after the gateway stops, for whatever
// reason (systemctl stop, a crash, a watchdog kill, a failed start): the active policy's rules
// are put in the kernel with nobody on the inspection queue, so each conduit is in its fail state
// (fail-open: its allowed hosts and ports forwarded without inspection; fail-closed: nothing),
// and the hardware bypass relay is engaged where no conduit is fail-closed. Idempotent: the rules
// are replaced atomically, the relay is left as it is when already right. `--clear` takes every
// rule out (a plain bridge), for uninstalling or servicing the box.

import { nftQueueSupported, nftUnavailable, removeNft } from '../enforce/nft-apply.js';
import { removeQueueRules } from '../enforce/queue-rules.js';
import { EnforceError, failsClosed, inspectionStopper, installRuleset } from '../enforce/ruleset.js';
import type { BypassDriver } from '../enforce/bypass-driver.js';
import type { PolicyStore } from '../store/policy-store.js';
import { loadPolicy } from './policy-ref.js';
import { engineRunning, readEngineHealth } from './health.js';

export interface FailState {
  ts: number;
  /** What the kernel holds now. */
  state: 'fail-state' | 'plain-bridge';
  why: string;
  policy?: string;
  conduits: { name: string; failMode: 'open' | 'closed' }[];
  relay?: { driver: string; engaged: boolean; why: string };
}

export interface FailsafeOptions {
  store: PolicyStore;
  bridge?: string;
  /** The bridge's plant ports as configured: guarded by name whether or not they are in the bridge yet. */
  ports?: readonly string[];
  queue: number;
  bypass?: BypassDriver;
  by: string;
  clear?: boolean;
}

/** The conduits of the active policy that must pass nothing while the engine is down. */
export function failClosedConduits(store: PolicyStore): string[] {
  const mode = store.mode() ?? 'enforce';
  if (!store.latest('active') || mode === 'bypass') return [];
  return loadPolicy(store, 'active').policy.conduits.filter((c) => failsClosed(c, mode)).map((c) => c.name);
}

export async function failsafe(o: FailsafeOptions): Promise<FailState> {
  const missing = nftUnavailable();
  if (missing) throw new EnforceError(`cannot hold the fail state: ${missing}`);
  const now = Date.now() / 1000;
  const health = readEngineHealth(o.store.db);
  // A running engine's rules are not ours to replace.
  if (health && engineRunning(health, now)) throw new EnforceError(`the engine (pid ${health.pid}) is running and holds the rules: stop the gateway first`);
  const mode = o.store.mode() ?? 'enforce';
  const active = o.store.latest('active');
  let result: FailState;
  if (o.clear || mode === 'bypass' || !active) {
    await removeQueueRules();
    await removeNft('bulkhead');
    const why = o.clear ? `cleared by ${o.by}` : mode === 'bypass' ? 'the gateway is in bypass mode (a plain wire by an operator)' : 'no policy is active: nothing was ever enforced here';
    result = { ts: now, state: 'plain-bridge', why, conduits: [] };
  } else {
    const { policy, label } = loadPolicy(o.store, 'active');
    await installRuleset(policy, {
      mode: mode === 'learn' ? 'learn' : 'enforce',
      isolated: o.store.isolations().flatMap((i) => i.addresses),
      inspect: { queues: { first: o.queue, count: 1 }, nftQueue: nftQueueSupported() },
      stopInspecting: inspectionStopper(),
      ...(o.bridge ? { bridge: o.bridge } : {}),
      ...(o.ports ? { ports: o.ports } : {}),
    });
    result = {
      ts: now,
      state: 'fail-state',
      why: `policy ${label} in the kernel with nobody on queue ${o.queue}`,
      policy: label,
      conduits: policy.conduits.map((c) => ({ name: c.name, failMode: failsClosed(c, mode) ? 'closed' : 'open' })),
    };
  }
  const relay = o.bypass;
  if (relay) {
    const closed = result.conduits.filter((c) => c.failMode === 'closed').map((c) => c.name);
    const engage = !o.clear && closed.length === 0;
    if (relay.engaged() !== engage) (engage ? relay.engage : relay.release)();
    result.relay = {
      driver: relay.spec,
      engaged: relay.engaged(),
      why: o.clear ? 'cleared: traffic passes through the gateway' : engage ? 'no conduit is fail-closed: the plant ports are joined around the gateway' : `fail-closed conduit${closed.length > 1 ? 's' : ''} ${closed.join(', ')} must pass nothing`,
    };
  }
  o.store.audit.append(o.by, o.clear ? 'gateway.failsafe.clear' : 'gateway.failsafe', result.policy ?? '-', { state: result.state, why: result.why, ...(result.relay ? { relay: result.relay.engaged ? 'engaged' : 'released' } : {}) });
  return result;
}

