// BACnet tag reader (clause 20.2.1): application and context tags, opening and closing tags.
// Reads through a Cursor, so a short or lying length never reads past the PDU.

import type { Cursor } from '../cursor.js';

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
