// BACnet tag reader (clause 20.2.1): application and context tags, opening and closing tags.
// Reads through a Cursor, so a short or lying length never reads past the PDU.

import type { Cursor } from '../cursor.js';
import { doubleValue, singleValue } from '../values.js';

export class Tag {
  number = 0;
  context = false;
  opening = false;
  closing = false;
  /** Content length; for an application boolean the value itself. */
  length = 0;
  /** Offset of the content in the buffer. */
  valueOffset = 0;
}

/** Longest content we accept for one tag: far above any real value, bounds a lying length. */
const MAX_TAG_LENGTH = 1 << 20;

/** Read a tag header at the cursor. Returns false (cursor not ok) on a malformed header. */
export function readTag(c: Cursor, tag: Tag): boolean {
  const b = c.u8();
  if (!c.ok) return false;
  tag.number = b >> 4;
  if (tag.number === 15) tag.number = c.u8();
  tag.context = (b & 0x08) !== 0;
  const lvt = b & 0x07;
  tag.opening = tag.context && lvt === 6;
  tag.closing = tag.context && lvt === 7;
  tag.length = 0;
  if (tag.opening || tag.closing) {
    tag.valueOffset = c.pos;
    return c.ok;
  }
  if (lvt < 5) tag.length = lvt;
  else {
    const ext = c.u8();
    if (ext < 254) tag.length = ext;
    else if (ext === 254) tag.length = c.u16be();
    else tag.length = c.u32be();
  }
  tag.valueOffset = c.pos;
  // Application boolean: the value is in LVT and there is no content.
  if (!tag.context && tag.number === 1) {
    tag.length = lvt;
    return c.ok;
  }
  if (tag.length > MAX_TAG_LENGTH) {
    c.ok = false;
    return false;
  }
  return c.ok;
}

/** Read a tag and its unsigned content (1-4 bytes); returns -1 when malformed or too long. */
export function readUnsigned(c: Cursor, tag: Tag): number {
  if (!readTag(c, tag) || tag.opening || tag.closing) return -1;
  if (tag.length < 1 || tag.length > 4) {
    c.skip(tag.length);
    return -1;
  }
  return c.uintBE(tag.length);
}

/** Skip the content of the tag just read: its bytes, or everything up to its closing tag. */
export function skipContent(c: Cursor, tag: Tag, scratch: Tag): boolean {
  if (tag.closing) return c.ok;
  if (!tag.opening) {
    if (tag.context || tag.number !== 1) c.skip(tag.length);
    return c.ok;
  }
  let depth = 1;
  while (depth > 0 && c.ok) {
    if (!readTag(c, scratch)) return false;
    if (scratch.opening) depth++;
    else if (scratch.closing) depth--;
    else if (scratch.context || scratch.number !== 1) c.skip(scratch.length);
  }
  return c.ok;
}

/** Peek at the next tag without moving the cursor. */
export function peekTag(c: Cursor, tag: Tag): boolean {
  const pos = c.pos;
  const wasOk = c.ok;
  const ok = readTag(c, tag);
  c.pos = pos;
  c.ok = wasOk;
  return ok;
}

/** Application tags whose content is a number (clause 20.2): Boolean, Unsigned, Signed, REAL, Double, Enumerated. */
const NUMERIC_TAGS = new Set([1, 2, 3, 4, 5, 9]);

export function isNumericTag(tag: Tag): boolean {
  return !tag.context && !tag.opening && !tag.closing && NUMERIC_TAGS.has(tag.number);
}

/** What is wrong with a numeric application tag's length, or undefined when its type allows it. */
export function numericLengthFault(tag: Tag): string | undefined {
  const n = tag.length;
  switch (tag.number) {
    case 1:
      return n > 1 ? `Boolean of value ${n}` : undefined;
    case 4:
      return n !== 4 ? `REAL of ${n} bytes` : undefined;
    case 5:
      return n !== 8 ? `Double of ${n} bytes` : undefined;
    default:
      return n < 1 || n > 8 ? `${tag.number === 3 ? 'Signed' : tag.number === 2 ? 'Unsigned' : 'Enumerated'} of ${n} bytes` : undefined;
  }
}

/**
 * The number a numeric application tag just read holds (its length checked by
 * numericLengthFault), consuming its content; null for a REAL or Double that is not finite.
 * Integers past 2^53 are approximate.
 */
export function readNumber(c: Cursor, tag: Tag): number | null {
  if (tag.number === 1) return tag.length;
  const b = c.bytes(tag.length);
  if (b.length !== tag.length) return null;
  if (tag.number === 4) return singleValue(b.readFloatBE(0));
  if (tag.number === 5) return doubleValue(b.readDoubleBE(0));
  let v = 0;
  for (let i = 0; i < b.length; i++) v = v * 256 + b[i]!;
  return tag.number === 3 && b[0]! & 0x80 ? v - 2 ** (8 * b.length) : v;
}

/** Characters kept of a CharacterString: names and versions, never bulk text. */
export const MAX_STRING_CHARS = 128;
/** Character sets (clause 20.2.9) read as text: ISO 10646 UTF-8 (once ANSI X3.4) and ISO 8859-1. */
const CHARSET_UTF8 = 0;
const CHARSET_LATIN1 = 5;
/** Bytes decoded at most: MAX_STRING_CHARS of the widest UTF-8 characters. */
const MAX_STRING_BYTES = 4 * MAX_STRING_CHARS;

/**
 * The text of the CharacterString content of `length` bytes at the cursor (consumed, its first
 * octet the character set): UTF-8 or ISO 8859-1, trailing NULs and spaces (padding) dropped,
 * control characters replaced by '?' (device strings are attacker-controlled and could forge log
 * lines), at most MAX_STRING_CHARS; undefined for another character set or content cut short.
 */
export function readCharacterString(c: Cursor, length: number): string | undefined {
  const b = c.bytes(length);
  if (length < 1 || b.length !== length) return undefined;
  const charset = b[0];
  if (charset !== CHARSET_UTF8 && charset !== CHARSET_LATIN1) return undefined;
  const end = Math.min(length, 1 + MAX_STRING_BYTES);
  const text = b.toString(charset === CHARSET_UTF8 ? 'utf8' : 'latin1', 1, end).replace(/[\0\s]+$/, '');
  // eslint-disable-next-line no-control-regex
  return text.slice(0, MAX_STRING_CHARS).replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, '?');
}
