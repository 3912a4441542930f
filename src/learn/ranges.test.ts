import { describe, expect, it } from 'vitest';
import type { Range } from './model.js';
import { addRange, capRanges, formatRanges } from './ranges.js';

describe('register ranges', () => {
  it('merges overlapping and adjacent blocks and says when something new was covered', () => {
    const r: Range[] = [];
    expect(addRange(r, 100, 109)).toBe(true);
    expect(addRange(r, 0, 9)).toBe(true);
    expect(addRange(r, 10, 19)).toBe(true); // touches 0-9
    expect(addRange(r, 5, 15)).toBe(false); // already covered
    expect(addRange(r, 18, 105)).toBe(true); // bridges both
    expect(r).toEqual([[0, 109]]);
  });

  it('caps the list by merging the closest neighbours', () => {
    const r: Range[] = [];
    for (const start of [0, 10, 12 + 1, 100, 200]) addRange(r, start, start);
    expect(formatRanges(r)).toBe('0,10,13,100,200');
    expect(capRanges(r, 3)).toBe(true);
    expect(formatRanges(r)).toBe('0-13,100,200');
  });
});
