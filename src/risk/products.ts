// Does an advisory's product name ('Modicon M340 CPU (part numbers BMXP34*)', 'Desigo PXC4',
// 'SIMATIC S7-1200 CPU family (incl. SIPLUS variants)') name the device in front of us? Two ways:
// - by part number: a part or model number in the product name, or a CSAF model number, matches
//   one of the device's models or a model-looking token of its names. Part numbers in the name
//   decide alone: 'M340 Communication Ethernet modules BMX NOE 0100 (H)' is not a BMX P34 2020 CPU
//   although both say M340. Model numbers decide when the device reports models of its own.
// - by name: every distinctive word of the product name is among the device's words. A name of
//   one plain word ('Compass', 'Server') must equal one of the device's names whole.
// A pattern is compiled once per product; what a device says is prepared once per DeviceNames
// object (kept while the object lives), so matching one device against many products is cheap.

/** Characters of a product name read; the rest is ignored. */
export const MAX_PRODUCT_TEXT = 300;
/** Part and model numbers kept per product. */
export const MAX_PART_NUMBERS = 64;
/** Model-looking strings kept per device. */
export const MAX_DEVICE_MODELS = 64;
/** Characters of a product name quoted in an explanation. */
const QUOTED = 80;

interface PartNumber {
  /** As written in the advisory ('BMX P34x', '6ES7211-1AE40-0XB0'). */
  readonly text: string;
  /** The compact upper-case form up to its first wildcard: a cheap first test. */
  readonly head: string;
  /** The head's first character code, a first test of each device string; -1 when it starts with a wildcard. */
  readonly first: number;
  /** Anchored, over the compact form: '*' any run, 'x' one character, a trailing x-run after a digit any run; none without wildcards (the head is the whole). */
  readonly re: RegExp | undefined;
  /** With no head (it starts with 'x's): how many, and the characters after them, for an index key. */
  readonly lead?: { skip: number; run: string };
}

export interface ProductPattern {
  readonly name: string;
  /** Part numbers written in the product name. */
  readonly parts: readonly PartNumber[];
  /** The product's CSAF model numbers. */
  readonly models: readonly PartNumber[];
  /** Distinctive words of the name, all of which a device's names must hold. */
  readonly words: readonly string[];
  /** Its words outside the part numbers: a part number read from the device's names needs them too ('CP 343-1 Advanced' is not a 'CP 343-1 Lean'). */
  readonly otherWords: readonly string[];
  /** The whole name's words, for names too plain to match by word (one word, no digit). */
  readonly whole: string;
  readonly wholeOnly: boolean;
}

export interface DeviceNames {
  /** Product names, model names, application names. */
  names: readonly string[];
  /** Product codes, part numbers, order numbers the device reports. */
  models: readonly string[];
}

/** Words that say what kind of thing, not which. */
const GENERIC = new Set([
  'cpu', 'cpus', 'controller', 'controllers', 'module', 'modules', 'series', 'family', 'firmware', 'all', 'versions', 'version',
  'device', 'devices', 'incl', 'including', 'and', 'or', 'with', 'for', 'the', 'of', 'in', 'on', 'to', 'a', 'an', 'by', 'prior', 'later',
  'update', 'upd',
]);
/** Upper-case short words that are protocols or standards, never part of a part number. */
const NOT_CODES = new Set(['IEC', 'ISO', 'OPC', 'UA', 'TCP', 'UDP', 'IP', 'HTTP', 'HTTPS', 'FTP', 'SNMP', 'WEB', 'API', 'SSL', 'TLS', 'NET', 'DNS', 'USB', 'LAN', 'WAN']);
/** A version written into a product name ('STEP 7 V17', 'Parasolid V36.1', 'SP1'). */
const VERSION_WORD = /^(?:v\d+(?:[.-]\d+)*[a-z]?|(?:sp|hf|upd)\d+)$/i;
const ASIDE = /\([^)]*\)?/g;

const compact = (s: string): string => s.toUpperCase().replace(/[^A-Z0-9*]+/g, '');
const count = (s: string, re: RegExp): number => s.match(re)?.length ?? 0;

function fold(text: string): string {
  return text.slice(0, MAX_PRODUCT_TEXT).normalize('NFKD').replace(/\p{M}+/gu, '');
}

/** Lower-case words of a text, without versions; asides dropped first when asked. */
function wordsOf(text: string, dropAsides: boolean): string[] {
  const s = dropAsides ? fold(text).replace(ASIDE, ' ') : fold(text);
  const out: string[] = [];
  for (const raw of s.split(/\s+/)) {
    if (VERSION_WORD.test(raw)) continue;
    for (const w of raw.toLowerCase().split(/[^\p{L}\p{N}]+/u)) if (w) out.push(w);
  }
  return out;
}

/** A token that can be (part of) a part number: has a digit or '*', or is a short upper-case code. */
function codeLike(raw: string): boolean {
  if (!/^[A-Za-z0-9][A-Za-z0-9.*_-]*$/.test(raw) || VERSION_WORD.test(raw) || GENERIC.has(raw.toLowerCase())) return false;
  return /[\d*]/.test(raw) || (/^[A-Z]{2,4}$/.test(raw) && !NOT_CODES.has(raw));
}

/** True when a compact string reads as a part number rather than a family name (M340, S7-1200). */
function partNumberLike(c: string, raw: string): boolean {
  const literal = c.replace(/\*/g, '');
  if (c.includes('*')) return literal.length >= 3;
  if (/\dX+$/.test(c) && literal.length >= 4) return true; // 'P34x', '65xxxxx': a trailing wildcard
  const letters = count(literal, /[A-Z]/g);
  const digits = count(literal, /\d/g);
  return literal.length >= 6 && ((letters >= 2 && digits >= 2) || (letters === 0 && digits >= 6 && raw.includes('-')));
}

/**
 * Groups of adjacent code-like tokens, each a candidate part number written with spaces
 * ('BMX NOE 0100', 'BMX P34x'). A group that has a digit ends before a word of letters
 * ('M340 BMX P34x'); before a token that is a part number alone it ends too, but is also kept
 * joined with it, since either may be the part number ('M340 BMXP342020', '6ES7 288-1SR60-0AA0').
 */
function groups(text: string): { raw: string; compact: string }[] {
  const out: { raw: string; compact: string }[] = [];
  const emit = (tokens: string[]) => {
    if (tokens.length) out.push({ raw: tokens.join(' '), compact: compact(tokens.join('')) });
  };
  for (const segment of fold(text).split(/[(),;:[\]{}"]|\s-\s/)) {
    let current: string[] = [];
    for (const raw of segment.split(/[\s/]+/)) {
      if (!codeLike(raw)) {
        emit(current);
        current = [];
        continue;
      }
      if (current.some((t) => /\d/.test(t))) {
        const alone = partNumberLike(compact(raw), raw);
        if (alone) emit([...current, raw]);
        if (alone || /^[A-Z]+$/.test(raw)) {
          emit(current);
          current = [];
        }
      }
      current.push(raw);
    }
    emit(current);
  }
  return out;
}

function compile(text: string, c: string): PartNumber {
  const head = c.slice(0, c.search(/[X*]|$/));
  const first = head.length ? head.charCodeAt(0) : -1;
  if (head === c) return { text, head, first, re: undefined };
  const trailing = /\dX+$/.test(c) ? c.replace(/X+$/, '') : undefined;
  const body = (trailing ?? c).replace(/X/g, '.').replace(/\*/g, '.*');
  const lead = head ? null : /^(X{1,3})([^X*]+)/.exec(c);
  return { text, head, first, re: new RegExp(`^${body}${trailing !== undefined ? '.*' : ''}$`), ...(lead ? { lead: { skip: lead[1]!.length, run: lead[2]!.slice(0, KEY_PREFIX) } } : {}) };
}

const matches = (part: PartNumber, c: string): boolean => (part.re ? c.startsWith(part.head) && part.re.test(c) : c === part.head);

/** Compiles a product's name (and its CSAF model numbers) for matching; never throws. */
export function productPattern(name: string, modelNumbers: readonly string[] = []): ProductPattern {
  const text = typeof name === 'string' ? name : '';
  const parts: PartNumber[] = [];
  const seen = new Set<string>();
  for (const g of groups(text)) {
    if (parts.length >= MAX_PART_NUMBERS || seen.has(g.compact) || !partNumberLike(g.compact, g.raw)) continue;
    seen.add(g.compact);
    parts.push(compile(g.raw, g.compact));
  }
  const models: PartNumber[] = [];
  for (const m of Array.isArray(modelNumbers) ? modelNumbers.slice(0, MAX_PART_NUMBERS) : []) {
    const c = typeof m === 'string' ? compact(m.slice(0, MAX_PRODUCT_TEXT)) : '';
    if (c.replace(/\*/g, '').length >= 3) models.push(compile(m, c));
  }
  const all = wordsOf(text, true);
  const words = [...new Set(all.filter((w) => !GENERIC.has(w)))];
  const inParts = new Set(parts.flatMap((p) => wordsOf(p.text, false)));
  const otherWords = words.filter((w) => !inParts.has(w));
  const wholeOnly = words.length === 0 || (words.length === 1 && !/\d/.test(words[0]!));
  return { name: text.trim(), parts, models, words, otherWords, whole: all.join(' '), wholeOnly };
}

interface Said {
  text: string;
  compact: string;
  /** Read from a name, not reported as a model. */
  fromName: boolean;
}

interface Prepared {
  /** Every word of the device's names. */
  words: Set<string>;
  /** Each name's words, joined (for the one-word product names). */
  wholes: Map<string, string>;
  names: { text: string; words: Set<string> }[];
  /** Its models whole and in groups, and the code groups of its names. */
  said: Said[];
  reportsModels: boolean;
}

/** What each DeviceNames object says, read once (the object must not change after use). */
const prepared = new WeakMap<DeviceNames, Prepared>();

const strings = (list: unknown): string[] => (Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : []);

/** The device matched last: one device meets many products in a row. */
let last: { d: DeviceNames; p: Prepared } | undefined;

function prepare(d: DeviceNames): Prepared {
  if (last?.d === d) return last.p;
  const cached = prepared.get(d);
  if (cached) {
    last = { d, p: cached };
    return cached;
  }
  const models = strings(d.models);
  const out: Prepared = { words: new Set(), wholes: new Map(), names: [], said: [], reportsModels: models.length > 0 };
  const say = (text: string, c: string, fromName: boolean) => {
    if (c.length < 3 || out.said.length >= MAX_DEVICE_MODELS || out.said.some((s) => s.compact === c)) return;
    out.said.push({ text, compact: c, fromName });
  };
  for (const m of models) {
    say(m.trim(), compact(fold(m)), false);
    for (const g of groups(m)) say(g.raw, g.compact, false);
  }
  for (const name of strings(d.names)) {
    const words = new Set(wordsOf(name, false));
    for (const w of words) out.words.add(w);
    out.names.push({ text: name.trim(), words });
    out.wholes.set(wordsOf(name, true).join(' '), name.trim());
    for (const g of groups(name)) say(g.raw, g.compact, true);
  }
  prepared.set(d, out);
  last = { d, p: out };
  return out;
}

/** True when the set holds every word (a loop: this runs for every product a device meets). */
function holdsAll(words: readonly string[], set: ReadonlySet<string>): boolean {
  for (let i = 0; i < words.length; i++) if (!set.has(words[i]!)) return false;
  return true;
}

function matchNumbers(p: ProductPattern, list: readonly PartNumber[], dev: Prepared, label: string): { how: 'model'; why: string } | undefined {
  for (let i = 0; i < list.length; i++) {
    const part = list[i]!;
    for (let j = 0; j < dev.said.length; j++) {
      const s = dev.said[j]!;
      if (part.first >= 0 && s.compact.charCodeAt(0) !== part.first) continue;
      if (!matches(part, s.compact) || (s.fromName && !holdsAll(p.otherWords, dev.words))) continue;
      return { how: 'model', why: `${label} ${s.text} matches ${part.text}` };
    }
  }
  return undefined;
}

const quoted = (text: string): string => (text.length > QUOTED ? `${text.slice(0, QUOTED)}…` : text);

function matchName(p: ProductPattern, dev: Prepared): { how: 'name'; why: string } | undefined {
  let names: string;
  if (p.wholeOnly) {
    const equal = p.whole ? dev.wholes.get(p.whole) : undefined;
    if (equal === undefined) return undefined;
    names = equal;
  } else {
    if (!holdsAll(p.words, dev.words)) return undefined;
    names = dev.names.filter((n) => p.words.some((w) => n.words.has(w))).map((n) => n.text).join("', '");
  }
  return { how: 'name', why: `product name ${quoted(p.name)} matches '${quoted(names)}'` };
}

/**
 * Whether the product names the device: by part or model number first, else by name; undefined
 * when it does not. Pass the same DeviceNames object for one device across products.
 */
export function matchProduct(p: ProductPattern, d: DeviceNames): { how: 'model' | 'name'; why: string } | undefined {
  const dev = prepare(d);
  const byNumber = matchNumbers(p, p.parts, dev, 'part number') ?? matchNumbers(p, p.models, dev, 'model number');
  if (byNumber) return byNumber;
  // A part number in the name that the device does not carry: another product of the family.
  if (p.parts.length) return undefined;
  // Model numbers listed and models reported, none alike: another variant.
  if (p.models.length && dev.reportsModels) return undefined;
  return matchName(p, dev);
}

/** Characters of a part number's head an index key takes. */
export const KEY_PREFIX = 8;

/**
 * What an index needs to offer a product only to devices that could match it: the head of each
 * of its part and model numbers, its distinctive words (all of which a name match needs), or its
 * whole name (the one-word ones). `always`: a number starts with a wildcard, so no key bounds it.
 */
export function patternKeys(p: ProductPattern): { always: boolean; numbers: string[]; words: readonly string[]; whole?: string } {
  const numbers = [...p.parts, ...p.models].map((x) => (x.head ? `#${x.head.slice(0, KEY_PREFIX)}` : x.lead ? `@${x.lead.skip}:${x.lead.run}` : ''));
  // With a part number in its name, a product never matches by name (matchProduct).
  const byName = p.parts.length === 0;
  return { always: numbers.includes(''), numbers, words: byName && !p.wholeOnly ? p.words : [], ...(byName && p.wholeOnly && p.whole ? { whole: p.whole } : {}) };
}

/** The keys a device offers: every prefix (up to KEY_PREFIX) of what it says as a number (and after one to three leading characters), its words, its names whole. */
export function deviceKeys(d: DeviceNames): string[] {
  const dev = prepare(d);
  const keys = new Set<string>();
  for (const s of dev.said) {
    for (let k = 1; k <= KEY_PREFIX && k <= s.compact.length; k++) keys.add(`#${s.compact.slice(0, k)}`);
    // A number whose first characters are wildcards ('X-200IRT'): the characters after them.
    for (let skip = 1; skip <= 3; skip++) for (let k = 1; k <= KEY_PREFIX && skip + k <= s.compact.length; k++) keys.add(`@${skip}:${s.compact.slice(skip, skip + k)}`);
  }
  for (const w of dev.words) keys.add(`w:${w}`);
  for (const whole of dev.wholes.keys()) keys.add(`=${whole}`);
  return [...keys];
}
