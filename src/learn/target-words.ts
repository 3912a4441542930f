// A learned target in the plant's words, the one wording of targets that learning (its value
// points) and the detectors (their alerts) share.

import type { TargetSummary } from './model.js';
import { formatRanges } from './ranges.js';

/** One learned target entry in words: "unit 1 holding_registers 0-9", "analog-value 1 present-value". */
export function targetWords(t: TargetSummary): string {
  if (t.type === 'modbus') return `unit ${t.unit}${t.table ? ` ${t.table}` : ''}${t.ranges.length ? ` ${formatRanges(t.ranges)}` : ''}`;
  if (t.type === 'bacnet') return `${t.objectTypeName} ${t.instance}${t.properties.length ? ` ${t.properties.join(',')}` : ''}`;
  return t.nodeId;
}
