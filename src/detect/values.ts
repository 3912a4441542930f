// Process values outside what was learned: a write of a setpoint far outside anything written
// to that point, a coil or mode set to a value it never had, a reading far outside its range.
// A point is judged once it has MIN_SAMPLES values on a settled conversation: few distinct whole
// values each seen repeatedly (a mode, a coil, a recipe number) must be one of them; many, or
// fractional ones (a measurement, a setpoint), must lie within their range widened by half its
// width. A value read back after it was written is the write's business. Points are named by
// learning in their protocol's words (registers, objects and properties, node ids).

import type { Operation } from '../../protocols/operation.js';
import type { Conversation, ValueProfile } from '../learn/model.js';
import type { Detection } from './alert-book.js';
import { ATTACK } from './attack.js';
import type { StableBaseline } from './novelty.js';
import { keyWords } from '../learn/target-words.js';
import { assetWords, numberWords, spanWords } from './words.js';

/** Values a point needs before it is judged. */
export const MIN_SAMPLES = 20;
/** A range widens by this share of its width (at least 1) before a value lies far outside it: an operator's next setpoint a little past the ones learned is normal. */
export const RANGE_MARGIN = 0.5;
/** Few distinct values are a set of states (a mode, a coil) only when each was seen this often on average; fewer repeats are a setpoint's values, judged by their range. */
export const STATE_REPEATS = 5;
/** Points whose last written value is remembered, so that reading it back is not a second alert (the oldest forgotten first). */
const MAX_WRITTEN = 10_000;

/** What the baseline says of a point, or undefined when `value` fits it. */
export function outside(p: ValueProfile, value: number): string | undefined {
  // A fraction is a quantity, never one of a set of states: 21.5 after 18 and 24.5 is in range.
  if (p.distinct && p.samples >= STATE_REPEATS * p.distinct.length && Number.isInteger(value) && p.distinct.every(Number.isInteger)) return p.distinct.includes(value) ? undefined : `only ${p.distinct.map(numberWords).join(', ')}`;
  const margin = Math.max(1, (p.max - p.min) * RANGE_MARGIN);
  return value < p.min - margin || value > p.max + margin ? `${numberWords(p.min)}-${numberWords(p.max)}` : undefined;
}

export class ValueDetector {
  /** The last value written to each server's point: what its readers read back next. */
  private readonly written = new Map<string, number>();

  constructor(
    private readonly baseline: StableBaseline,
    private readonly settled: (c: Conversation, ts: number) => boolean,
    private readonly raise: (d: Detection) => void,
  ) {}

  value(c: Conversation, op: Operation, point: string, value: number, p: ValueProfile | undefined): void {
    const at = `${c.server.ip}|${point}`;
    if (op.kind === 'write') this.wrote(at, value);
    // A written value read back is the write's alert, if any, not one more for every reader.
    else if (this.written.get(at) === value) return;
    if (!p || p.samples < MIN_SAMPLES) return;
    const learned = outside(p, value);
    if (!learned || !this.settled(c, op.evidence.ts)) return;
    const writes = op.kind === 'write';
    const client = assetWords(this.baseline.asset(c.client.ip, c.client.vlan), c.client.ip);
    const server = assetWords(this.baseline.asset(c.server.ip, c.server.vlan), c.server.ip);
    const span = spanWords(p.lastSeen - p.firstSeen);
    this.raise({
      type: writes ? 'value_write_outside_baseline' : 'value_reading_outside_baseline',
      detector: 'values',
      severity: writes ? 'high' : 'medium',
      subject: `${c.key}|${op.kind}|${point}`,
      ...(writes ? { attack: ATTACK.modifyParameter } : {}),
      asset: writes ? c.client.ip : c.server.ip,
      ...(writes ? { source: c.client.ip } : {}),
      conversation: c.key,
      summary: writes
        ? `${client} wrote ${numberWords(value)} to ${keyWords(point)} on ${server}; in ${span} it wrote ${learned} there, ${numberWords(p.samples)} times`
        : `${server} answered ${numberWords(value)} for ${keyWords(point)} to ${client}; in ${span} it read ${learned} there, ${numberWords(p.samples)} times`,
      baseline: `${learned} in ${numberWords(p.samples)} values over ${span}`,
      seen: numberWords(value),
      op,
    });
  }

  private wrote(at: string, value: number): void {
    if (!this.written.has(at) && this.written.size >= MAX_WRITTEN) this.written.delete(this.written.keys().next().value!);
    this.written.set(at, value);
  }
}
