// Time of day: a write, control or program operation at an hour it was never seen in while its
// conversation learned — a setpoint changed at 3 a.m. by a station that writes only in shift
// hours, a program download outside the maintenance window. An operation's learned hours are the
// day without its longest quiet run (around the clock), so scattered hours within a shift count as
// the shift; an hour at the quiet run's edges is tolerated (shifts start early and run late).

import type { Operation } from '../../protocols/operation.js';
import type { Conversation, OperationStats } from '../learn/model.js';
import { activeHoursWords, quietHours } from '../learn/hours.js';
import type { Severity } from '../store/records.js';
import type { Detection } from './alert-book.js';
import { techniqueOfKind } from './attack.js';
import type { StableBaseline } from './novelty.js';
import { assetWords, kindWords, numberWords, operationWords, spanWords } from './words.js';

/** Sightings an operation needs before its hours say anything. */
export const MIN_HOURS_SAMPLES = 5;
/** Hours at each edge of the quiet run that are tolerated. */
export const HOURS_TOLERANCE = 1;

// A write at an odd hour may be a night shift's answer to an upset: it is said, not ranked with a program download.
const SEVERITY: Record<string, Severity> = { program: 'critical', control: 'high', write: 'medium' };

export class TimeOfDayDetector {
  constructor(
    private readonly baseline: StableBaseline,
    private readonly settled: (c: Conversation, ts: number) => boolean,
    private readonly window: number,
    private readonly raise: (d: Detection) => void,
  ) {}

  hour(c: Conversation, op: Operation, s: OperationStats, hour: number): void {
    const severity = SEVERITY[op.kind];
    const ts = op.evidence.ts;
    if (!severity || s.count < MIN_HOURS_SAMPLES || s.hours === undefined || s.hoursSince === undefined) return;
    if (ts - s.hoursSince < this.window || !this.settled(c, ts)) return;
    const [start, len] = quietHours(s.hours);
    const into = (hour - start + 24) % 24;
    if (into < HOURS_TOLERANCE || into >= len - HOURS_TOLERANCE) return; // outside the quiet run, or at its edges
    const client = assetWords(this.baseline.asset(c.client.ip, c.client.vlan), c.client.ip);
    const server = assetWords(this.baseline.asset(c.server.ip, c.server.vlan), c.server.ip);
    const at = clock(ts);
    this.raise({
      type: 'operation_outside_hours',
      detector: 'time-of-day',
      severity,
      subject: `${c.key}|${op.kind}/${op.code}/${op.subCode ?? ''}`,
      attack: techniqueOfKind(op.kind)!,
      asset: c.client.ip,
      source: c.client.ip,
      conversation: c.key,
      summary: `${client} sent ${kindWords(op.kind)}, ${operationWords(op)}, to ${server} at ${at}, an hour it never did so while learning`,
      baseline: `in ${spanWords(s.lastSeen - s.hoursSince)} it sent it ${numberWords(s.count)} times, ${activeHoursWords(s.hours)} (plant time)`,
      seen: `${at} (plant time)`,
      op,
    });
  }
}

/** "03:12", the gateway's local time of capture time `ts`. */
function clock(ts: number): string {
  const d = new Date(ts * 1000);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}
