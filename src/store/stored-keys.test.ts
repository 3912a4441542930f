import { describe, expect, it } from 'vitest';
import { STORED_KEY_SLOTS, StoredKeys } from './stored-keys.js';

const key = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}>10.9.0.1:502/modbus`;

describe('stored conversation keys', () => {
  it('never misses a key it was given, and turns away most it was not', () => {
    const s = new StoredKeys();
    for (let i = 0; i < 200_000; i++) s.add(key(i));
    for (let i = 0; i < 200_000; i++) expect(s.mayHave(key(i))).toBe(true);
    let maybe = 0;
    for (let i = 200_000; i < 300_000; i++) if (s.mayHave(key(i))) maybe++;
    // 32-bit hashes: a collision among 200,000 keys is rare, not impossible.
    expect(maybe).toBeLessThan(10);
  });

  it('answers maybe to every key once its slots are mostly used, rather than searching a full table', () => {
    const s = new StoredKeys();
    for (let i = 0; i < STORED_KEY_SLOTS * 0.8; i++) s.add(key(i));
    expect(s.mayHave('never added')).toBe(true);
  });
});
