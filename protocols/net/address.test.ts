import { describe, expect, it } from 'vitest';
import { flatAscii, ipString, macString } from './address.js';

describe('address formatting', () => {
  it('writes MACs in lower-case hex pairs, and nothing for a frame too short', () => {
    const b = Buffer.from([0x00, 0x1b, 0x1b, 0xaf, 0x0f, 0xff, 0x01]);
    expect(macString(b, 0)).toBe('00:1b:1b:af:0f:ff');
    expect(macString(b, 1)).toBe('1b:1b:af:0f:ff:01');
    expect(macString(b, 2)).toBe('');
    expect(macString(b, -1)).toBe('');
  });

  it('writes IPv4 dotted and IPv6 with the longest zero run compressed (RFC 5952)', () => {
    expect(ipString(Buffer.from([192, 168, 100, 200]), 0, 4)).toBe('192.168.100.200');
    expect(ipString(Buffer.from([10, 0, 0, 1]), 0, 4)).toBe('10.0.0.1');
    expect(ipString(Buffer.from([10, 0, 0]), 0, 4)).toBe('');
    const v6 = Buffer.alloc(16);
    v6.writeUInt16BE(0x2001, 0);
    v6.writeUInt16BE(0xdb8, 2);
    v6.writeUInt16BE(1, 14);
    expect(ipString(v6, 0, 6)).toBe('2001:db8::1');
    expect(ipString(v6, 0, 5)).toBe('');
  });

  it('keeps a joined string as it reads, whatever its length', () => {
    for (const s of ['', 'short', 'udp/10.1.2.3:47808-10.1.2.4:47808@vlan12', `tcp/${'x'.repeat(200)}`]) expect(flatAscii(s)).toBe(s);
  });
});
