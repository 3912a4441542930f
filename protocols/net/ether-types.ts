// EtherTypes a plant's Ethernet carries besides IP, by the names a policy uses for them. `llc`
// stands for every 802.3 frame, whose type field is a length (below 0x0600): spanning tree's
// BPDUs, and other LLC protocols.

/** Values below this are 802.3 lengths, not EtherTypes. */
export const ETHER_TYPE_MIN = 0x0600;
/** The name of every 802.3 (length-field) frame. */
export const LLC = 'llc';

export const ETHER_TYPES: ReadonlyMap<string, { value: number; title: string }> = new Map([
  ['arp', { value: 0x0806, title: 'ARP' }],
  ['rarp', { value: 0x8035, title: 'RARP' }],
  ['wol', { value: 0x0842, title: 'Wake-on-LAN' }],
  ['lacp', { value: 0x8809, title: 'Slow protocols (LACP, OAM)' }],
  ['eapol', { value: 0x888e, title: '802.1X (EAPOL)' }],
  ['profinet', { value: 0x8892, title: 'PROFINET' }],
  ['ethercat', { value: 0x88a4, title: 'EtherCAT' }],
  ['powerlink', { value: 0x88ab, title: 'Ethernet POWERLINK' }],
  ['goose', { value: 0x88b8, title: 'IEC 61850 GOOSE' }],
  ['gse', { value: 0x88b9, title: 'IEC 61850 GSE management' }],
  ['sv', { value: 0x88ba, title: 'IEC 61850 sampled values' }],
  ['lldp', { value: 0x88cc, title: 'LLDP' }],
  ['sercos', { value: 0x88cd, title: 'SERCOS III' }],
  ['mrp', { value: 0x88e3, title: 'Media Redundancy Protocol (MRP)' }],
  ['ptp', { value: 0x88f7, title: 'Precision Time Protocol (PTP)' }],
  ['prp', { value: 0x88fb, title: 'Parallel Redundancy Protocol (PRP)' }],
  ['cfm', { value: 0x8902, title: 'Connectivity fault management (CFM)' }],
  ['hsr', { value: 0x892f, title: 'High-availability Seamless Redundancy (HSR)' }],
]);

const BY_VALUE = new Map([...ETHER_TYPES].map(([name, t]) => [t.value, name]));
const HEX = /^0x[0-9a-f]{4}$/i;

/** The policy's word for an EtherType (its name, else 0xNNNN); `llc` for an 802.3 length. */
export function etherTypeName(value: number): string {
  if (value < ETHER_TYPE_MIN) return LLC;
  return BY_VALUE.get(value) ?? `0x${value.toString(16).padStart(4, '0')}`;
}

/** The value a policy's word stands for (-1: llc), or an error message. */
export function parseEtherType(word: string): number | string {
  if (word === LLC) return -1;
  const named = ETHER_TYPES.get(word);
  if (named) return named.value;
  if (!HEX.test(word)) return `'${word}' is neither a known EtherType name (${[...ETHER_TYPES.keys(), LLC].join(', ')}) nor 0xNNNN`;
  const v = parseInt(word.slice(2), 16);
  if (v < ETHER_TYPE_MIN) return `${word} is an 802.3 length, not an EtherType (write llc for 802.3 frames)`;
  if (v === 0x0800 || v === 0x86dd || v === 0x8100) return `${word} (IP, IPv6, 802.1Q) always reaches the rules: it is not listed`;
  return v;
}

/** An EtherType in the plant's words: "PROFINET (0x8892)", "802.3 / LLC (STP)". */
export function describeEtherType(value: number): string {
  if (value < 0 || value < ETHER_TYPE_MIN) return '802.3 / LLC frames (spanning tree and the like)';
  const hex = `0x${value.toString(16).padStart(4, '0')}`;
  const name = BY_VALUE.get(value);
  return name ? `${ETHER_TYPES.get(name)!.title} (${hex})` : `EtherType ${hex}`;
}
