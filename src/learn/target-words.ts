// A learned target in the plant's words, the one wording of targets that learning (its value
// points) and the detectors (their alerts) share: the protocol modules' words, as rules and
// verdicts use them.

import { objectWords } from '../../protocols/bacnet/words.js';
import { registerWords } from '../../protocols/modbus/words.js';
import { nodeWords } from '../../protocols/opcua/words.js';
import type { TargetSummary } from './model.js';

/**
 * A value point in words. Modbus points are keyed "unit 1 holding_registers 40" in the baseline
 * (stored keys do not change with the wording); the others' keys are their words already.
 */
export function pointWords(point: string): string {
  const m = /^unit (\d+) (\w+) (\d+)$/.exec(point);
  return m ? registerWords(Number(m[1]), m[2], [[Number(m[3]), Number(m[3])]]) : point;
}

/** One learned target entry in words: "unit 1 holding registers 40001-40010 (0-9)", "analog-value 1 present-value". */
export function targetWords(t: TargetSummary): string {
  if (t.type === 'modbus') return !t.table ? `unit ${t.unit}` : registerWords(t.unit, t.table, t.ranges.length ? t.ranges : undefined);
  if (t.type === 'bacnet') return objectWords(t.objectType, [[t.instance, t.instance]], t.properties.length ? t.properties : undefined);
  return nodeWords(t.nodeId, undefined);
}
