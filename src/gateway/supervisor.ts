// `bulkhead start --bridge BR`: the gateway's main job. A small supervisor runs the engine
// (`bulkhead enforce --policy active`) as a child and does nothing else, so that it stays
// responsive when the engine does not. On a new box, with no policy active yet, the child is the
// learner on the bridge instead (`bulkhead learn --interface BR --until-policy`), which hands
// over to the engine as soon as a policy is applied; the bridge forwards everything meanwhile.
// - watchdog: the engine sends a heartbeat from its event loop every 250 ms; none for
//   `watchdogMs` (a hung loop, a stopped process) and the engine is killed. Killed, its queue
//   closes and each conduit is in its fail state at once: fail-open conduits forwarded by the
//   kernel (queue bypass), fail-closed ones passing nothing. A start that takes longer than
//   `startupMs` is killed too, and the next start is given twice as long (to STARTUP_MAX_MS):
//   a slow box (an emulated one, a loaded one) is slow, not hung, and must not stay down.
// - restart: an engine that exits or is killed is started again (1 s, doubling to 30 s while it
//   keeps failing); it resumes the store's active policy, mode and isolations.
// - hardware bypass: while the engine is down, a bypass relay (if the box has one) joins the
//   plant ports, unless a conduit of the active policy is fail-closed (a relay cannot fail
//   one conduit closed and another open: it would open them all).
// - systemd: as a notify service it reports readiness once the engine enforces, a status line,
//   and keeps systemd's own watchdog (WatchdogSec) fed from this process's event loop: systemd
//   guards the supervisor, the supervisor guards the engine.
// - housekeeping: events older than the retention are pruned; a data filesystem filling past the
//   warning level raises an alert (SR 2.9) before anything is lost.
// - SIEM: audit entries and events forwarded live to the configured targets.
// - stopping: the engine either removes its rules (a plain bridge) or leaves each conduit in its
//   fail state, as the appliance's service does.
// Every start, exit, hang and bypass change is an audit entry; the supervisor's state is in
// the store for `bulkhead status`.

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BypassDriver } from '../enforce/bypass-driver.js';
import type { ServiceManager } from './sd-notify.js';
import { ENGINE_NODE_OPTIONS } from './engine-options.js';
import { storageUse } from './storage.js';
import { writeSupervisor, type SupervisorState } from './health.js';
import type { OnStop } from './engine.js';
import type { SiemTarget } from '../config/appliance-config.js';
import { SiemForwarder } from './siem-forwarder.js';
import type { PolicyStore } from '../store/policy-store.js';
import { EventStore } from '../store/event-store.js';
import { failClosedConduits } from './failsafe.js';
import { WatcherChild } from './watcher.js';

export interface SupervisorOptions {
  /** Arguments of the engine after `enforce --policy active`. */
  engineArgs: string[];
  /** Arguments of the learner after `learn --until-policy`, run while no policy is active. */
  learnArgs: string[];
  /** Watch the bridge beside the engine (detection and automatic response), with learnArgs; default on. */
  watch?: boolean;
  watchdogMs: number;
  /** How long a starting engine may take to report in (certificates, nft, the first install). */
  startupMs: number;
  bypass?: BypassDriver;
  store: PolicyStore;
  signal: AbortSignal;
  log: (line: string) => void;
  onStop: OnStop;
  /** systemd, when it runs us as a notify service. */
  notify?: ServiceManager;
  /** The data directory, its warning level, and how long events are kept. */
  housekeeping?: { dataDir: string; storageWarnPercent: number; eventsDays: number };
  siem?: SiemTarget[];
}

const CLI = fileURLToPath(new URL('../cli.js', import.meta.url));
const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 30_000;
/** Running this long without trouble and the back-off starts over. */
const HEALTHY_MS = 60_000;
/** The longest a start may take, however slow the box proved. */
const STARTUP_MAX_MS = 160_000;
const HOUSEKEEPING_MS = 60_000;

const now = () => Date.now() / 1000;

type Role = NonNullable<SupervisorState['engine']['role']>;

export async function supervise(o: SupervisorOptions): Promise<SupervisorState> {
  const s = new Supervisor(o);
  // The watchdog: checked four times per period, from this process's own event loop.
  const watchdog = setInterval(() => s.checkWatchdog(), Math.max(50, o.watchdogMs / 4));
  // systemd's watchdog: fed from this loop, so a hung supervisor is restarted by systemd.
  const keepAlive = o.notify?.watchdogMs ? setInterval(() => s.safely(() => o.notify!.keepAlive(), undefined), o.notify.watchdogMs / 3) : undefined;
  s.housekeeping();
  const housekeeper = setInterval(() => s.housekeeping(), HOUSEKEEPING_MS);
  const siem = o.siem?.length ? new SiemForwarder(o.store.db, o.store.audit, o.siem, o.log) : undefined;
  const forwarding = siem ? setInterval(() => void siem.tick().catch((err: Error) => o.log(`ERROR: SIEM forwarding: ${err.message}`)), 1000) : undefined;

  s.audit('gateway.start', `pid ${process.pid}`, { engineArgs: o.engineArgs, watchdogMs: o.watchdogMs, ...(o.bypass ? { bypass: o.bypass.spec } : {}) });
  s.start();
  await new Promise<void>((resolve) => {
    if (o.signal.aborted) resolve();
    o.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  clearInterval(watchdog);
  clearInterval(keepAlive);
  clearInterval(housekeeper);
  await s.stop();
  clearInterval(forwarding);
  // The stop itself reaches the SIEM before we go (a target that is down costs at most its 5 s connection timeout).
  await siem?.tick().catch(() => undefined);
  siem?.close();
  return s.state;
}

/** The supervisor at work: its child (the engine, or the learner), the restart back-off, and what it reports of itself. */
class Supervisor {
  readonly state: SupervisorState;
  private readonly events: EventStore;
  private child: ChildProcess | undefined;
  private backoff = BACKOFF_MIN_MS;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  /** Why the watchdog killed the engine, for its exit. */
  private hung: string | undefined;
  /** Whether systemd has been told the gateway is up. */
  private ready = false;
  /** When the filling data filesystem was last alerted (s); 0 while it is below the warning level. */
  private storageAlerted = 0;
  private readonly watcher: WatcherChild | undefined;
  /** How long the next start may take: startupMs, doubled after each start that ran out of it. */
  private startupMs: number;

  constructor(private readonly o: SupervisorOptions) {
    this.startupMs = o.startupMs;
    this.watcher = o.watch === false ? undefined : new WatcherChild(CLI, ['learn', '--respond', ...o.learnArgs], o.log);
    this.state = { pid: process.pid, since: now(), watchdogMs: o.watchdogMs, engine: { state: 'down', since: now() }, restarts: 0 };
    this.events = new EventStore(o.store.db);
  }

  private save(): void {
    const d = this.o.bypass;
    if (d) this.state.bypass = { driver: d.spec, engaged: this.safely(() => d.engaged(), false) };
    writeSupervisor(this.o.store.db, this.state);
  }

  /** The supervisor keeps going whatever fails: the error is logged and `fallback` stands in. */
  safely<T>(f: () => T, fallback: T): T {
    try {
      return f();
    } catch (err) {
      this.o.log(`ERROR: ${(err as Error).message}`);
      return fallback;
    }
  }

  private alert(message: string): void {
    this.o.log(`ALERT ${message}`);
    this.safely(() => this.events.append([{ ts: now(), kind: 'alert', data: { source: 'supervisor', message } }]), undefined);
  }

  audit(action: string, target: string, detail: Record<string, unknown> = {}): void {
    this.safely(() => this.o.store.audit.append('supervisor', action, target, detail), undefined);
  }

  private setBypass(engage: boolean, why: string): void {
    const d = this.o.bypass;
    if (!d) return;
    if (engage) {
      // A relay cannot fail one conduit closed and another open: it would open them all.
      const closed = this.safely(() => failClosedConduits(this.o.store), []);
      if (closed.length) {
        this.o.log(`hardware bypass NOT engaged although the engine is down: fail-closed conduit${closed.length > 1 ? 's' : ''} ${closed.join(', ')} must pass nothing`);
        return;
      }
    }
    if (this.safely(() => d.engaged(), !engage) === engage) return;
    if (!this.safely(() => (engage ? d.engage() : d.release(), true), false)) return;
    this.o.log(`hardware bypass ${engage ? 'ENGAGED: the plant ports are joined around the gateway' : 'released: traffic passes through the gateway again'} (${why})`);
    this.audit(engage ? 'gateway.bypass.engage' : 'gateway.bypass.release', d.spec, { reason: why });
  }

  /** Starts the engine, or the learner while no policy is active. */
  start(): void {
    this.restartTimer = undefined;
    if (this.stopping) return;
    const o = this.o;
    const role = this.safely<Role>(() => (o.store.latest('active') ? 'engine' : 'learner'), 'engine');
    const args = role === 'engine' ? ['enforce', '--policy', 'active', '--on-stop', o.onStop, ...o.engineArgs] : ['learn', '--until-policy', ...o.learnArgs];
    const c = fork(CLI, args, { execArgv: ENGINE_NODE_OPTIONS, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child = c;
    this.state.engine = { state: 'starting', role, since: now(), ...(c.pid !== undefined ? { pid: c.pid } : {}) };
    o.log(`${role} started (pid ${c.pid})`);
    this.save();
    c.on('message', (m: { type?: string }) => {
      if (m?.type === 'heartbeat' && this.child === c) this.heartbeat(c, role);
    });
    c.once('exit', (code, signal) => {
      if (this.child === c) this.exited(c, role, code, signal);
    });
  }

  /** The child's heartbeat; the first says it is up: the relay released, systemd told. */
  private heartbeat(c: ChildProcess, role: Role): void {
    const o = this.o;
    this.state.engine.lastBeat = now();
    if (this.state.engine.state !== 'starting') return;
    this.state.engine.state = 'running';
    this.state.engine.since = now();
    this.setBypass(false, 'the engine enforces again');
    this.save();
    const running = role === 'engine' ? `engine running (pid ${c.pid}): mode ${o.store.mode() ?? 'enforce'}, policy ${o.store.latest('active')?.version ?? '-'}` : `learning on the bridge (pid ${c.pid}) until a policy is applied; nothing is enforced`;
    this.safely(() => (this.ready ? o.notify?.status(running) : o.notify?.ready(running)), undefined);
    this.ready = true;
    // While learning, the learner watches; once the engine enforces, the watcher does.
    if (role === 'engine') this.watcher?.start();
  }

  private exited(c: ChildProcess, role: Role, code: number | null, signal: NodeJS.Signals | null): void {
    this.child = undefined;
    const ranMs = (now() - this.state.engine.since) * 1000;
    this.state.engine = { state: 'down', since: now() };
    this.save();
    if (this.stopping) return;
    if (role === 'learner' && code === 0 && !this.hung && this.safely(() => this.o.store.latest('active') !== undefined, false)) {
      // The hand-over: a policy was applied while learning.
      this.audit('engine.handover', `pid ${c.pid}`, { policy: this.o.store.latest('active')!.version });
      this.start();
      return;
    }
    this.restartLater(c, this.hung ?? (signal ? `killed by ${signal}` : `exited with status ${code}`), ranMs);
  }

  /** An engine down: its conduits in their fail state (the relay engaged where it may) until it is started again, after the back-off. */
  private restartLater(c: ChildProcess, reason: string, ranMs: number): void {
    // A hang is in the log already, as engine.hang.
    if (!this.hung) this.audit('engine.exit', `pid ${c.pid}`, { reason });
    this.hung = undefined;
    this.state.lastExit = { ts: now(), reason };
    if (ranMs > HEALTHY_MS) this.backoff = BACKOFF_MIN_MS;
    this.alert(`engine ${reason}: conduits are in their fail state (fail-open forwarded by the kernel, fail-closed blocked); restarting in ${this.backoff / 1000} s`);
    this.setBypass(true, `engine ${reason}`);
    this.state.restarts++;
    this.save();
    this.safely(() => this.o.notify?.status(`engine ${reason}: conduits in their fail state, restarting in ${this.backoff / 1000} s`), undefined);
    this.restartTimer = setTimeout(() => this.start(), this.backoff);
    this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
  }

  /** A child silent past its limit (its startup, then the watchdog's) is killed, once. */
  checkWatchdog(): void {
    const c = this.child;
    if (!c) return;
    const e = this.state.engine;
    const silentMs = (now() - (e.lastBeat ?? e.since)) * 1000;
    const starting = e.state === 'starting';
    const limit = starting ? this.startupMs : this.o.watchdogMs;
    if (silentMs <= limit) return;
    if (this.hung) return;
    this.hung = starting ? `did not start within ${limit} ms` : `hung: no heartbeat for ${Math.round(silentMs)} ms (watchdog ${limit} ms)`;
    if (starting) this.startupMs = Math.min(this.startupMs * 2, STARTUP_MAX_MS);
    this.audit('engine.hang', `pid ${c.pid}`, { silentMs: Math.round(silentMs), watchdogMs: limit, state: e.state, ...(starting ? { nextStartupMs: this.startupMs } : {}) });
    this.alert(`engine ${this.hung}: killing it so that its conduits fall to their fail state${starting ? `; its next start may take ${this.startupMs / 1000} s` : ''}`);
    c.kill('SIGKILL');
  }

  /** Old events pruned; the data filesystem's use recorded, and alerted past its warning level. */
  housekeeping(): void {
    const h = this.o.housekeeping;
    if (!h) return;
    this.safely(() => {
      const pruned = this.events.prune(now() - h.eventsDays * 86400);
      if (pruned) this.o.log(`${pruned} events older than ${h.eventsDays} days pruned`);
      const use = storageUse(h.dataDir);
      this.state.storage = { ...use, warnPercent: h.storageWarnPercent };
      // Once when the level is crossed, then hourly while it stays crossed.
      if (use.usedPercent >= h.storageWarnPercent && now() - this.storageAlerted > 3600) {
        this.storageAlerted = now();
        this.alert(`storage: ${h.dataDir} is ${use.usedPercent}% full (${Math.round(use.freeBytes / 1048576)} MiB free; warning at ${h.storageWarnPercent}%): make a backup and free space before audit records cannot be written`);
      } else if (use.usedPercent < h.storageWarnPercent) this.storageAlerted = 0;
      this.save();
    }, undefined);
  }

  /** Stops the child and sets the relay for what it leaves behind. */
  async stop(): Promise<void> {
    const o = this.o;
    this.stopping = true;
    clearTimeout(this.restartTimer);
    await this.watcher?.stop();
    this.safely(() => o.notify?.stopping(o.onStop === 'fail-state' ? 'stopping: leaving each conduit in its fail state' : 'stopping: removing the rules'), undefined);
    const c = this.child;
    if (c) {
      // An orderly stop: the engine removes its rules or leaves them in their fail state (o.onStop).
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (o.onStop === 'fail-state') this.setBypass(true, 'the gateway stopped');
    else this.setBypass(false, 'the gateway stopped and removed its rules');
    this.safely(() => o.bypass?.close?.(o.onStop !== 'fail-state'), undefined);
    this.audit('gateway.stop', `pid ${process.pid}`, { restarts: this.state.restarts, onStop: o.onStop });
    this.save();
  }
}
