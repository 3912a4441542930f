// Address formatting, done only where a string is needed (flow creation, output).

/** Character codes of the hex digits, for strings made in one piece. */
const DIGIT = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const COLON = 0x3a;

/**
 * "aa:bb:cc:dd:ee:ff", made in one call: a joined string would be a tree of eleven pieces, and
 * every flow keeps two of them for its life.
 */
export function macString(buf: Buffer, off: number): string {
  if (off < 0 || buf.length < off + 6) return '';
  const hi = (i: number) => DIGIT[buf[off + i]! >> 4]!;
  const lo = (i: number) => DIGIT[buf[off + i]! & 15]!;
  return String.fromCharCode(hi(0), lo(0), COLON, hi(1), lo(1), COLON, hi(2), lo(2), COLON, hi(3), lo(3), COLON, hi(4), lo(4), COLON, hi(5), lo(5));
}

/** Longest string flatAscii makes flat: a flow's id with two IPv6 ends and a VLAN fits. */
const FLAT_ROOM = 128;
const flatScratch = Buffer.allocUnsafe(FLAT_ROOM);

/**
 * An ASCII string made by joining, as one flat string. V8 keeps a joined string of 13 characters
 * or more as a tree of its pieces (32 bytes a node); one kept for a flow's life is worth a copy.
 */
export function flatAscii(s: string): string {
  if (s.length < 13 || s.length > FLAT_ROOM) return s;
  const n = flatScratch.write(s, 0, 'latin1');
  return flatScratch.toString('latin1', 0, n);
}

export function ipString(buf: Buffer, off: number, version: number): string {
  if (version === 4) {
    if (buf.length < off + 4) return '';
    return flatAscii(`${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`);
  }
  if (version !== 6 || buf.length < off + 16) return '';
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(buf.readUInt16BE(off + i * 2));
  // RFC 5952: compress the longest run (length >= 2) of zero groups.
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

/** A MAC with the group bit set: broadcast or multicast. */
export function isGroupMac(mac: string | undefined): boolean {
  return mac !== undefined && mac !== '' && (parseInt(mac.slice(0, 2), 16) & 1) === 1;
}

/** A broadcast or multicast destination (by MAC group bit, or by address), not one host. */
export function isGroupAddress({ ip, mac }: { ip: string; mac?: string }): boolean {
  if (isGroupMac(mac)) return true;
  if (ip === '255.255.255.255') return true;
  if (ip.includes(':')) return ip.toLowerCase().startsWith('ff');
  const first = parseInt(ip, 10);
  return first >= 224 && first <= 239;
}
