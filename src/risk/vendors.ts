// Vendor names as advisories, BACnet vendor tables and MAC registrants spell them, reduced to one
// key per vendor so that a device's vendor meets the advisories' ('Schneider Electric Software,
// LLC', 'Schneider-Electric' and 'Schneider Electric (Australia)' are all 'schneider electric').
// Spelling is folded first (case, accents, broken UTF-8, punctuation, legal suffixes, asides);
// a reviewed table then joins the names that differ in more than spelling, and the big ICS
// vendors' divisions ('Siemens Building Technologies AG', 'ABB Oy Drives') join their brand.

/** Longest name read; the rest is ignored. */
export const MAX_VENDOR_TEXT = 200;
/** Vendors read from one advisory vendor string. */
export const MAX_VENDORS_PER_NAME = 8;

/** Legal forms and the word "Software", dropped from the end of a name (longest first). */
const SUFFIXES: readonly string[][] = [
  ['sp', 'z', 'o', 'o'], ['and', 'co', 'kg'], ['s', 'r', 'l'], ['s', 'p', 'a'], ['l', 'l', 'c'], ['ltda', 'me'],
  ['and', 'co'], ['co', 'kg'], ['s', 'a'], ['b', 'v'], ['n', 'v'],
  ...['inc', 'incorporated', 'llc', 'lp', 'gmbh', 'ag', 'co', 'company', 'ltd', 'ltda', 'limited', 'corporation', 'corp']
    .concat(['sa', 'se', 'plc', 'kg', 'pte', 'pty', 'oy', 'ab', 'bv', 'nv', 'srl', 'spa', 'kk', 'aktiebolag', 'software', 'and'])
    .map((w) => [w]),
];

/** Names that differ in more than spelling, reviewed against the advisory corpus: key -> key. */
const ALIASES: ReadonlyMap<string, string> = new Map([
  // Schneider Electric and the brands it took over
  ['schneider', 'schneider electric'], ['apc by schneider electric', 'schneider electric'], ['tac', 'schneider electric'],
  // Rockwell Automation
  ['rockwell', 'rockwell automation'], ['allen bradley', 'rockwell automation'],
  // General Electric
  ['ge', 'general electric'],
  // Honeywell
  ['alerton honeywell', 'honeywell'], ['matrikonopc', 'matrikon'],
  // Emerson's process businesses
  ['fisher rosemount systems', 'emerson'], ['fisher controls', 'emerson'],
  // Johnson Controls (a typo in the corpus)
  ['johnson contols', 'johnson controls'],
  // B&R
  ['bernecker and rainer', 'b and r'], ['bernecker rainer', 'b and r'],
  // CODESYS
  ['3s smart software solutions', 'codesys'], ['3s smart', 'codesys'],
  // spellings and short forms seen in the corpus
  ['automation direct', 'automationdirect'], ['control by web', 'controlbyweb'],
  ['b braun medical', 'b braun'], ['b braun melsungen', 'b braun'],
  ['cambium networks', 'cambium'], ['hms industrial networks', 'hms networks'],
  ['franklin electric fueling systems', 'franklin fueling systems'], ['franklin fueling system', 'franklin fueling systems'],
  ['jtekt electronics', 'jtekt'], ['keysight technologies', 'keysight'], ['loytec electronics', 'loytec'],
  ['ls industrial systems', 'ls electric'], ['myscada technologies', 'myscada'],
  ['opw fuel managements systems', 'opw fuel management systems'], ['phillips', 'philips'],
  ['red lion controls', 'red lion'], ['sauter controls', 'sauter'], ['fr sauter', 'sauter'],
  ['sielco sistemi', 'sielco'], ['trihedral engineering', 'trihedral'], ['zebra technologies', 'zebra'],
  ['hangzhou xiongmai technology', 'xiongmai technology'], ['baxter international', 'baxter'],
  ['baker hughes bently nevada', 'bently nevada'], ['hirschmann automation and control', 'hirschmann'],
  ['carrier global', 'carrier'], ['geutebrueck', 'geutebruck'], ['weidmueller', 'weidmuller'],
  ['lcds leao consultoria e desenvolvimento de sistemas', 'lcds'], ['ni', 'national instruments'],
  ['opto22', 'opto 22'], ['sel', 'schweitzer engineering laboratories'],
  // not General Electric although it starts with 'Ge' (a MAC registrant)
  ['ge ruili intelligent technology', 'ge ruili intelligent technology'],
]);

/**
 * Brands whose divisions and subsidiaries keep the brand's name in front: a key starting with
 * these words is the brand ('siemens schweiz', 'abb oy drives', 'honeywell analytics').
 */
const BRANDS: readonly string[] = [
  'schneider electric', 'siemens', 'rockwell automation', 'honeywell', 'johnson controls', 'abb',
  'mitsubishi electric', 'omron', 'wago', 'phoenix contact', 'moxa', 'general electric', 'ge', 'emerson',
  'yokogawa', 'delta controls', 'delta electronics', 'tridium', 'beckhoff', 'bosch rexroth', 'b and r',
  'hitachi energy', 'hirschmann', 'eaton', 'advantech', 'belden', 'westermo', 'pepperl fuchs', 'weidmuller',
];

/** Advisory vendor strings that name no vendor. */
const NO_VENDOR = new Set(['multiple', 'multiple open source', 'n a', 'multiple trailer and brake manufacturers']);

/** Names holding a separator that are one vendor ("Becton, Dickinson and Company"). */
const WHOLE_NAMES = [/becton,? dickinson and company/gi, /hirschmann automation and control/gi, /propump and controls/gi];

/** UTF-8 read as Latin-1 ('GeutebrÃ¼ck'): the two characters back to the one they encoded. */
function repairUtf8(s: string): string {
  return s.replace(/[\u00c2-\u00df][\u0080-\u00bf]/g, (m) => String.fromCharCode(((m.charCodeAt(0) & 0x1f) << 6) | (m.charCodeAt(1) & 0x3f)));
}

/** Lower-case words: accents folded, asides and punctuation dropped, '&' read as 'and'. */
function words(name: string): string[] {
  const s = repairUtf8(name.slice(0, MAX_VENDOR_TEXT))
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/\([^)]*\)?/g, ' ')
    .replace(/&/g, ' and ');
  return s.split(/[^\p{L}\p{N}]+/u).filter((w) => w !== '');
}

function endsWith(tokens: readonly string[], suffix: readonly string[]): boolean {
  if (tokens.length <= suffix.length) return false;
  for (let i = 1; i <= suffix.length; i++) if (tokens[tokens.length - i] !== suffix[suffix.length - i]) return false;
  return true;
}

/** Drops legal forms from the end (and a leading 'the'), never the name's first word. */
function withoutSuffixes(tokens: string[]): string[] {
  const t = tokens[0] === 'the' && tokens.length > 1 ? tokens.slice(1) : tokens;
  for (let changed = true; changed; ) {
    changed = false;
    for (const suffix of SUFFIXES) {
      if (endsWith(t, suffix)) {
        t.length -= suffix.length;
        changed = true;
        break;
      }
    }
  }
  return t;
}

/** True when the words are only legal forms ("Inc.", "Co. Ltd"): the end of the name before them. */
const legalForm = (tokens: string[]): boolean => tokens.length > 0 && withoutSuffixes(['_', ...tokens]).length === 1;

/** The canonical key of a vendor name ('Schneider Electric Software, LLC' -> 'schneider electric'). */
export function vendorKey(name: string): string {
  if (typeof name !== 'string') return '';
  const key = withoutSuffixes(words(name)).join(' ');
  const alias = ALIASES.get(key);
  if (alias) return alias;
  for (const brand of BRANDS) if (key === brand || key.startsWith(`${brand} `)) return ALIASES.get(brand) ?? brand;
  return key;
}

/** Stands in for a separator inside a whole name while the rest is split. */
const PROTECT = '\u0001';

/**
 * The vendors one advisory vendor string names ("ABB, Phoenix Contact, Schneider Electric,
 * Siemens, and WAGO" -> 5): split at commas and 'and', a legal form after a comma kept with its
 * name ("Haas Automation, Inc"), "a subsidiary of X" read as X. Names as written, trimmed.
 */
export function splitVendors(name: string): string[] {
  if (typeof name !== 'string' || NO_VENDOR.has(vendorKey(name))) return [];
  let s = name.slice(0, MAX_VENDOR_TEXT);
  for (const whole of WHOLE_NAMES) s = s.replace(whole, (m) => m.replace(/,/g, PROTECT + 'c').replace(/ and /gi, PROTECT + 'a'));
  const out: string[] = [];
  for (const raw of s.split(/,|;|\s+and\s+/i)) {
    const piece = raw.replace(/^\s*(?:a|an)\s+(?:subsidiary|affiliate|division|brand)\s+of\s+/i, '').trim();
    if (!piece) continue;
    if (out.length && legalForm(words(piece))) out[out.length - 1] += `, ${piece}`;
    else out.push(piece.replaceAll(PROTECT + 'c', ',').replaceAll(PROTECT + 'a', ' and '));
  }
  const seen = new Set<string>();
  return out.filter((n) => {
    const key = vendorKey(n);
    if (!key || seen.has(key)) return false;
    seen.add(key);
    return true;
  }).slice(0, MAX_VENDORS_PER_NAME);
}
