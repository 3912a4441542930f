// Process values into a record (see Operation.values): one slot per target, aligned with the
// targets by index, null where a target carries no number; at most MAX_VALUES of them.

import { MAX_VALUES, type PduRecord } from './operation.js';

/** The value of `rec.targets[index]` (none: nothing to put); earlier targets without one are padded with null. */
export function putValue(rec: PduRecord, index: number, value: number | null | undefined): void {
  if (value === null || value === undefined) return;
  if (index >= MAX_VALUES) {
    rec.valuesTruncated = true;
    return;
  }
  const values = (rec.values ??= []);
  while (values.length < index) values.push(null);
  values[index] = value;
}

/**
 * An IEEE 754 single as the shortest decimal that reads back as the same single: a REAL of 80.1
 * is 80.1, not 80.09999847. Non-finite values are no process value (null).
 */
export function singleValue(x: number): number | null {
  if (!Number.isFinite(x)) return null;
  for (let digits = 1; digits < 9; digits++) {
    const y = Number(x.toPrecision(digits));
    if (Math.fround(y) === x) return y;
  }
  return x;
}

/** A double, or null when it is not finite (NaN, infinities: no value to learn or store). */
export function doubleValue(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
