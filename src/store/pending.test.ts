import { describe, expect, it } from 'vitest';
import { Pending } from './pending.js';

describe('records held between writes', () => {
  it('keeps up to its bound and counts the rest, per batch and in all', () => {
    const p = new Pending<number>(2);
    [1, 2, 3, 4].forEach((n) => p.push(n));
    expect(p.dropped).toBe(2);
    expect(p.take()).toEqual([1, 2]);
    expect(p.dropped).toBe(0);
    p.push(5);
    expect(p.take()).toEqual([5]);
    expect(p.droppedInAll).toBe(2);
  });
});
