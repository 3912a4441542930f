// Firmware versions as vendors write them (v2.70, SV3.51, V17 SP1 Update 3, 01.07.13(10)) and the
// version ranges of CISA's advisories (< V4.1.3, >= 2.3x | <= 6.00.327, vers:intdot/<26.01.12,
// All versions < V11.32), read tolerantly and compared without throwing on any text.
//
// A version is a list of parts compared left to right; each part is one number:
// - a number segment is its value: segments compare as integers, so 2.9 < 2.10, and leading
//   zeros carry no weight (5.008 equals 5.8, 01.07 equals 1.7: vendors pad segments to a width,
//   they do not write decimal fractions);
// - a missing trailing segment is 0 (4.1 equals 4.1.0);
// - a letter suffix (1.02C, HW00, R2) sits between 0 and 1 in its place, ordered alphabetically:
//   1.02 < 1.02C < 1.02D < 1.03;
// - a post-release keyword sits there too, ranked hotfix/patch < update < service pack, and its
//   number follows: V17 < V17 Update 5 < V17 SP1 < V17 SP1 Update 2 < V17.1 < V18;
// - a pre-release word (alpha, beta, rc, dev) sits below 0: 2.0 rc1 < 2.0;
// - an x or * wildcard ends the version and compares equal to anything from its place on
//   (11.x equals 11.4.2); digits before it are a prefix of that segment (2.3x equals 2.35).

/** Longest text read as one version; a longer text is prose, not a version. */
export const MAX_VERSION_TEXT = 96;
/** Parts kept of one version; later parts are ignored (no vendor writes more). */
export const MAX_VERSION_PARTS = 16;

export interface Version {
  readonly text: string;
  /** Comparable parts (see the file header). */
  readonly parts: readonly number[];
  /** Index of the wildcard part, or -1. */
  readonly wildAt: number;
  /** Digits that prefix the segment at wildAt ('3' of 2.3x), or -1 when the wildcard stands alone. */
  readonly wildDigits: number;
}

const SP = 0.7;
const UPDATE = 0.6;
const HOTFIX = 0.5;
const KEYWORDS: ReadonlyMap<string, number> = new Map([
  ['sp', SP],
  ['update', UPDATE], ['upd', UPDATE],
  ['hf', HOTFIX], ['hotfix', HOTFIX], ['patch', HOTFIX], ['p', HOTFIX], ['fix', HOTFIX],
  ['dev', -0.4], ['alpha', -0.3], ['beta', -0.2], ['preview', -0.15], ['rc', -0.1], ['pre', -0.1],
]);
/** Words that only separate (5.2.0 build 140805 is 5.2.0.140805). */
const FILLERS = new Set(['build']);
/** Letters kept of a letter part; enough to order every suffix vendors use. */
const LETTERS_KEPT = 6;
const LETTER_SCALE = 27 ** LETTERS_KEPT;

/** Words in front of a version: V2.70, SV3.51, FW 1.4.363.107, Ver.2.60, firmware version 2.1. */
const PREFIX = /^(?:firmware|version|release|revision|rev|ver|fw|sv|v|r)(?:\s*[.:]\s*|\s+|(?=\d))/;
/** Parenthesised asides that hold words ("(Jan 2020)"), not digits ("(10)" is a build). */
const ASIDE = /\([^()]*[a-z]{2}[^()]*\)/g;

/** A letter run as a number between 0.1 and 0.4, ordered alphabetically. */
function letterPart(run: string): number {
  let code = 0;
  for (let i = 0; i < LETTERS_KEPT; i++) code = code * 27 + (i < run.length ? run.charCodeAt(i) - 96 : 0);
  return 0.1 + (0.3 * code) / LETTER_SCALE;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isLetter = (c: number): boolean => c >= 97 && c <= 122;
const SEPARATORS = new Set(['.', '-', '_', ' ', '(', ')']);

interface Scan {
  parts: number[];
  wildAt: number;
  wildDigits: number;
  /** False when the text went on with something that is not part of a version. */
  whole: boolean;
}

/** Reads the parts of `s` (lower case, prefix stripped, starting with a digit). */
function scan(s: string): Scan | undefined {
  const out: Scan = { parts: [], wildAt: -1, wildDigits: -1, whole: true };
  let i = 0;
  while (i < s.length && out.parts.length < MAX_VERSION_PARTS) {
    const c = s.charCodeAt(i);
    if (isDigit(c)) {
      let j = i;
      while (j < s.length && isDigit(s.charCodeAt(j))) j++;
      const value = Number(s.slice(i, j));
      if (s[j] === 'x' && !isLetter(s.charCodeAt(j + 1) || 0)) {
        out.wildAt = out.parts.length;
        out.wildDigits = value;
        return out;
      }
      out.parts.push(value);
      i = j;
    } else if (isLetter(c)) {
      let j = i;
      while (j < s.length && isLetter(s.charCodeAt(j))) j++;
      const run = s.slice(i, j);
      const attached = isDigit(s.charCodeAt(i - 1) || 0) || isDigit(s.charCodeAt(j) || 0);
      const keyword = KEYWORDS.get(run);
      if (/^x+$/.test(run)) {
        out.wildAt = out.parts.length;
        return out;
      }
      if (keyword !== undefined) out.parts.push(keyword);
      else if (run.length <= 2) out.parts.push(letterPart(run));
      else if (!FILLERS.has(run)) {
        // A long word inside a token is a part number or a hash (1SAP561200R0001, 9d9eff4);
        // after a space it is prose following the version.
        return attached ? undefined : { ...out, whole: false };
      }
      i = j;
    } else if (c === 42 /* * */) {
      out.wildAt = out.parts.length;
      return out;
    } else if (SEPARATORS.has(s[i]!)) i++;
    else return { ...out, whole: false };
  }
  return out;
}

/** Zero segments before a post-release keyword or at the end say nothing: V17.0 SP1 is V17 SP1. */
function trimZeros(parts: number[]): number[] {
  const kept: number[] = [];
  for (const part of parts) {
    if (part >= HOTFIX && part < 1) while (kept.length > 1 && kept[kept.length - 1] === 0) kept.pop();
    kept.push(part);
  }
  while (kept.length > 1 && kept[kept.length - 1] === 0) kept.pop();
  return kept;
}

/** Reads a version; `strict` refuses text that goes on after it (a range's bound must be whole). */
function readVersion(text: string, strict: boolean): Version | undefined {
  if (typeof text !== 'string' || text.length > MAX_VERSION_TEXT) return undefined;
  let s = text.toLowerCase().replace(ASIDE, ' ').replace(/service\s*pack\s*/g, 'sp').trim();
  for (let k = 0; k < 4; k++) {
    const m = PREFIX.exec(s);
    if (!m) break;
    s = s.slice(m[0].length);
  }
  if (!isDigit(s.charCodeAt(0) || 0)) return undefined;
  const read = scan(s);
  if (!read || (strict && !read.whole)) return undefined;
  const parts = read.wildAt >= 0 ? read.parts : trimZeros(read.parts);
  return { text: text.trim(), parts, wildAt: read.wildAt, wildDigits: read.wildDigits };
}

/**
 * A device's or an advisory's version, or undefined when the text does not start with one
 * (S7-1211, TSXETY4103 *). Prefixes V, SV, FW, firmware, version are stripped; words after the
 * version are ignored ("2.1.0 release candidate" is 2.1.0).
 */
export function parseVersion(text: string): Version | undefined {
  return readVersion(text, false);
}

/** True when `n`'s decimal digits start with `prefix`'s (35 starts with 3). */
function digitPrefix(n: number, prefix: number): boolean {
  if (!Number.isInteger(n) || n < 0) return false;
  while (n > prefix) n = Math.floor(n / 10);
  return n === prefix;
}

/** The comparison at a wildcard of `w` against `other`'s part there: 0 when it matches. */
function atWildcard(w: Version, other: Version, i: number): number {
  if (w.wildDigits < 0) return 0;
  const part = other.parts[i] ?? 0;
  if (digitPrefix(part, w.wildDigits)) return 0;
  return w.wildDigits < part ? -1 : 1;
}

/** <0 when a is older than b, 0 when they are the same version, >0 when a is newer. */
export function compareVersions(a: Version, b: Version): number {
  const n = Math.max(a.parts.length, b.parts.length, a.wildAt + 1, b.wildAt + 1);
  for (let i = 0; i < n; i++) {
    if (i === a.wildAt) return atWildcard(a, b, i);
    if (i === b.wildAt) return 0 - atWildcard(b, a, i);
    const x = a.parts[i] ?? 0;
    const y = b.parts[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Longest range text read; a longer one is prose and left unread. */
export const MAX_RANGE_TEXT = 400;
/** Bounds read of one range. */
export const MAX_RANGE_BOUNDS = 32;
/** Characters of a range quoted in an explanation. */
const QUOTED_RANGE = 80;

export type BoundOp = '<' | '<=' | '>' | '>=' | '=';

export interface Bound {
  readonly op: BoundOp;
  readonly version: Version;
}

export interface VersionRange {
  readonly text: string;
  /** Every version is affected (vers:all/*, All versions). */
  readonly all: boolean;
  /** False when the text could not be read; checks then say 'unknown'. */
  readonly parsed: boolean;
  /** The affected versions: any of these intervals, each the AND of its bounds. */
  readonly anyOf: readonly (readonly Bound[])[];
}

/** Comparisons written in words, as symbols ("2.00 to 6.11" is 2.00 <= 6.11, read below). */
const WORDS: readonly [RegExp, string][] = [
  [/\b(?:and|or)\s+(?:earlier|prior|older|before|below|lower)(?:\s+versions?)?\b/g, ' ~le '],
  [/\b(?:and|or)\s+(?:later|newer|higher|above|after|greater)(?:\s+versions?)?\b/g, ' ~ge '],
  [/\b(?:but not including|prior to|before|earlier than|older than|lower than|less than|below)\b/g, ' < '],
  [/\b(?:up to and including|up to|through|thru|to)\b|\s-\s/g, ' <= '],
  [/\b(?:later than|newer than|greater than|after|above)\b/g, ' > '],
  [/\b(?:from|since|starting (?:with|from))\b/g, ' >= '],
  [/\bonly\b|^versions?\b/g, ' '],
];

/** Operators, separators and the text between them. */
const PIECES = /(<=|>=|=<|=>|==|<|>|=|~le|~ge|\||,|;|\band\b|\bor\b)/;
const OPERATOR = /^(?:[<>=]=?|=[<>])$/;
const SEPARATOR = /^(?:\||,|;|and|or)$/;

interface Piece {
  op: BoundOp | undefined;
  text: string;
}

function normalise(text: string): string {
  let s = text.toLowerCase().replaceAll('_', ' ').replaceAll('≤', '<=').replaceAll('≥', '>=');
  s = s.replace(ASIDE, ' ');
  const open = s.search(/\([^)]*[a-z]{2}/); // an aside left open runs to the end
  if (open >= 0) s = s.slice(0, open);
  return s.replace(/\s+/g, ' ').trim();
}

const asOp = (t: string): BoundOp => (t === '=<' ? '<=' : t === '=>' ? '>=' : t === '==' ? '=' : (t as BoundOp));

/**
 * Splits the text into bounds: an operator and the text after it. A bare version is that version,
 * or the lower bound when an upper bound follows it directly (2.00 <= 6.11: from 2.00 to 6.11);
 * a postfix "and earlier" makes the bare version before it an upper bound.
 */
function pieces(s: string): Piece[] | undefined {
  const out: Piece[] = [];
  let current: Piece | undefined;
  for (const token of s.split(PIECES)) {
    const t = token.trim();
    if (t === '') continue;
    if (t === '~le' || t === '~ge') {
      if (!current || current.op !== undefined) return undefined;
      current.op = t === '~le' ? '<=' : '>=';
      current = undefined;
    } else if (OPERATOR.test(t)) {
      const op = asOp(t);
      if (current && current.op === undefined && (op === '<' || op === '<=')) current.op = '>=';
      if (current && current.op !== undefined && !current.text) current.op = op; // "- but not including"
      else out.push((current = { op, text: '' }));
    } else if (SEPARATOR.test(t)) current = undefined;
    else if (current && current.op !== undefined && !current.text) current.text = t;
    else if (current) return undefined; // two versions side by side: prose
    else out.push((current = { op: undefined, text: t }));
    if (out.length > MAX_RANGE_BOUNDS) return undefined;
  }
  return out;
}

function bounds(list: Piece[]): Bound[] | undefined {
  const out: Bound[] = [];
  for (const piece of list) {
    const version = readVersion(piece.text, true);
    if (!version) return undefined;
    out.push({ op: piece.op ?? '=', version });
  }
  return out;
}

const isLower = (op: BoundOp): boolean => op === '>' || op === '>=';

/** Bounds sorted by version into intervals, as the VERS specification pairs them. */
function intervals(list: Bound[]): Bound[][] {
  const sorted = [...list].sort((a, b) => compareVersions(a.version, b.version) || (isLower(a.op) ? -1 : 1));
  const out: Bound[][] = [];
  let lower: Bound | undefined;
  for (const b of sorted) {
    if (b.op === '=') out.push([b]);
    else if (isLower(b.op)) lower ??= b; // a second lower bound is inside the first's interval
    else {
      out.push(lower ? [lower, b] : [b]);
      lower = undefined;
    }
  }
  if (lower) out.push([lower]);
  return out;
}

const unread = (text: string): VersionRange => ({ text, all: false, parsed: false, anyOf: [] });

/**
 * Reads an advisory's version range; never throws. `exact`: the text is a CSAF product_version
 * (a version, or a short list of them); a bare version means that version in both cases.
 */
export function parseRange(text: string, exact = false): VersionRange {
  if (typeof text !== 'string') return unread('');
  if (text.length > MAX_RANGE_TEXT) return unread(text);
  if (exact) {
    const version = readVersion(text, true);
    if (version) return { text, all: false, parsed: true, anyOf: [[{ op: '=', version }]] };
  }
  let s = normalise(text);
  if (s.startsWith('vers:')) s = s.slice(s.indexOf('/') + 1).trim();
  if (s === '*') return { text, all: true, parsed: true, anyOf: [] };
  if (/^all\b/.test(s)) {
    s = s.replace(/^all\b(?:[^<>=\d]*?\bversions?\b)?/, '').trim();
    if (!/\d/.test(s)) return { text, all: true, parsed: true, anyOf: [] };
  }
  for (const [word, symbol] of WORDS) s = s.replace(word, symbol);
  const list = pieces(s);
  const read = list && list.length > 0 ? bounds(list) : undefined;
  return read ? { text, all: false, parsed: true, anyOf: intervals(read) } : unread(text);
}

export type VersionCheck = 'affected' | 'not_affected' | 'unknown';

const SAYS: Record<BoundOp, string> = { '<': 'below', '<=': 'at or below', '>': 'above', '>=': 'at or above', '=': '' };
const DENIES: Record<BoundOp, string> = { '<': 'at or above', '<=': 'above', '>': 'at or below', '>=': 'below', '=': 'not' };

function holds(device: Version, b: Bound): boolean {
  const c = compareVersions(device, b.version);
  return b.op === '<' ? c < 0 : b.op === '<=' ? c <= 0 : b.op === '>' ? c > 0 : b.op === '>=' ? c >= 0 : c === 0;
}

const phrase = (words: string, b: Bound): string => (words ? `${words} ${b.version.text}` : b.version.text);

function quoted(text: string): string {
  const t = text.trim();
  return t.length > QUOTED_RANGE ? `${t.slice(0, QUOTED_RANGE)}…` : t;
}

/**
 * Whether a device's firmware is in an advisory's range, with the reason in a sentence.
 * A range of every version is affected even when the device did not say its firmware.
 */
export function checkVersion(device: string | undefined, range: VersionRange): { result: VersionCheck; why: string } {
  const text = quoted(range.text);
  if (range.all) return { result: 'affected', why: `every version is affected (${text})` };
  if (!range.parsed) return { result: 'unknown', why: `the range '${text}' could not be read` };
  if (typeof device !== 'string' || device.trim() === '') return { result: 'unknown', why: 'the device did not say its firmware version' };
  const version = parseVersion(device);
  const shown = device.trim().replace(/^(?:firmware|fw)\b[\s:.]*/i, '');
  if (!version) return { result: 'unknown', why: `the firmware version '${quoted(device)}' could not be read` };
  for (const interval of range.anyOf) {
    if (interval.every((b) => holds(version, b))) {
      const where = interval.map((b) => phrase(SAYS[b.op], b)).join(' and ');
      return { result: 'affected', why: `firmware ${shown} is ${where} (range ${text})` };
    }
  }
  const only = range.anyOf.length === 1 ? range.anyOf[0]!.find((b) => !holds(version, b)) : undefined;
  const where = only ? phrase(DENIES[only.op], only) : 'outside every affected range';
  return { result: 'not_affected', why: `firmware ${shown} is ${where} (range ${text})` };
}
