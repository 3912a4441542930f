// OPC UA binary encoding (OPC 10000-6 clause 5.2) over a Cursor: read what policy needs,
// skip the rest by its encoding. Nesting is depth-limited so hostile bodies cannot recurse deep.

import type { Cursor } from '../cursor.js';
import type { Anomaly } from '../operation.js';
import { doubleValue, singleValue } from '../values.js';

const MAX_DEPTH = 8;
/** Longest string we turn into text: names and URIs, never bulk values. */
const MAX_TEXT = 256;

/** Int32-length-prefixed String/ByteString; -1 means null. Returns undefined when absent or null. */
export function readString(c: Cursor): string | undefined {
  const len = c.i32le();
  if (len <= 0) return len === 0 ? '' : undefined;
  const b = c.bytes(len);
  if (!c.ok) return undefined;
  // Control characters in names could forge log lines downstream: replace them.
  // eslint-disable-next-line no-control-regex
  return b.toString('utf8', 0, Math.min(len, MAX_TEXT)).replace(/[\x00-\x1f\x7f]/g, '?');
}

export function skipString(c: Cursor): void {
  const len = c.i32le();
  if (len > 0) c.skip(len);
}

/** Array length: -1 (null) reads as 0; negative or impossible lengths clear `ok`. */
export function readArrayLength(c: Cursor): number {
  const n = c.i32le();
  if (n === -1) return 0;
  if (n < -1 || n > c.remaining) {
    c.ok = false;
    return 0;
  }
  return n;
}

export function skipStringArray(c: Cursor): void {
  const n = readArrayLength(c);
  for (let i = 0; i < n && c.ok; i++) skipString(c);
}

/** NodeId in the standard text form: i=85, ns=2;s=Motor.Speed, ns=1;g=..., ns=1;b=... */
export function readNodeId(c: Cursor): string {
  const enc = c.u8();
  return nodeIdBody(c, enc & 0x3f);
}

/** ExpandedNodeId: a NodeId whose encoding byte may add a namespace URI and a server index. */
export function readExpandedNodeId(c: Cursor): string {
  const enc = c.u8();
  let id = nodeIdBody(c, enc & 0x3f);
  if (enc & 0x80) {
    const uri = readString(c);
    if (uri !== undefined) id = `nsu=${uri};${id.replace(/^ns=\d+;/, '')}`;
  }
  if (enc & 0x40) {
    const server = c.u32le();
    if (server !== 0) id = `svr=${server};${id}`;
  }
  return id;
}

function ns(n: number): string {
  return n === 0 ? '' : `ns=${n};`;
}

function nodeIdBody(c: Cursor, enc: number): string {
  switch (enc) {
    case 0:
      return `i=${c.u8()}`;
    case 1: {
      const n = c.u8();
      return `${ns(n)}i=${c.u16le()}`;
    }
    case 2: {
      const n = c.u16le();
      return `${ns(n)}i=${c.u32le()}`;
    }
    case 3: {
      const n = c.u16le();
      return `${ns(n)}s=${readString(c) ?? ''}`;
    }
    case 4: {
      const n = c.u16le();
      const g = c.bytes(16);
      if (!c.ok) return '';
      const d1 = g.readUInt32LE(0).toString(16).padStart(8, '0');
      const d2 = g.readUInt16LE(4).toString(16).padStart(4, '0');
      const d3 = g.readUInt16LE(6).toString(16).padStart(4, '0');
      const d4 = g.toString('hex', 8, 10);
      const d5 = g.toString('hex', 10, 16);
      return `${ns(n)}g=${d1}-${d2}-${d3}-${d4}-${d5}`;
    }
    case 5: {
      const n = c.u16le();
      const len = c.i32le();
      const b = len > 0 ? c.bytes(len) : undefined;
      return `${ns(n)}b=${b ? b.toString('base64', 0, Math.min(b.length, MAX_TEXT)) : ''}`;
    }
    default:
      c.ok = false;
      return '';
  }
}

/** The numeric id of a namespace-0 NodeId, or -1 for any other NodeId (consumes it either way). */
export function readNumericNodeId(c: Cursor): number {
  const enc = c.u8() & 0x3f;
  if (enc === 0) return c.u8();
  if (enc === 1) return c.u8() === 0 ? c.u16le() : (c.u16le(), -1);
  if (enc === 2) return c.u16le() === 0 ? c.u32le() : (c.u32le(), -1);
  nodeIdBody(c, enc);
  return -1;
}

export function skipQualifiedName(c: Cursor): void {
  c.skip(2);
  skipString(c);
}

export function readLocalizedText(c: Cursor): string | undefined {
  const mask = c.u8();
  if (mask & 0x01) skipString(c);
  return mask & 0x02 ? readString(c) : undefined;
}

/** Where a binary-encoded ExtensionObject's body lies in the buffer (end 0: none). */
export interface ExtensionBody {
  type: number;
  start: number;
  end: number;
}

/**
 * ExtensionObject: returns the numeric type id (namespace 0) or -1, and skips the body; `body`
 * (when given) learns where a binary body lies.
 */
export function skipExtensionObject(c: Cursor, body?: ExtensionBody): number {
  const type = readNumericNodeId(c);
  const enc = c.u8();
  if (enc === 1 || enc === 2) {
    const len = c.i32le();
    const start = c.pos;
    if (len > 0) c.skip(len);
    if (body && enc === 1 && c.ok) {
      body.type = type;
      body.start = start;
      body.end = c.pos;
    }
  } else if (enc !== 0) c.ok = false;
  return type;
}

export function skipDiagnosticInfo(c: Cursor, depth = 0): void {
  if (depth > MAX_DEPTH) {
    c.ok = false;
    return;
  }
  const mask = c.u8();
  if (mask & 0x01) c.skip(4);
  if (mask & 0x02) c.skip(4);
  if (mask & 0x08) c.skip(4);
  if (mask & 0x04) c.skip(4);
  if (mask & 0x10) skipString(c);
  if (mask & 0x20) c.skip(4);
  if (mask & 0x40) skipDiagnosticInfo(c, depth + 1);
}

const FIXED_SIZES = [0, 1, 1, 1, 2, 2, 4, 4, 8, 8, 4, 8, -1, 8, 16, -1, -1, -1, -1, 4];

function skipBuiltin(c: Cursor, type: number, depth: number): void {
  const fixed = FIXED_SIZES[type];
  if (fixed !== undefined && fixed >= 0) {
    c.skip(fixed);
    return;
  }
  switch (type) {
    case 12: // String
    case 15: // ByteString
    case 16: // XmlElement
      skipString(c);
      return;
    case 17:
      readNodeId(c);
      return;
    case 18:
      readExpandedNodeId(c);
      return;
    case 20:
      skipQualifiedName(c);
      return;
    case 21:
      readLocalizedText(c);
      return;
    case 22:
      skipExtensionObject(c);
      return;
    case 23:
      skipDataValue(c, depth + 1);
      return;
    case 24:
      skipVariant(c, depth + 1);
      return;
    case 25:
      skipDiagnosticInfo(c, depth + 1);
      return;
    default:
      c.ok = false;
  }
}

export function skipVariant(c: Cursor, depth = 0): void {
  readVariantNumber(c, undefined, depth);
}

export function skipDataValue(c: Cursor, depth = 0): void {
  readDataValue(c, depth);
}

/** Last built-in type id (DiagnosticInfo): a Variant of a higher one is malformed. */
const LAST_BUILTIN = 25;

/**
 * A scalar numeric Variant's value (Boolean as 0/1, SByte..UInt64, Float, Double; a 64-bit
 * integer past 2^53 approximate), consumed; null for any other Variant (skipped). A Variant of
 * no built-in type, or with dimensions but no array, is an anomaly (into `anomalies`).
 */
export function readVariantNumber(c: Cursor, anomalies?: Anomaly[], depth = 0): number | null {
  if (depth > MAX_DEPTH) {
    c.ok = false;
    return null;
  }
  const mask = c.u8();
  const type = mask & 0x3f;
  if (!c.ok || type === 0) return null;
  if (type > LAST_BUILTIN || (mask & 0xc0) === 0x40) {
    anomalies?.push({ type: 'invalid_value', detail: `Variant encoding 0x${mask.toString(16)}: ${type > LAST_BUILTIN ? `no built-in type ${type}` : 'dimensions without an array'}` });
    c.ok = false;
    return null;
  }
  if (mask & 0x80) {
    const n = readArrayLength(c);
    for (let i = 0; i < n && c.ok; i++) skipBuiltin(c, type, depth);
    if (mask & 0x40) c.skip(readArrayLength(c) * 4);
    return null;
  }
  if (type > 11) {
    skipBuiltin(c, type, depth);
    return null;
  }
  const size = FIXED_SIZES[type]!;
  const b = c.bytes(size);
  if (b.length !== size) return null;
  switch (type) {
    case 1:
      return b[0] ? 1 : 0;
    case 2:
      return b.readInt8(0);
    case 3:
      return b[0]!;
    case 4:
      return b.readInt16LE(0);
    case 5:
      return b.readUInt16LE(0);
    case 6:
      return b.readInt32LE(0);
    case 7:
      return b.readUInt32LE(0);
    case 8:
      return Number(b.readBigInt64LE(0));
    case 9:
      return Number(b.readBigUInt64LE(0));
    case 10:
      return singleValue(b.readFloatLE(0));
    default:
      return doubleValue(b.readDoubleLE(0));
  }
}

const VARIANT_EXTENSION_OBJECT = 22;

/**
 * A DataValue, consumed: its value when it is a scalar number (readVariantNumber) with a status
 * that is not Bad; else null. `extension` (when given) learns where the binary body of a scalar
 * ExtensionObject value lies (end 0: the value is none, or its status is Bad).
 */
export function readDataValue(c: Cursor, depth = 0, anomalies?: Anomaly[], extension?: ExtensionBody): number | null {
  if (extension) extension.end = 0;
  const mask = c.u8();
  let value: number | null = null;
  if (mask & 0x01) {
    // A scalar's encoding byte is its type alone (no array or dimension bits).
    if (extension && c.pos < c.end && c.buf[c.pos] === VARIANT_EXTENSION_OBJECT) {
      c.u8();
      skipExtensionObject(c, extension);
    } else value = readVariantNumber(c, anomalies, depth + 1);
  }
  if (mask & 0x02 && (c.u32le() & 0x80000000) !== 0) {
    value = null;
    if (extension) extension.end = 0;
  }
  if (mask & 0x04) c.skip(8);
  if (mask & 0x10) c.skip(2);
  if (mask & 0x08) c.skip(8);
  if (mask & 0x20) c.skip(2);
  return c.ok ? value : null;
}
