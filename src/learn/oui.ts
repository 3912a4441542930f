// MAC address -> IEEE registrant, from the IEEE OUI registry as packaged by oui-data.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

let vendors: Map<number, string> | undefined;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const LETTER_N = 0x6e;

/** The value of an upper-case hex digit, or -1. */
function hexDigit(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  return -1;
}

/** The 24-bit prefix written as six hex digits at `at`, or -1. */
function prefixAt(bytes: Buffer, at: number): number {
  let v = 0;
  for (let k = 0; k < 6; k++) {
    const d = hexDigit(bytes[at + k] ?? 0);
    if (d < 0) return -1;
    v = (v << 4) | d;
  }
  return v;
}

function skipSpace(bytes: Buffer, at: number): number {
  while (at < bytes.length && (bytes[at] === 0x20 || bytes[at] === 0x0a || bytes[at] === 0x0d || bytes[at] === 0x09)) at++;
  return at;
}

/**
 * The registrant in the JSON string whose bytes start at `start` (after its opening quote): its
 * first line (the rest is a postal address). Returns where the string ends and the name.
 */
function firstLine(bytes: Buffer, start: number): { end: number; name: string } {
  let lineEnd = -1;
  let escaped = false;
  let at = start;
  for (; at < bytes.length && bytes[at] !== QUOTE; at++) {
    if (bytes[at] !== BACKSLASH) continue;
    if (lineEnd < 0 && bytes[at + 1] === LETTER_N) lineEnd = at;
    else if (lineEnd < 0) escaped = true;
    at++;
  }
  // Decoded from the file's bytes: a string of its own, not a slice of the whole file's text.
  const raw = bytes.toString('utf8', start, lineEnd < 0 ? at : lineEnd).trim().replace(/,$/, '');
  return { end: at, name: escaped ? (JSON.parse(`"${raw}"`) as string) : raw };
}

/**
 * Loaded on first use and reduced to registrant names. The package's JSON (5.6 MB) also holds
 * postal addresses: its bytes are scanned entry by entry ("XXXXXX": "Name\n..."), never made
 * into one string (11 MB) or parsed whole: about 70 ms and 63 MB resident where decoding it to
 * one string and scanning that took 100 ms and 76 MB, on a 2 GB industrial PC.
 */
function table(): Map<number, string> {
  if (vendors) return vendors;
  const bytes = readFileSync(createRequire(import.meta.url).resolve('oui-data'));
  vendors = new Map();
  const names = new Map<string, string>(); // one string per registrant, however many prefixes it has
  for (let at = bytes.indexOf(QUOTE); at >= 0; at = bytes.indexOf(QUOTE, at + 1)) {
    const prefix = prefixAt(bytes, at + 1);
    if (prefix < 0 || bytes[at + 7] !== QUOTE) continue;
    const colon = skipSpace(bytes, at + 8);
    if (bytes[colon] !== COLON) continue;
    const open = skipSpace(bytes, colon + 1);
    if (bytes[open] !== QUOTE) continue;
    const { end, name } = firstLine(bytes, open + 1);
    let shared = names.get(name);
    if (shared === undefined) names.set(name, (shared = name));
    vendors.set(prefix, shared);
    at = end;
  }
  return vendors;
}

/**
 * The registrant of a MAC address's OUI; undefined for group (multicast) and locally
 * administered addresses, which no vendor owns, and for unregistered prefixes.
 */
export function macVendor(mac: string): string | undefined {
  const first = parseInt(mac.slice(0, 2), 16);
  if (Number.isNaN(first) || first & 0x03) return undefined;
  return table().get(parseInt(mac.slice(0, 8).replaceAll(':', ''), 16));
}
