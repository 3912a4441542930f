// Monitor-only learning: packets through the decoder and the request/response pairer into the
// baseline, flushed to the store once per interval in one transaction (written on a thread of
// its own: store/learn-writer.ts; flush() and finish() wait until it is on disk). A learner
// claims the database for its process until finish(): a second learning process is refused.

import type { Endpoint, Protocol } from '../../protocols/operation.js';
import { DEFAULT_LIMITS, type FlowLimits } from '../flow/limits.js';
import { OperationDecoder, type FlowEndReason, type PacketInput, type StreamEvent } from '../flow/operation-decoder.js';
import { TransactionPairer } from '../flow/transactions.js';
import type { LearnStore, SourceProgress, StoredEvent } from '../store/learn-store.js';
import { Baseline } from './baseline.js';
import { DEFAULT_LEARN_LIMITS, type LearnLimits } from './learn-limits.js';
import type { NoveltyListener } from './novelty.js';
import type { AlertUpdate } from '../store/alert-store.js';
import { EtherCensus } from './ether-census.js';
import { Pending } from '../store/pending.js';
import { LearnWriter } from '../store/learn-writer.js';
import { claimLearning } from '../store/learning-claim.js';

export interface LearnerOptions {
  flowLimits?: Partial<FlowLimits>;
  learnLimits?: Partial<LearnLimits>;
  /** Wall-clock milliseconds between flushes: at most this much work is lost to a crash. */
  flushIntervalMs?: number;
  /** Detectors listening to the baseline (detect/), their alerts written with each flush. */
  watch?: (baseline: Baseline) => AlertWatch;
}

/** What listens to the baseline and has alerts to write. */
export interface AlertWatch extends NoveltyListener {
  /** Capture time now, at each flush: for what only a clock sees (a poll gone silent). */
  tick(now: number): void;
  take(): AlertUpdate[];
}

/** Stream events held between flushes; more are counted, not kept. */
const MAX_PENDING_EVENTS = 10_000;
/** Packets between looks at the wall clock. */
const CLOCK_CHECK_PACKETS = 1024;

export class Learner {
  readonly decoder: OperationDecoder;
  readonly pairer: TransactionPairer;
  readonly baseline: Baseline;
  /** The non-IP EtherTypes seen, kept with the baseline. */
  readonly etherTypes: EtherCensus;
  readonly watch: AlertWatch | undefined;
  /** The source being learned; its progress is committed with the baseline. */
  source: SourceProgress | undefined;
  private readonly events = new Pending<StoredEvent>(MAX_PENDING_EVENTS);
  private readonly writer: LearnWriter;
  /** Gives up this process's claim to learn into the database (learning-claim.ts). */
  private readonly unclaim: () => void;
  private readonly flushIntervalMs: number;
  private lastFlush = Date.now();
  private sinceCheck = 0;
  /** Capture time the detectors were last told (their clock for silences). */
  private tickedAt = 0;
  flushes = 0;

  constructor(
    store: LearnStore,
    options: LearnerOptions = {},
  ) {
    this.unclaim = claimLearning(store.db);
    const flowLimits = { ...DEFAULT_LIMITS, ...options.flowLimits };
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    const clock = store.clock();
    const writer = (this.writer = new LearnWriter(store));
    this.baseline = new Baseline({ ...DEFAULT_LEARN_LIMITS, ...options.learnLimits }, (key) => writer.conversation(key), {
      assets: store.assets(),
      conversationCount: store.totals().conversations,
      firstSeen: clock?.firstSeen ?? 0,
      lastSeen: clock?.lastSeen ?? 0,
      lastDiscovery: clock?.lastDiscovery ?? 0,
    });
    this.watch = options.watch?.(this.baseline);
    this.baseline.listener = this.watch;
    this.pairer = new TransactionPairer((t) => this.baseline.transaction(t), flowLimits, (flowId, protocol, detail) =>
      this.decoder.raise('unreplied_limit', flowId, protocol, detail),
    );
    this.decoder = new OperationDecoder((op) => this.pairer.operation(op), (e) => this.event(e), flowLimits);
    this.etherTypes = new EtherCensus(store.etherTypes());
    this.decoder.etherTypes = this.etherTypes;
    this.decoder.observer = {
      counters: (_flowId: string, protocol: Protocol, client: Endpoint, server: Endpoint, packets: number, bytes: number) =>
        this.baseline.counters(protocol, client, server, packets, bytes),
      // At the end of input the pairer's flush tells cut-off requests from unanswered ones.
      ended: (flowId: string, reason: FlowEndReason) => {
        if (reason !== 'end_of_input') this.pairer.flowEnded(flowId);
      },
    };
  }

  packet(p: PacketInput): void {
    this.decoder.packet(p);
    if (this.source) this.source.packetsDone++;
    if (++this.sinceCheck >= CLOCK_CHECK_PACKETS) {
      this.sinceCheck = 0;
      // Silence is a matter of capture time: a capture replayed fast must not skip over it between flushes.
      if (this.watch && this.baseline.lastSeen - this.tickedAt >= 1) this.tick();
      if (this.baseline.needsFlush) this.commit();
      else this.flushIfDue();
    }
  }

  /** For live sources, where packets may stop coming: flush on a timer too (without waiting for the disk). */
  flushIfDue(): void {
    if (Date.now() - this.lastFlush >= this.flushIntervalMs) this.commit();
  }

  private tick(): void {
    this.tickedAt = this.baseline.lastSeen;
    this.watch?.tick(this.tickedAt);
  }

  /** Commits everything learned so far in one transaction, and waits until it is on disk. */
  flush(): void {
    this.commit(true);
  }

  /** Hands everything learned so far to the writer, as one transaction (`wait`: and waits until it is on disk). */
  private commit(wait = false): void {
    this.decoder.takeCounters();
    this.tick();
    const changes = this.baseline.takeChanges();
    const b = this.baseline;
    const counts: Record<string, number> = { ...b.counts, eventsDropped: this.events.droppedInAll, ...this.decoder.stats.events };
    const batch = {
      assets: changes.assets,
      conversations: changes.conversations,
      discoveries: changes.discoveries,
      events: this.events.take(),
      clock: { firstSeen: b.firstSeen, lastSeen: b.lastSeen, lastDiscovery: b.lastDiscovery },
      ...(this.source ? { source: this.source } : {}),
      // Kept even when empty: "no non-IP frame seen" is a finding too (derivation lists ARP alone).
      etherTypes: this.etherTypes.state(),
      counts,
      alerts: this.watch?.take() ?? [],
    };
    if (wait) this.writer.writeNow(batch);
    else this.writer.write(batch);
    this.lastFlush = Date.now();
    this.flushes++;
  }

  /** End of the source: what is held in flows and pairing is learned, then committed. */
  finish(): void {
    this.decoder.flush();
    this.pairer.flush();
    if (this.source) this.source.finished = true;
    this.flush();
    this.writer.close();
    this.unclaim();
  }

  private event(e: StreamEvent): void {
    const stored: StoredEvent = { ts: e.ts, event: e.event, flowId: e.flowId, detail: e.detail };
    if (e.protocol) stored.protocol = e.protocol;
    this.events.push(stored);
  }
}
