// Reconnaissance: one source touching many hosts or ports it never touched (a scan), or many
// registers, objects or nodes outside what it used (characterisation of a device), within a few
// minutes. Counted on what is new to the baseline, so normal polling never adds to it, and for
// new sources too (a scanner is usually a new asset).

import type { Operation } from '../../protocols/operation.js';
import type { Detection } from './alert-book.js';
import { ATTACK } from './attack.js';

export interface SweepLimits {
  windowSeconds: number;
  /** New conversations (hosts or ports) from one source in a window that make a scan. */
  conversations: number;
  /** New targets from one source in a window that make a sweep of a device's points. */
  targets: number;
  /** Sources tracked at once (the least recently active are forgotten first). */
  maxTracked: number;
}

export const DEFAULT_SWEEP_LIMITS: SweepLimits = { windowSeconds: 300, conversations: 10, targets: 20, maxTracked: 10_000 };

interface Tally {
  start: number;
  conversations: Set<string>;
  targets: number;
  raisedScan: boolean;
  raisedSweep: boolean;
}

export class SweepDetector {
  private readonly sources = new Map<string, Tally>();

  constructor(
    private readonly armed: (ts: number) => boolean,
    private readonly raise: (d: Detection) => void,
    private readonly limits: SweepLimits = DEFAULT_SWEEP_LIMITS,
  ) {}

  conversation(server: string, op: Operation): void {
    const t = this.tally(op);
    if (!t) return;
    // Bounded: past the threshold the set stops growing, only the alert repeats.
    if (t.conversations.size < this.limits.conversations * 4) t.conversations.add(server);
    if (t.raisedScan || t.conversations.size < this.limits.conversations) return;
    t.raisedScan = true;
    const hosts = new Set([...t.conversations].map((s) => s.split(':')[0]));
    this.raise({
      type: 'scan',
      detector: 'sweeps',
      severity: 'high',
      subject: op.client.ip,
      attack: ATTACK.remoteSystemDiscovery,
      asset: op.client.ip,
      source: op.client.ip,
      summary: `${op.client.ip} reached ${t.conversations.size} ${op.protocol} services it never talked to (${hosts.size} hosts) within ${Math.round(op.evidence.ts - t.start)} s`,
      baseline: `no conversation from ${op.client.ip} to ${[...t.conversations].slice(0, 5).join(', ')}${t.conversations.size > 5 ? ', ...' : ''}`,
      seen: `${t.conversations.size} new conversations`,
      op,
    });
  }

  target(conversation: string, op: Operation): void {
    const t = this.tally(op);
    if (!t) return;
    t.targets++;
    if (t.raisedSweep || t.targets < this.limits.targets) return;
    t.raisedSweep = true;
    this.raise({
      type: 'point_sweep',
      detector: 'sweeps',
      severity: 'medium',
      subject: op.client.ip,
      attack: ATTACK.pointAndTagIdentification,
      asset: op.client.ip,
      source: op.client.ip,
      conversation,
      summary: `${op.client.ip} touched ${t.targets} registers, objects or nodes of ${op.server.ip} it never used, within ${Math.round(op.evidence.ts - t.start)} s`,
      baseline: `its learned operations touched none of them`,
      seen: `${t.targets} new targets`,
      op,
    });
  }

  private tally(op: Operation): Tally | undefined {
    const ts = op.evidence.ts;
    if (!this.armed(ts)) return undefined;
    let t = this.sources.get(op.client.ip);
    if (!t || ts - t.start > this.limits.windowSeconds) {
      if (t) this.sources.delete(op.client.ip);
      else if (this.sources.size >= this.limits.maxTracked) this.sources.delete(this.sources.keys().next().value!);
      t = { start: ts, conversations: new Set(), targets: 0, raisedScan: false, raisedSweep: false };
      this.sources.set(op.client.ip, t);
    }
    return t;
  }
}
