import { describe, expect, it } from 'vitest';
import { MacAddresses } from './mac-addresses.js';

describe('addresses seen with each MAC', () => {
  it('names every address behind a MAC once it has more than four, then each new one alone', () => {
    const m = new MacAddresses();
    const router = '00:1b:1b:00:00:01';
    for (let i = 1; i <= 4; i++) expect(m.note(router, `10.0.0.${i}`)).toEqual([]);
    expect(m.note(router, '10.0.0.5')).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5']);
    expect(m.note(router, '10.0.0.6')).toEqual(['10.0.0.6']);
    expect(m.note('00:1b:1b:00:00:02', '10.0.1.1')).toEqual([]);
    expect([...m.of(router)!]).toHaveLength(5);
    expect(m.of('00:00:00:00:00:09')).toBeUndefined();
  });
});
