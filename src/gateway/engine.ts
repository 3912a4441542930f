// `bulkhead enforce`: the policy inline on this gateway's bridge. The kernel table takes host and
// port decisions; rules that restrict operations are queued to the inspector, whose verdicts come
// from the same evaluator as simulation. Following the store's active policy, it swaps in a newly
// applied version without interrupting allowed traffic, and puts the previous one back when a
// change is not confirmed in time. Stopping removes everything (the gateway becomes a plain
// bridge: the bypass state), or, as the appliance's service does, leaves the rules with nobody on
// the queue: each conduit in its fail state.

import { nftQueueSupported, nftUnavailable, removeNft } from '../enforce/nft-apply.js';
import { Inspector, type InspectionEvent } from '../enforce/inspector.js';
import { LinkWatch } from '../enforce/link-watch.js';
import { isGatewayMode, type EngineHealth, type GatewayMode } from './health.js';
import { NfqueueUnavailable, openQueue, type Queue } from '../enforce/nfqueue.js';
import { EnforceError, guardedPorts, inspectionStopper, installRuleset } from '../enforce/ruleset.js';
import { compilePolicy } from '../policy/evaluate.js';
import type { Policy } from '../policy/model.js';
import type { PolicyStore } from '../store/policy-store.js';
import { loadPolicy } from './policy-ref.js';


export interface EnforceOptions {
  /** The mode to start in (a gateway following the store then takes the store's). */
  mode: GatewayMode;
  /** The gateway's bridge; without it, every bridge in this network namespace is under the policy. */
  bridge?: string;
  /** The bridge's plant ports as configured: guarded even before they join it. */
  ports?: readonly string[];
  /** Called every HEARTBEAT_MS from the event loop: a hung engine stops calling it. */
  heartbeat?: (h: EngineHealth) => void;
  queue: number;
  signal: AbortSignal;
  log: (line: string) => void;
  onEvent: (e: InspectionEvent) => void;
  /** Alerts (latency budgets) for people, besides the log. */
  onAlert?: (message: string) => void;
  /** Follow the store's active version (apply, confirm, rollback) instead of one fixed policy. */
  follow?: PolicyStore;
  /** What stopping leaves: no rules (a plain bridge, the default) or each conduit in its fail state. */
  onStop?: OnStop;
}

export type OnStop = 'remove' | 'fail-state';


const FOLLOW_INTERVAL_MS = 500;
const HEARTBEAT_MS = 250;
/** How often the kernel's layer-2 sightings are read back. */
const LINK_WATCH_MS = 1000;

/** How long a conduit over its latency budget stays bypassed before it is measured again. */
const BYPASS_PROBATION_MS = 10_000;

export async function enforce(first: { policy: Policy; label: string }, o: EnforceOptions): Promise<{ inspected: number; denied: number; packets: number }> {
  const missing = nftUnavailable();
  if (missing) throw new EnforceError(`cannot enforce: ${missing}`);
  const inspector = new Inspector(compilePolicy(first.policy), o.mode === 'bypass' ? 'enforce' : o.mode, o.onEvent);
  let queue: Queue | undefined;
  try {
    queue = openQueue(o.queue, { maxLength: 4096, failOpen: true }, (p) => inspector.verdict(p));
  } catch (err) {
    if (!(err instanceof NfqueueUnavailable)) throw err;
    o.log(`WARNING: ${err.message}: rules that restrict operations are enforced at host and port level only`);
  }
  let table = 'bulkhead';
  // Steering: the table's own `queue` expression where the kernel has it, else the xtables NFQUEUE target.
  const nftQueue = queue !== undefined && nftQueueSupported();
  if (queue) o.log(`deep inspection on queue ${o.queue}, steered by ${nftQueue ? "the nftables table's queue expression" : 'the xtables NFQUEUE target on bridged traffic (this kernel lacks the nftables queue expression)'}`);
  const stopInspecting = inspectionStopper();
  /** What the kernel's layer 2 refused (spoofing, VLANs, EtherTypes), reported as the inspector reports. */
  const linkWatch = new LinkWatch(first.policy);

  /** Puts a policy in force: kernel table and inspection rules atomically, then the evaluator. */
  let inForce = first;
  /** learn and enforce as started or switched; bypass: no rules at all (a plain wire). */
  let mode: GatewayMode = o.mode;
  let installed = false;
  const isolated = () => o.follow?.isolations().flatMap((i) => i.addresses) ?? [];
  let isolatedKey = '';
  let portsKey = '';
  /** Fail-open conduits over their latency budget: inspection bypassed since (ms). */
  const bypassed = new Map<string, number>();
  const install = (policy: Policy, label: string) => {
    const cut = isolated();
    if (mode === 'bypass') {
      stopInspecting();
      removeNft(table);
      installed = false;
      inForce = { policy, label };
      o.log(`bypass: no rules in the kernel, the bridge forwards everything (policy ${label} kept for when enforcement resumes)`);
      return;
    }
    inspector.mode = mode;
    const r = installRuleset(policy, { mode, isolated: cut, bypassed: new Set(bypassed.keys()), stopInspecting, ...(o.bridge ? { bridge: o.bridge } : {}), ...(o.ports ? { ports: o.ports } : {}), ...(queue ? { inspect: { queue: o.queue, nftQueue } } : {}) });
    inspector.evaluator = compilePolicy(policy);
    inspector.isolate(cut);
    linkWatch.use(policy, r.program.table, r.program.sightings);
    table = r.program.table;
    installed = true;
    inForce = { policy, label };
    isolatedKey = JSON.stringify(cut);
    portsKey = JSON.stringify(r.ports);
    o.log(
      `${mode === 'enforce' ? 'enforcing' : 'monitoring (learn mode: nothing is dropped)'} policy ${label}: ${r.program.comments.length} kernel rules, ${cut.length ? `${cut.length} isolated, ` : ''}` +
        `${r.inspected.length} rules inspected per operation${r.kernelOnly.length ? `, ${r.kernelOnly.length} at host/port level only (rules to broadcast addresses are not inspected)` : ''}`,
    );
  };

  let timer: NodeJS.Timeout | undefined;
  const alert = (message: string) => {
    o.log(`ALERT ${message}`);
    o.onAlert?.(message);
  };
  const alerted = new Map<string, number>();
  /** Latency budgets: a fail-open conduit over budget is left to the kernel for a while; a fail-closed one keeps being inspected. */
  const budgetTimer = setInterval(() => {
    const now = Date.now();
    let changed = false;
    for (const c of inForce.policy.conduits) {
      if (c.latencyBudgetMs === undefined) continue;
      const since = bypassed.get(c.id);
      if (since !== undefined) {
        if (now - since < BYPASS_PROBATION_MS) continue;
        bypassed.delete(c.id);
        inspector.latency.reset(c.id);
        o.log(`conduit ${c.name}: inspection resumed after ${BYPASS_PROBATION_MS / 1000} s; measuring its latency again`);
        changed = true;
        continue;
      }
      const s = inspector.latency.stats(c.id);
      if (!s || s.p99Us <= c.latencyBudgetMs * 1000) continue;
      if ((alerted.get(c.id) ?? 0) > now - BYPASS_PROBATION_MS) continue;
      alerted.set(c.id, now);
      const over = `p99 ${s.p99Us.toFixed(0)} us (p50 ${s.p50Us.toFixed(0)} us) over its ${c.latencyBudgetMs} ms budget`;
      if (c.failMode === 'closed') alert(`conduit ${c.name}: verdict latency ${over}; fail-closed: still inspecting every operation`);
      else {
        bypassed.set(c.id, now);
        changed = true;
        alert(`conduit ${c.name}: verdict latency ${over}; fail-open: left to the kernel rules (host and port) without inspection for ${BYPASS_PROBATION_MS / 1000} s`);
      }
    }
    if (changed) {
      try {
        install(inForce.policy, inForce.label);
      } catch (err) {
        o.log(`ERROR: ${(err as Error).message}: the previous rules stay in force`);
      }
    }
  }, 1000);
  const health = (): EngineHealth => {
    const q = queue?.stats();
    return {
      ts: Date.now() / 1000,
      pid: process.pid,
      mode,
      policy: inForce.label,
      inspected: inspector.counts.packets,
      denied: inspector.counts.denied,
      ...(q ? { queue: q } : {}),
      reassembly: { heldBytes: inspector.follower.reassembly.held, refused: inspector.follower.reassembly.refused },
      conduits: inForce.policy.conduits.map((c) => {
        const s = inspector.latency.stats(c.id);
        return {
          id: c.id,
          name: c.name,
          failMode: c.failMode === 'closed' ? 'closed' : 'open',
          ...(c.latencyBudgetMs !== undefined ? { latencyBudgetMs: c.latencyBudgetMs } : {}),
          ...(s ? { p50Us: s.p50Us, p99Us: s.p99Us } : {}),
          inspection: bypassed.has(c.id) ? 'bypassed' : 'on',
        };
      }),
    };
  };
  const linkTimer = setInterval(() => {
    if (!installed || mode === 'bypass') return;
    void linkWatch.poll(mode).then((events) => events.forEach(o.onEvent));
  }, LINK_WATCH_MS);
  const beat = o.heartbeat ? setInterval(() => o.heartbeat!(health()), HEARTBEAT_MS) : undefined;
  try {
    install(first.policy, first.label);
    o.heartbeat?.(health());
    const store = o.follow;
    if (store) {
      let current = store.latest('active')?.version;
      timer = setInterval(() => {
        try {
          const rolled = store.expirePending(Date.now() / 1000);
          if (rolled) o.log(`policy version ${rolled.from} was not confirmed in time: rolling back to ${rolled.to ?? 'none'}`);
          const wanted = store.mode();
          if (isGatewayMode(wanted) && wanted !== mode) {
            o.log(`mode: ${mode} -> ${wanted}`);
            mode = wanted;
            install(inForce.policy, inForce.label);
          }
          const active = store.latest('active')?.version;
          if (active !== undefined && active !== current) {
            const next = loadPolicy(store, String(active));
            install(next.policy, next.label);
            current = active;
          } else if (JSON.stringify(isolated()) !== isolatedKey || (o.bridge && JSON.stringify(guardedPorts(o.bridge, o.ports)) !== portsKey)) install(inForce.policy, inForce.label);
        } catch (err) {
          // The kernel keeps the last good ruleset (nft and iptables-restore apply whole or not at all).
          o.log(`ERROR: ${(err as Error).message}: the previous policy stays in force`);
        }
      }, FOLLOW_INTERVAL_MS);
    }
    await new Promise<void>((resolve) => {
      if (o.signal.aborted) resolve();
      o.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    clearInterval(timer);
    clearInterval(budgetTimer);
    clearInterval(linkTimer);
    clearInterval(beat);
    if (installed && o.onStop === 'fail-state') {
      queue?.close();
      o.log('stopped: the rules stay with nobody on the inspection queue, each conduit in its fail state (fail-open forwarded by the kernel at host and port level, fail-closed blocked)');
    } else {
      stopInspecting();
      queue?.close();
      if (installed) removeNft(table);
      o.log('stopped: inspection and kernel rules removed (the bridge forwards everything)');
    }
  }
  return { inspected: inspector.counts.packets, denied: inspector.counts.denied, packets: queue?.stats().packets ?? 0 };
}
