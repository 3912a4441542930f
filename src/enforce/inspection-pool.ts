// Deep inspection on several cores: one worker thread per NFQUEUE queue (inspection-worker.ts),
// the kernel spreading host pairs over the queues. The engine talks to the pool as it talked to
// one inspector: it puts a policy, mode and isolations in force on every worker and waits until
// each has it; it reads counts and verdict latency from the workers' reports, a conduit's latency
// being its worst worker's (the tail a control loop on that worker feels); denials arrive in
// batches. A worker that stops reporting is a hung engine: the engine withholds its heartbeat.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { InspectionEvent } from './inspector.js';
import type { LatencyStats } from './latency.js';
import { NfqueueUnavailable } from './nfqueue.js';
import type { QueueRange } from './queue-rules.js';
import type { FromWorker, InspectionSetting, ToWorker, WorkerReport, WorkerStart } from './inspection-messages.js';

/** Queues (and workers) by default: one per core, at most this many. */
const MAX_DEFAULT_QUEUES = 4;
/** At most this many queues: each is a thread with its own policy and connection table. */
export const MAX_QUEUES = 16;
/** A worker this long without a report is taken for hung. */
export const WORKER_SILENT_MS = 1000;
/** How long a worker has to close its queue and report before it is terminated. */
const CLOSE_MS = 2000;
/** Packets the kernel holds per queue before the fail mode decides (fail-open passes them). */
const QUEUE_LENGTH = 4096;

export function defaultQueueCount(): number {
  return Math.min(availableParallelism(), MAX_DEFAULT_QUEUES);
}

export interface PoolOptions {
  queues: QueueRange;
  first: InspectionSetting;
  onEvent: (e: InspectionEvent) => void;
  /** A worker stopped by itself: its queue has nobody on it. */
  onFailure: (err: Error) => void;
}

interface Member {
  queue: number;
  worker: Worker;
  last?: WorkerReport;
  heard: number;
  exited: Promise<void>;
}

export interface PoolStats {
  packets: number;
  denied: number;
  received: { packets: number; errors: number };
  queues: { num: number; packets: number; errors: number }[];
  reassembly: { heldBytes: number; refused: number };
}

export class InspectionPool {
  private settings = 0;
  private readonly waiting = new Map<number, { left: number; done: () => void }>();
  private closing = false;
  /** Denials the workers could not report (more than EVENT_BATCH in a few milliseconds), since last taken. */
  private lost = 0;

  private constructor(
    readonly queues: QueueRange,
    private readonly members: Member[],
  ) {}

  /** Starts a worker on each queue; throws NfqueueUnavailable (no worker left) where the addon or the kernel cannot queue. */
  static async open(o: PoolOptions): Promise<InspectionPool> {
    const url = new URL('./inspection-worker.js', import.meta.url);
    const members: Member[] = [];
    for (let q = o.queues.first; q < o.queues.first + o.queues.count; q++) {
      const start: WorkerStart = { ...o.first, queue: q, maxLength: QUEUE_LENGTH };
      const worker = new Worker(url, { workerData: start });
      members.push({ queue: q, worker, heard: Date.now(), exited: new Promise((r) => worker.once('exit', () => r())) });
    }
    const started = await Promise.allSettled(members.map((m) => ready(m)));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.all(members.map((m) => m.worker.terminate()));
      throw failed.reason;
    }
    const pool = new InspectionPool(o.queues, members);
    for (const m of members) pool.listen(m, o);
    return pool;
  }

  private listen(m: Member, o: PoolOptions): void {
    m.worker.on('message', (msg: FromWorker) => {
      if (msg.type === 'report') {
        m.last = msg;
        m.heard = Date.now();
      } else if (msg.type === 'events') {
        msg.events.forEach(o.onEvent);
        this.lost += msg.dropped;
      } else if (msg.type === 'used') {
        const w = this.waiting.get(msg.id);
        if (w && --w.left === 0) {
          this.waiting.delete(msg.id);
          w.done();
        }
      }
    });
    m.worker.on('error', (err) => o.onFailure(new Error(`the inspection worker of queue ${m.queue} failed: ${err.message}`, { cause: err })));
    m.worker.on('exit', (code) => {
      if (!this.closing) o.onFailure(new Error(`the inspection worker of queue ${m.queue} stopped (exit ${code}): nobody judges its packets`));
    });
  }

  /** Puts a policy, mode and isolations in force on every worker; resolves once each has them. */
  use(setting: InspectionSetting): Promise<void> {
    const id = ++this.settings;
    return new Promise((done) => {
      this.waiting.set(id, { left: this.members.length, done });
      this.post({ type: 'use', id, ...setting });
    });
  }

  /** Denials not reported since the last call. */
  takeLost(): number {
    const n = this.lost;
    this.lost = 0;
    return n;
  }

  /** A conduit's verdict latency is measured afresh on every worker. */
  resetLatency(conduitId: string): void {
    this.post({ type: 'reset', conduitId });
    for (const m of this.members) if (m.last) m.last.latency = m.last.latency.filter(([id]) => id !== conduitId);
  }

  /** A conduit's latency on the worker where its tail is worst, over every worker's samples. */
  latency(conduitId: string): LatencyStats | undefined {
    let worst: LatencyStats | undefined;
    let samples = 0;
    for (const m of this.members) {
      const s = m.last?.latency.find(([id]) => id === conduitId)?.[1];
      if (!s) continue;
      samples += s.samples;
      if (!worst || s.p99Us > worst.p99Us) worst = s;
    }
    return worst && { ...worst, samples };
  }

  stats(): PoolStats {
    const t: PoolStats = { packets: 0, denied: 0, received: { packets: 0, errors: 0 }, queues: [], reassembly: { heldBytes: 0, refused: 0 } };
    for (const m of this.members) {
      const r = m.last;
      t.queues.push({ num: m.queue, packets: r?.received.packets ?? 0, errors: r?.received.errors ?? 0 });
      if (!r) continue;
      t.packets += r.packets;
      t.denied += r.denied;
      t.received.packets += r.received.packets;
      t.received.errors += r.received.errors;
      t.reassembly.heldBytes += r.reassembly.heldBytes;
      t.reassembly.refused += r.reassembly.refused;
    }
    return t;
  }

  /** The worker heard from longest ago: its queue and how long (ms). */
  silent(now = Date.now()): { queue: number; ms: number } {
    let s = { queue: this.members[0]!.queue, ms: 0 };
    for (const m of this.members) if (now - m.heard > s.ms) s = { queue: m.queue, ms: now - m.heard };
    return s;
  }

  /** Closes every queue (the kernel's fail mode takes over) and waits for the workers' last reports; a hung one is terminated. */
  async close(): Promise<void> {
    this.closing = true;
    this.post({ type: 'close' });
    await Promise.all(
      this.members.map(async (m) => {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), CLOSE_MS)));
        if ((await Promise.race([m.exited, late])) === 'late') await m.worker.terminate();
        clearTimeout(timer);
      }),
    );
  }

  private post(m: ToWorker): void {
    for (const member of this.members) member.worker.postMessage(m);
  }
}

/** A worker's first word: ready, or why its queue could not be opened. */
function ready(m: Member): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (msg: FromWorker) => {
      if (msg.type !== 'ready' && msg.type !== 'failed') return;
      m.worker.off('message', onMessage);
      m.worker.off('exit', onExit);
      if (msg.type === 'ready') resolve();
      else reject(msg.unavailable ? new NfqueueUnavailable(msg.message) : new Error(`queue ${m.queue}: ${msg.message}`));
    };
    const onExit = (code: number) => reject(new Error(`the inspection worker of queue ${m.queue} stopped before it was ready (exit ${code})`));
    m.worker.on('message', onMessage);
    m.worker.once('exit', onExit);
    m.worker.once('error', (err) => reject(err));
  });
}
