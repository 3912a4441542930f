import { describe, expect, it } from 'vitest';
import { ipString, macString } from '../../protocols/net/address.js';
import { ipName, macName } from './address-names.js';

describe('address names', () => {
  it('names addresses as the formatting functions do, well past the number of names kept', () => {
    const frame = Buffer.alloc(16);
    const wrong: string[] = [];
    for (let i = 0; i < 40_000; i++) {
      frame.writeUInt32BE((0xc0a80000 + (i % 20_000) * 7919) >>> 0, 0);
      frame.writeUInt16BE(i & 0xffff, 4);
      if (ipName(frame, 0, 4) !== ipString(frame, 0, 4)) wrong.push(`ip ${ipString(frame, 0, 4)}: ${ipName(frame, 0, 4)}`);
      if (macName(frame, 0) !== macString(frame, 0)) wrong.push(`mac ${macString(frame, 0)}: ${macName(frame, 0)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('gives the same text for the same address wherever it lies, and IPv6 and short frames as before', () => {
    const a = Buffer.from([0, 0, 10, 1, 2, 3]);
    const b = Buffer.from([10, 1, 2, 3, 9, 9]);
    expect(ipName(a, 2, 4)).toBe('10.1.2.3');
    expect(ipName(b, 0, 4)).toBe('10.1.2.3');
    const v6 = Buffer.alloc(16);
    v6[0] = 0xfe;
    v6[1] = 0x80;
    v6[15] = 1;
    expect(ipName(v6, 0, 6)).toBe('fe80::1');
    expect(ipName(Buffer.alloc(3), 0, 4)).toBe('');
    expect(macName(Buffer.alloc(5), 0)).toBe('');
    expect(macName(Buffer.alloc(6), -1)).toBe('');
  });
});
