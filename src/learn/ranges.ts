// Sorted lists of disjoint inclusive ranges: register blocks seen, coalesced.

import { rangeText } from '../../protocols/words.js';
import type { Range } from './model.js';

/**
 * Adds [first, last] to `ranges` (sorted, disjoint), merging ranges that overlap or touch.
 * Returns true when the range covered an address not covered before.
 */
export function addRange(ranges: Range[], first: number, last: number): boolean {
  let i = 0;
  while (i < ranges.length && ranges[i]![1] < first - 1) i++;
  if (i < ranges.length && ranges[i]![0] <= first && ranges[i]![1] >= last) return false;
  let lo = first;
  let hi = last;
  let j = i;
  while (j < ranges.length && ranges[j]![0] <= last + 1) {
    lo = Math.min(lo, ranges[j]![0]);
    hi = Math.max(hi, ranges[j]![1]);
    j++;
  }
  ranges.splice(i, j - i, [lo, hi]);
  return true;
}

/** Merges the two ranges with the smallest gap until at most `max` remain; true if it merged. */
export function capRanges(ranges: Range[], max: number): boolean {
  let merged = false;
  while (ranges.length > max) {
    let best = 0;
    for (let i = 1; i < ranges.length - 1; i++) {
      if (ranges[i + 1]![0] - ranges[i]![1] < ranges[best + 1]![0] - ranges[best]![1]) best = i;
    }
    ranges.splice(best, 2, [ranges[best]![0], ranges[best + 1]![1]]);
    merged = true;
  }
  return merged;
}

export function formatRanges(ranges: readonly Range[]): string {
  return ranges.map(rangeText).join(',');
}
