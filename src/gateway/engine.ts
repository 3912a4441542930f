// `bulkhead enforce`: the policy inline on this gateway's bridge. The kernel table takes host and
// port decisions; rules that restrict operations are queued to the inspector, whose verdicts come
// from the same evaluator as simulation. Following the store's active policy, it swaps in a newly
// applied version without interrupting allowed traffic, and puts the previous one back when a
// change is not confirmed in time. Stopping removes everything (the gateway becomes a plain
// bridge: the bypass state), or, as the appliance's service does, leaves the rules with nobody on
// the queue: each conduit in its fail state.

import { nftQueueSupported, nftUnavailable, removeNft } from '../enforce/nft-apply.js';
import type { InspectionEvent } from '../enforce/inspector.js';
import { InspectionPool, WORKER_SILENT_MS } from '../enforce/inspection-pool.js';
import { EVENT_BATCH } from '../enforce/inspection-messages.js';
import { LinkWatch } from '../enforce/link-watch.js';
import { isGatewayMode, type EngineHealth, type GatewayMode } from './health.js';
import { NfqueueUnavailable } from '../enforce/nfqueue.js';
import { EnforceError, guardedPorts, inspectionStopper, installRuleset } from '../enforce/ruleset.js';
import type { TargetNames } from '../../protocols/protocol.js';
import type { Conduit, Policy } from '../policy/model.js';
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
  /** The first inspection queue. */
  queue: number;
  /** Inspection queues from `queue`, a worker thread each (default 1). */
  queues?: number;
  signal: AbortSignal;
  log: (line: string) => void;
  onEvent: (e: InspectionEvent) => void;
  /** Alerts (latency budgets) for people, besides the log. */
  onAlert?: (message: string) => void;
  /** Follow the store's active version (apply, confirm, rollback) instead of one fixed policy. */
  follow?: PolicyStore;
  /** What stopping leaves: no rules (a plain bridge, the default) or each conduit in its fail state. */
  onStop?: OnStop;
  /** What the plant's devices call their targets, read again each time a policy is put in force: for the reasons of denials. */
  names?: () => TargetNames;
}

export type OnStop = 'remove' | 'fail-state';


const FOLLOW_INTERVAL_MS = 500;
/** How often the store is asked whether another process changed it (an isolation must take effect at once). */
const CHANGE_POLL_MS = 20;
const HEARTBEAT_MS = 250;
/** How often the kernel's layer-2 sightings are read back. */
const LINK_WATCH_MS = 1000;

/** How long a conduit over its latency budget stays bypassed before it is measured again. */
const BYPASS_PROBATION_MS = 10_000;

export async function enforce(first: { policy: Policy; label: string }, o: EnforceOptions): Promise<{ inspected: number; denied: number; packets: number }> {
  const missing = nftUnavailable();
  if (missing) throw new EnforceError(`cannot enforce: ${missing}`);
  // A worker that stops by itself ends the engine: its queue has nobody on it.
  let failed: (err: Error) => void = () => undefined;
  const failure = new Promise<never>((_, reject) => (failed = reject));
  failure.catch(() => undefined);
  const engine = new Engine(first, o, await openInspection(o, first.policy, (err) => failed(err)));
  const budgetTimer = setInterval(() => void engine.checkBudgets(), 1000);
  const linkTimer = setInterval(() => engine.pollLink(), LINK_WATCH_MS);
  let beat: NodeJS.Timeout | undefined;
  let timers: NodeJS.Timeout[] = [];
  try {
    await engine.install(first.policy, first.label);
    // The first heartbeat says the engine enforces (the supervisor releases the bypass relay and
    // tells systemd): only once the table is in the kernel. Under the image test's emulation the
    // install took 20 s, and beating from the start said "engine running" with no table there.
    o.heartbeat?.(engine.health());
    if (o.heartbeat) beat = setInterval(() => engine.beat(), HEARTBEAT_MS);
    if (o.follow) timers = engine.follow(o.follow);
    const stopped = new Promise<void>((resolve) => {
      if (o.signal.aborted) resolve();
      o.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await Promise.race([stopped, failure]);
  } finally {
    timers.forEach(clearInterval);
    clearInterval(budgetTimer);
    clearInterval(linkTimer);
    clearInterval(beat);
    await engine.stop();
  }
  return engine.totals();
}

/** The running engine: the inspection workers and their queues, the policy in force and its mode, and the conduits left to the kernel for their latency. */
class Engine {
  /** Steering: the table's own `queue` expression where the kernel has it, else the xtables NFQUEUE target. */
  private readonly nftQueue: boolean;
  private readonly stopInspecting: () => Promise<void>;
  /** What the kernel's layer 2 refused (spoofing, VLANs, EtherTypes), reported as the inspector reports. */
  private readonly linkWatch: LinkWatch;
  private table = 'bulkhead';
  private inForce: { policy: Policy; label: string };
  /** learn and enforce as started or switched; bypass: no rules at all (a plain wire). */
  private mode: GatewayMode;
  private installed = false;
  /** The isolations and plant ports the rules in force were made for: either changing needs new rules. */
  private isolatedKey = '';
  private portsKey = '';
  /** The kernel changes under way, one at a time, in the order asked for. */
  private changes: Promise<unknown> = Promise.resolve();
  /** Fail-open conduits over their latency budget: inspection bypassed since (ms). */
  private readonly bypassed = new Map<string, number>();
  /** Conduits over their latency budget: last alerted (ms). */
  private readonly alerted = new Map<string, number>();
  /** A worker silent too long: the heartbeat is withheld (logged once). */
  private hung = false;

  constructor(
    first: { policy: Policy; label: string },
    private readonly o: EnforceOptions,
    private readonly pool: InspectionPool | undefined,
  ) {
    this.inForce = first;
    this.mode = o.mode;
    this.nftQueue = pool !== undefined && nftQueueSupported();
    if (pool) {
      const q = pool.queues;
      const where = q.count > 1 ? `queues ${q.first}-${q.first + q.count - 1} (a worker thread each, host pairs balanced by the kernel)` : `queue ${q.first}`;
      o.log(`deep inspection on ${where}, steered by ${this.nftQueue ? "the nftables table's queue expression" : 'the xtables NFQUEUE target on bridged traffic (this kernel lacks the nftables queue expression)'}`);
    }
    this.stopInspecting = inspectionStopper();
    this.linkWatch = new LinkWatch(first.policy);
  }

  /**
   * One kernel change after another. nft and iptables-restore run as child processes the event
   * loop does not wait for: verdicts and the heartbeat go on while a slow box applies a table.
   */
  private serially<T>(change: () => Promise<T>): Promise<T> {
    const next = this.changes.then(change);
    this.changes = next.catch(() => undefined);
    return next;
  }

  /** Puts a policy in force: kernel table and inspection rules atomically, then the evaluator. */
  install(policy: Policy, label: string): Promise<void> {
    return this.serially(() => this.put(policy, label));
  }

  private async put(policy: Policy, label: string): Promise<void> {
    const cut = this.isolated();
    const mode = this.mode;
    if (mode === 'bypass') {
      await this.standAside(policy, label);
      return;
    }
    const o = this.o;
    const r = await installRuleset(policy, { mode, isolated: cut, bypassed: new Set(this.bypassed.keys()), stopInspecting: this.stopInspecting, ...(o.bridge ? { bridge: o.bridge } : {}), ...(o.ports ? { ports: o.ports } : {}), ...(this.pool ? { inspect: { queues: this.pool.queues, nftQueue: this.nftQueue } } : {}) });
    await this.pool?.use({ policy, names: o.names?.(), mode, isolated: cut });
    this.linkWatch.use(policy, r.program.table, r.program.sightings);
    this.table = r.program.table;
    this.installed = true;
    this.inForce = { policy, label };
    const cutKey = JSON.stringify(cut);
    // When an isolation took effect, to the millisecond: automatic response is measured by it.
    if (cutKey !== this.isolatedKey && this.isolatedKey !== '') o.log(`island mode: ${cut.length ? cut.join(', ') : 'nobody'} cut off, in force at ${new Date().toISOString()}`);
    this.isolatedKey = cutKey;
    this.portsKey = JSON.stringify(r.ports);
    o.log(
      `${mode === 'enforce' ? 'enforcing' : 'monitoring (learn mode: nothing is dropped)'} policy ${label}: ${r.program.comments.length} kernel rules, ${cut.length ? `${cut.length} isolated, ` : ''}` +
        `${r.inspected.length} rules inspected per operation${r.kernelOnly.length ? `, ${r.kernelOnly.length} at host/port level only (rules to broadcast addresses are not inspected)` : ''}`,
    );
  }

  /** Bypass mode: nothing in the kernel; the policy is kept for when enforcement resumes. */
  private async standAside(policy: Policy, label: string): Promise<void> {
    await this.stopInspecting();
    await removeNft(this.table);
    this.installed = false;
    this.inForce = { policy, label };
    this.o.log(`bypass: no rules in the kernel, the bridge forwards everything (policy ${label} kept for when enforcement resumes)`);
  }

  private reinstall(): Promise<void> {
    return this.install(this.inForce.policy, this.inForce.label);
  }

  private isolated(): string[] {
    return this.o.follow?.isolations().flatMap((i) => i.addresses) ?? [];
  }

  /** Latency budgets: a fail-open conduit over budget is left to the kernel for a while; a fail-closed one keeps being inspected. */
  async checkBudgets(): Promise<void> {
    const now = Date.now();
    const lost = this.pool?.takeLost();
    if (lost) this.alert(`${lost} denials not reported: more than ${EVENT_BATCH} on one inspection queue within a few milliseconds (they were still ${this.mode === 'enforce' ? 'denied' : 'let through, learn mode'})`);
    let changed = false;
    for (const c of this.inForce.policy.conduits) {
      if (c.latencyBudgetMs === undefined) continue;
      const since = this.bypassed.get(c.id);
      if (since !== undefined ? this.probationOver(c, since, now) : this.overBudget(c, c.latencyBudgetMs, now)) changed = true;
    }
    if (!changed) return;
    try {
      await this.reinstall();
    } catch (err) {
      this.o.log(`ERROR: ${(err as Error).message}: the previous rules stay in force`);
    }
  }

  /** A bypassed conduit whose time is up is inspected, and measured, again; true when its rules change. */
  private probationOver(c: Conduit, since: number, now: number): boolean {
    if (now - since < BYPASS_PROBATION_MS) return false;
    this.bypassed.delete(c.id);
    this.pool?.resetLatency(c.id);
    this.o.log(`conduit ${c.name}: inspection resumed after ${BYPASS_PROBATION_MS / 1000} s; measuring its latency again`);
    return true;
  }

  /** A conduit over its budget is alerted at most once a probation, and bypassed if fail-open; true when its rules change. */
  private overBudget(c: Conduit, budgetMs: number, now: number): boolean {
    const s = this.pool?.latency(c.id);
    if (!s || s.p99Us <= budgetMs * 1000) return false;
    if ((this.alerted.get(c.id) ?? 0) > now - BYPASS_PROBATION_MS) return false;
    this.alerted.set(c.id, now);
    const over = `p99 ${s.p99Us.toFixed(0)} us (p50 ${s.p50Us.toFixed(0)} us) over its ${budgetMs} ms budget`;
    if (c.failMode === 'closed') {
      this.alert(`conduit ${c.name}: verdict latency ${over}; fail-closed: still inspecting every operation`);
      return false;
    }
    this.bypassed.set(c.id, now);
    this.alert(`conduit ${c.name}: verdict latency ${over}; fail-open: left to the kernel rules (host and port) without inspection for ${BYPASS_PROBATION_MS / 1000} s`);
    return true;
  }

  private alert(message: string): void {
    this.o.log(`ALERT ${message}`);
    this.o.onAlert?.(message);
  }

  /** The heartbeat, while every inspection worker reports: a hung worker is a hung engine to the supervisor. */
  beat(): void {
    const quiet = this.pool?.silent();
    if (quiet && quiet.ms > WORKER_SILENT_MS) {
      if (!this.hung) this.o.log(`ALERT the inspection worker of queue ${quiet.queue} has not reported for ${quiet.ms} ms: heartbeat withheld, so that the watchdog restarts the engine`);
      this.hung = true;
      return;
    }
    this.hung = false;
    this.o.heartbeat?.(this.health());
  }

  health(): EngineHealth {
    const s = this.pool?.stats();
    return {
      ts: Date.now() / 1000,
      pid: process.pid,
      mode: this.mode,
      policy: this.inForce.label,
      inspected: s?.packets ?? 0,
      denied: s?.denied ?? 0,
      ...(s ? { queue: s.received, queues: s.queues } : {}),
      reassembly: s?.reassembly ?? { heldBytes: 0, refused: 0 },
      conduits: this.inForce.policy.conduits.map((c) => {
        const s = this.pool?.latency(c.id);
        return {
          id: c.id,
          name: c.name,
          failMode: c.failMode === 'closed' ? 'closed' : 'open',
          ...(c.latencyBudgetMs !== undefined ? { latencyBudgetMs: c.latencyBudgetMs } : {}),
          ...(s ? { p50Us: s.p50Us, p99Us: s.p99Us } : {}),
          inspection: this.bypassed.has(c.id) ? 'bypassed' : 'on',
        };
      }),
    };
  }

  /** The kernel's layer-2 sightings, read back while its table is in force. */
  pollLink(): void {
    if (!this.installed || this.mode === 'bypass') return;
    void this.linkWatch.poll(this.mode).then((events) => events.forEach(this.o.onEvent));
  }

  /**
   * Follows the store's active version, mode, isolations and the bridge's ports: at once when
   * another process changed the store (SQLite's data_version), and every FOLLOW_INTERVAL_MS for
   * what changes with no write (a commit-confirm deadline passing, the bridge's ports).
   */
  follow(store: PolicyStore): NodeJS.Timeout[] {
    let current = store.latest('active')?.version;
    let seen = store.db.pragma('data_version', { simple: true });
    // One look at a time; a change seen during a look is looked at as soon as it ends.
    let looking = false;
    let again = false;
    const look = () => {
      if (looking) {
        again = true;
        return;
      }
      looking = true;
      this.catchUp(store, current)
        .then((v) => (current = v))
        // The kernel keeps the last good ruleset (nft and iptables-restore apply whole or not at all).
        .catch((err: Error) => this.o.log(`ERROR: ${err.message}: the previous policy stays in force`))
        .finally(() => {
          looking = false;
          if (again) {
            again = false;
            look();
          }
        });
    };
    const changed = () => {
      const v = store.db.pragma('data_version', { simple: true });
      if (v === seen) return;
      seen = v;
      look();
    };
    return [setInterval(look, FOLLOW_INTERVAL_MS), setInterval(changed, CHANGE_POLL_MS)];
  }

  /** One look at the store: a rollback, a new mode, a newly active version, changed guards; returns the active version in force. */
  private async catchUp(store: PolicyStore, current: number | undefined): Promise<number | undefined> {
    const rolled = store.expirePending(Date.now() / 1000);
    if (rolled) this.o.log(`policy version ${rolled.from} was not confirmed in time: rolling back to ${rolled.to ?? 'none'}`);
    const wanted = store.mode();
    if (isGatewayMode(wanted) && wanted !== this.mode) {
      this.o.log(`mode: ${this.mode} -> ${wanted}`);
      this.mode = wanted;
      await this.reinstall();
    }
    const active = store.latest('active')?.version;
    if (active !== undefined && active !== current) {
      const next = loadPolicy(store, String(active));
      await this.install(next.policy, next.label);
      return active;
    }
    if (this.guardsChanged()) await this.reinstall();
    return current;
  }

  /** Isolations or the bridge's plant ports other than those the rules in force were made for. */
  private guardsChanged(): boolean {
    if (JSON.stringify(this.isolated()) !== this.isolatedKey) return true;
    return !!this.o.bridge && JSON.stringify(guardedPorts(this.o.bridge, this.o.ports)) !== this.portsKey;
  }

  /** After the change under way: a table applied after stopping would stay with nobody to remove it. */
  stop(): Promise<void> {
    return this.serially(() => this.leave());
  }

  private async leave(): Promise<void> {
    if (this.installed && this.o.onStop === 'fail-state') {
      await this.pool?.close();
      this.o.log('stopped: the rules stay with nobody on the inspection queue, each conduit in its fail state (fail-open forwarded by the kernel at host and port level, fail-closed blocked)');
    } else {
      await this.stopInspecting();
      await this.pool?.close();
      if (this.installed) await removeNft(this.table);
      this.o.log('stopped: inspection and kernel rules removed (the bridge forwards everything)');
    }
  }

  totals(): { inspected: number; denied: number; packets: number } {
    const s = this.pool?.stats();
    return { inspected: s?.packets ?? 0, denied: s?.denied ?? 0, packets: s?.received.packets ?? 0 };
  }
}

/** The inspection workers; without them (no addon, no kernel support) the host and port rules still hold. */
async function openInspection(o: EnforceOptions, policy: Policy, onFailure: (err: Error) => void): Promise<InspectionPool | undefined> {
  try {
    return await InspectionPool.open({
      queues: { first: o.queue, count: o.queues ?? 1 },
      first: { policy, names: o.names?.(), mode: o.mode === 'bypass' ? 'enforce' : o.mode, isolated: [] },
      onEvent: o.onEvent,
      onFailure,
    });
  } catch (err) {
    if (!(err instanceof NfqueueUnavailable)) throw err;
    o.log(`WARNING: ${err.message}: rules that restrict operations are enforced at host and port level only, and deny rules that name operations (virtual patches) are not enforced at all`);
    return undefined;
  }
}
