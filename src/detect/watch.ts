// The detectors together, listening to the baseline as it learns (every source: captures, a
// mirror port, the gateway learning inline): what is new, who is who, process values,
// failures, sweeps, timing, time of day, protocol violations. Their
// detections become alerts in one book, written with the baseline.

import type { Operation } from '../../protocols/operation.js';
import type { Transaction } from '../flow/transactions.js';
import type { Baseline } from '../learn/baseline.js';
import type { NoveltyListener } from '../learn/novelty.js';
import type { Asset, Conversation, OperationStats, ValueProfile } from '../learn/model.js';
import type { AlertUpdate } from '../store/alert-store.js';
import { AddressDetector } from './addresses.js';
import { AlertBook, DEFAULT_ALERT_LIMITS, type AlertBookLimits, type Detection } from './alert-book.js';
import { DEFAULT_FAILURE_LIMITS, FailureDetector, type FailureLimits } from './failures.js';
import { NoveltyDetector } from './novelty.js';
import { DEFAULT_SWEEP_LIMITS, SweepDetector, type SweepLimits } from './sweeps.js';
import { DEFAULT_TIMING_LIMITS, TimingDetector, type TimingLimits } from './timing.js';
import { ValueDetector } from './values.js';
import { TimeOfDayDetector } from './hours.js';
import { ViolationDetector } from './violations.js';

export interface WatchOptions {
  /** Hours of traffic the plant's baseline (and each asset found later) learns before it is judged by. */
  learningHours: number;
  alerts: AlertBookLimits;
  failures: FailureLimits;
  sweeps: SweepLimits;
  timing: TimingLimits;
  /** Told every detection as it is made, before the book aggregates or rate-limits it (automatic response). */
  respond?: (d: Detection) => void;
}

export const DEFAULT_WATCH: WatchOptions = { learningHours: 24, alerts: DEFAULT_ALERT_LIMITS, failures: DEFAULT_FAILURE_LIMITS, sweeps: DEFAULT_SWEEP_LIMITS, timing: DEFAULT_TIMING_LIMITS };

export class Watch implements NoveltyListener {
  readonly book: AlertBook;
  private readonly novelty: NoveltyDetector;
  private readonly addresses: AddressDetector;
  private readonly failures: FailureDetector;
  private readonly sweeps: SweepDetector;
  private readonly values: ValueDetector;
  private readonly timing: TimingDetector;
  private readonly hours: TimeOfDayDetector;
  private readonly violations: ViolationDetector;

  constructor(baseline: Baseline, options: Partial<WatchOptions> = {}) {
    const o = { ...DEFAULT_WATCH, ...options };
    this.book = new AlertBook(o.alerts);
    const respond = o.respond;
    const raise = respond ? (d: Detection) => (this.book.add(d), trustedSource(baseline, d) && respond(d)) : this.book.add.bind(this.book);
    this.novelty = new NoveltyDetector(baseline, o.learningHours, raise);
    const settled = (c: Conversation, ts: number) => this.novelty.settled(c, ts);
    const settledAsset = (a: Asset, ts: number) => this.novelty.armed(ts) && !this.novelty.learning(a, ts);
    this.addresses = new AddressDetector(baseline, settledAsset, raise);
    this.failures = new FailureDetector(baseline, settled, raise, o.failures);
    this.sweeps = new SweepDetector((ts) => this.novelty.armed(ts), raise, o.sweeps);
    this.values = new ValueDetector(baseline, settled, raise);
    this.timing = new TimingDetector(baseline, settled, raise, o.timing);
    this.hours = new TimeOfDayDetector(baseline, settled, o.learningHours * 3600, raise);
    this.violations = new ViolationDetector(baseline, settled, raise);
  }

  asset(a: Asset, op: Operation): void {
    this.novelty.asset(a, op);
    this.addresses.newAddress(a, op);
  }

  conversation(c: Conversation, op: Operation): void {
    this.novelty.conversation(c, op);
    this.sweeps.conversation(`${c.server.ip}:${c.server.port}`, op);
  }

  operation(c: Conversation, op: Operation): void {
    this.novelty.operation(c, op);
  }

  target(c: Conversation, what: string, op: Operation): void {
    this.novelty.target(c, what, op);
    this.sweeps.target(c.key, op);
  }

  mac(a: Asset, mac: string, known: readonly string[], op: Operation): void {
    this.addresses.mac(a, mac, known, op);
  }

  transaction(t: Transaction, c: Conversation | undefined): void {
    this.failures.transaction(t, c);
    this.timing.transaction(t, c);
    this.violations.transaction(t, c);
  }

  hour(c: Conversation, op: Operation, stats: OperationStats, hour: number): void {
    this.hours.hour(c, op, stats, hour);
  }

  /** Capture time now (at each write of the baseline): what only a clock sees, silence. */
  tick(now: number): void {
    this.timing.tick(now);
  }

  value(c: Conversation, op: Operation, point: string, value: number, profile: ValueProfile | undefined): void {
    this.values.value(c, op, point, value, profile);
  }

  /** The alerts changed since the last call, for the store. */
  take(): AlertUpdate[] {
    return this.book.take();
  }
}

/** How long a MAC must have stood for an address, alone, before what the address does may isolate it. */
const TRUSTED_MAC_SECONDS = 3600;

/**
 * Whether the detection's source is the host it claims to be, as far as the wire can tell: its
 * frame came from the MAC the address has had for an hour, and no other MAC claimed the address
 * in that hour (or the host is new, its MAC its own). A forged address gets its alert, and
 * automatic response isolates nobody for it.
 */
function trustedSource(baseline: Baseline, d: Detection): boolean {
  const ts = d.op.evidence.ts;
  const a = baseline.asset(d.op.client.ip, d.op.client.vlan);
  const mac = d.op.client.mac;
  if (!d.source || d.source !== d.op.client.ip || !a || !mac) return false;
  if (ts - a.firstSeen < TRUSTED_MAC_SECONDS) return a.macs.length === 1 && a.macs[0]!.mac === mac;
  const own = a.macs.find((m) => m.mac === mac);
  return !!own && ts - own.firstSeen >= TRUSTED_MAC_SECONDS && a.macs.every((m) => m === own || m.lastSeen < ts - TRUSTED_MAC_SECONDS);
}
