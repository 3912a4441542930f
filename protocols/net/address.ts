// Address formatting, done only where a string is needed (flow creation, output).

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function macString(buf: Buffer, off: number): string {
  if (off < 0 || buf.length < off + 6) return '';
  return `${HEX[buf[off]!]}:${HEX[buf[off + 1]!]}:${HEX[buf[off + 2]!]}:${HEX[buf[off + 3]!]}:${HEX[buf[off + 4]!]}:${HEX[buf[off + 5]!]}`;
}

export function ipString(buf: Buffer, off: number, version: number): string {
  if (version === 4) {
    if (buf.length < off + 4) return '';
    return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
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
