import { describe, expect, it } from 'vitest';
import { macVendor } from './oui.js';

describe('MAC vendors from the IEEE registry', () => {
  it('names the registrant of an OUI, and no one for group and locally administered addresses', () => {
    expect(macVendor('00:1b:1b:12:34:56')).toBe('Siemens AG');
    expect(macVendor('00:00:00:00:00:01')).toBe('XEROX CORPORATION');
    expect(macVendor('01:1b:1b:12:34:56')).toBeUndefined();
    expect(macVendor('02:1b:1b:12:34:56')).toBeUndefined();
    expect(macVendor('not a mac')).toBeUndefined();
  });

  // A third of the registry's prefixes (every unicast, globally administered one would take seconds).
  it('keeps only the first line of each entry, unescaped and trimmed', { timeout: 30_000 }, () => {
    const seen = new Map<string, number>();
    for (let p = 0; p < 1 << 24; p += 3) {
      if ((p >> 16) & 3) continue;
      const h = p.toString(16).padStart(6, '0');
      const name = macVendor(`${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4)}:00:00:00`);
      if (name !== undefined) seen.set(name, (seen.get(name) ?? 0) + 1);
    }
    expect(seen.size).toBeGreaterThan(5_000);
    for (const name of seen.keys()) {
      expect(name).not.toMatch(/\\|\n|^\s|\s$|,$/);
      expect(name.length).toBeGreaterThan(0);
    }
  });
});
