// What is new to a stable baseline: a new asset, a new conversation, a new operation on a known
// conversation, a target outside what an operation touched. The baseline is stable for the whole
// plant once it has learned `learningHours` of traffic, and for an asset once that asset has been
// seen that long: an asset found later gets its own learning window, and what it does in it adds
// to its new-asset alert instead of raising alerts of its own.

import type { Operation } from '../../protocols/operation.js';
import type { Asset, Conversation } from '../learn/model.js';
import type { Severity } from '../store/records.js';
import type { Detection } from './alert-book.js';
import { ATTACK, techniqueOfKind } from './attack.js';
import { assetWords, kindWords, learnedOperations, learnedTargetsBefore, operationWords, spanWords } from './words.js';

export interface StableBaseline {
  /** Capture time the baseline starts at. */
  readonly firstSeen: number;
  asset(ip: string, vlan: number | undefined): Asset | undefined;
}

const SEVERITY_OF_KIND: Record<string, Severity> = { program: 'critical', control: 'high', write: 'high', diagnostic: 'medium', discovery: 'medium', read: 'low', session: 'low', unknown: 'medium' };

export class NoveltyDetector {
  private readonly window: number;

  constructor(
    private readonly baseline: StableBaseline,
    learningHours: number,
    private readonly raise: (d: Detection) => void,
  ) {
    this.window = learningHours * 3600;
  }

  /** The plant's baseline has learned long enough to judge by it. */
  armed(ts: number): boolean {
    return this.baseline.firstSeen > 0 && ts - this.baseline.firstSeen >= this.window;
  }

  /** An asset still in its own learning window (it appeared after the plant's baseline was stable). */
  learning(a: Asset | undefined, ts: number): boolean {
    return a !== undefined && ts - a.firstSeen < this.window;
  }

  /**
   * A new host that sent something. One that is only reached (a scan's target, a request nobody
   * answers) is reported through the conversation or the scan that reached it.
   */
  asset(a: Asset, op: Operation): void {
    if (!this.armed(op.evidence.ts)) return;
    const client = a.ip === op.client.ip && a.vlan === op.client.vlan;
    if (!client) return;
    const writes = (op.kind === 'write' || op.kind === 'control' || op.kind === 'program');
    this.raise({
      type: 'new_asset',
      detector: 'novelty',
      severity: writes ? 'high' : 'medium',
      subject: a.key,
      ...(writes ? { attack: ATTACK.rogueMaster } : {}),
      asset: a.ip,
      source: a.ip,
      summary: `a new ${op.protocol} host ${a.ip}${op.client.mac ? ` (${op.client.mac})` : ''} sent ${operationWords(op)} to ${op.server.ip}`,
      baseline: `${spanWords(op.evidence.ts - this.baseline.firstSeen)} of learned traffic without this address`,
      seen: `${operationWords(op)} to ${op.server.ip}`,
      op,
    });
  }

  conversation(c: Conversation, op: Operation): void {
    const ts = op.evidence.ts;
    if (!this.armed(ts)) return;
    const client = this.baseline.asset(c.client.ip, c.client.vlan);
    const server = c.server.broadcast ? undefined : this.baseline.asset(c.server.ip, c.server.vlan);
    // A new asset's conversations are its learning: they add to its own alert (the first is the alert itself).
    if (this.learning(client, ts)) {
      if (client!.firstSeen !== ts) this.asset(client!, op);
      return;
    }
    if (this.learning(server, ts)) return;
    const active = op.kind === 'write' || op.kind === 'control' || op.kind === 'program';
    this.raise({
      type: 'new_conversation',
      detector: 'novelty',
      severity: active ? 'high' : 'medium',
      subject: c.key,
      ...(active ? { attack: techniqueOfKind(op.kind)! } : {}),
      asset: c.client.ip,
      source: c.client.ip,
      conversation: c.key,
      summary: `${assetWords(client, c.client.ip)} opened ${op.protocol} to ${assetWords(server, c.server.ip)} port ${c.server.port} for the first time, with ${operationWords(op)}`,
      baseline: `${spanWords(ts - this.baseline.firstSeen)} of learned traffic: no ${op.protocol} from ${c.client.ip} to ${c.server.ip}:${c.server.port}`,
      seen: `${kindWords(op.kind)}, ${operationWords(op)}`,
      op,
    });
  }

  operation(c: Conversation, op: Operation): void {
    const ts = op.evidence.ts;
    if (!this.settled(c, ts)) return;
    const client = this.baseline.asset(c.client.ip, c.client.vlan);
    const server = this.baseline.asset(c.server.ip, c.server.vlan);
    const attack = techniqueOfKind(op.kind);
    this.raise({
      type: 'new_operation',
      detector: 'novelty',
      severity: SEVERITY_OF_KIND[op.kind] ?? 'medium',
      subject: `${c.key}|${op.kind}/${op.code}/${op.subCode ?? ''}`,
      ...(attack ? { attack } : {}),
      asset: c.client.ip,
      source: c.client.ip,
      conversation: c.key,
      summary: `${assetWords(client, c.client.ip)} sent ${kindWords(op.kind)}, ${operationWords(op)}, to ${assetWords(server, c.server.ip)} for the first time`,
      baseline: `in ${spanWords(c.lastSeen - c.firstSeen)} it sent ${learnedOperations(c)}`,
      seen: `${operationWords(op)}${op.targets.length ? ` on ${op.targets.length} target(s)` : ''}`,
      op,
    });
  }

  target(c: Conversation, what: string, op: Operation): void {
    const ts = op.evidence.ts;
    if (!this.settled(c, ts)) return;
    const stats = Object.values(c.operations).find((s) => s.kind === op.kind && s.code === op.code && s.subCode === op.subCode);
    const client = this.baseline.asset(c.client.ip, c.client.vlan);
    const server = this.baseline.asset(c.server.ip, c.server.vlan);
    const writes = op.kind === 'write' || op.kind === 'control' || op.kind === 'program';
    this.raise({
      type: 'target_outside_baseline',
      detector: 'novelty',
      severity: writes ? 'high' : 'medium',
      subject: `${c.key}|${op.kind}/${op.code}`,
      attack: writes ? ATTACK.modifyParameter : ATTACK.pointAndTagIdentification,
      asset: c.client.ip,
      source: c.client.ip,
      conversation: c.key,
      summary: `${assetWords(client, c.client.ip)} used ${operationWords(op)} on ${what} of ${assetWords(server, c.server.ip)}, outside what it touched before`,
      baseline: `in ${spanWords(c.lastSeen - c.firstSeen)} ${operationWords(op)} touched ${learnedTargetsBefore(stats, op)}${stats ? ` (${(stats.count - 1).toLocaleString('en')} times)` : ''}`,
      seen: what,
      op,
    });
  }

  /** A known conversation whose endpoints are both past their learning windows. */
  settled(c: Conversation, ts: number): boolean {
    if (!this.armed(ts) || ts - c.firstSeen < this.window) return false;
    const client = this.baseline.asset(c.client.ip, c.client.vlan);
    const server = c.server.broadcast ? undefined : this.baseline.asset(c.server.ip, c.server.vlan);
    return !this.learning(client, ts) && !this.learning(server, ts);
  }
}
