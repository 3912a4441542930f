// Modbus/TCP: MBAP framing and PDU decoding into PduRecords. Never throws.

import { Cursor } from '../cursor.js';
import type { Anomaly, Framing, ModbusTable, ModbusTarget, PduRecord } from '../operation.js';
import { MAX_VALUES, pushTarget } from '../operation.js';
import {
  CONTROL_SUBFUNCTIONS,
  DEVICE_ID_OBJECTS,
  DIAGNOSTIC_SUBFUNCTIONS,
  EXCEPTIONS,
  FUNCTIONS,
  MEI_TYPES,
  functionKind,
  functionName,
  type FunctionInfo,
} from './codes.js';

export const MBAP_LENGTH = 7;
/** The length field counts the unit id and the PDU; a PDU is at most 253 bytes. */
export const MAX_LENGTH_FIELD = 254;
export const MODBUS_PORT = 502;

/** Frame one ADU at `off`: MBAP says how long it is. */
export function frameModbus(buf: Buffer, off: number, end: number): Framing {
  const have = end - off;
  if (have < MBAP_LENGTH) {
    // Reject early on a bad protocol id so a non-Modbus stream is not buffered waiting for more.
    if (have >= 4 && (buf[off + 2] !== 0 || buf[off + 3] !== 0)) return invalidProtocolId(buf, off);
    return { status: 'incomplete', needed: MBAP_LENGTH - have };
  }
  if (buf[off + 2] !== 0 || buf[off + 3] !== 0) return invalidProtocolId(buf, off);
  const length = (buf[off + 4]! << 8) | buf[off + 5]!;
  if (length < 2 || length > MAX_LENGTH_FIELD) {
    return { status: 'invalid', anomaly: { type: 'invalid_length', detail: `MBAP length ${length} outside 2-${MAX_LENGTH_FIELD}` } };
  }
  const total = 6 + length;
  if (have < total) return { status: 'incomplete', needed: total - have };
  return { status: 'ok', length: total };
}

function invalidProtocolId(buf: Buffer, off: number): Framing {
  const id = (buf[off + 2]! << 8) | buf[off + 3]!;
  return { status: 'invalid', anomaly: { type: 'invalid_protocol_id', detail: `protocol id ${id}, must be 0` } };
}

/**
 * A strict test that bytes at `off` start a plausible Modbus ADU: used to recognise a stream
 * as Modbus and to resynchronise after a gap, where a false positive would invent operations.
 */
export function looksLikeModbus(buf: Buffer, off: number, end: number): boolean {
  const f = frameModbus(buf, off, end);
  if (f.status !== 'ok') return false;
  // Any non-zero code: undocumented codes are exactly what an attacker or a vendor tool sends.
  return (buf[off + 7]! & 0x7f) !== 0;
}

const cursor = new Cursor(Buffer.alloc(0));

/** Decode one framed ADU (MBAP + PDU) seen travelling in `direction`. */
export function decodeModbus(buf: Buffer, off: number, length: number, direction: 'request' | 'response'): PduRecord {
  const c = cursor.reset(buf, off, off + length);
  const transactionId = c.u16be();
  c.skip(2);
  const lengthField = c.u16be();
  const unit = c.u8();
  const rawFc = c.u8();
  const fc = rawFc & 0x7f;
  const anomalies: Anomaly[] = [];
  const rec: PduRecord = {
    protocol: 'modbus',
    direction,
    kind: functionKind(fc),
    code: fc,
    codeName: functionName(fc),
    transactionId,
    targets: [],
    anomalies,
  };
  if (!c.ok) {
    anomalies.push({ type: 'truncated', detail: 'ADU shorter than MBAP + function code' });
    return rec;
  }
  if (lengthField !== length - 6) anomalies.push({ type: 'invalid_length', detail: `MBAP length ${lengthField}, ADU carries ${length - 6}` });
  if (fc === 0) anomalies.push({ type: 'invalid_function_code', detail: 'function code 0' });
  if (rawFc & 0x80) {
    if (direction === 'request') anomalies.push({ type: 'invalid_function_code', detail: `exception bit set in a request (0x${rawFc.toString(16)})` });
    const code = c.u8();
    rec.outcome = { status: 'exception', code, name: EXCEPTIONS.get(code) ?? `Unknown exception ${code}` };
    if (!c.ok) anomalies.push({ type: 'truncated', detail: 'exception response without exception code' });
    else if (!EXCEPTIONS.has(code)) anomalies.push({ type: 'invalid_value', detail: `exception code ${code} is not defined` });
    finish(c, rec, unit);
    return rec;
  }
  if (direction === 'request') decodeRequest(c, fc, unit, rec);
  else {
    rec.outcome = { status: 'ok' };
    decodeResponse(c, fc, unit, rec);
  }
  finish(c, rec, unit);
  return rec;
}

function finish(c: Cursor, rec: PduRecord, unit: number): void {
  // Every Modbus record names its unit, even when the PDU carries no address.
  if (rec.targets.length === 0) pushTarget(rec, target(unit, undefined));
  if (!c.ok) rec.anomalies.push({ type: 'truncated', detail: `${rec.codeName} ${rec.direction} ends early` });
  else if (c.remaining > 0) rec.anomalies.push({ type: 'trailing_bytes', detail: `${c.remaining} bytes after the ${rec.codeName} ${rec.direction}` });
}

function target(unit: number, table: ModbusTable | undefined, start?: number, count?: number): ModbusTarget {
  // Whole at once where it can be (fields added later go to a store of their own, per request).
  if (table !== undefined && start !== undefined && count !== undefined) return { type: 'modbus', unit, table, start, count };
  const t: ModbusTarget = { type: 'modbus', unit };
  if (table !== undefined) t.table = table;
  if (start !== undefined) t.start = start;
  if (count !== undefined) t.count = count;
  return t;
}

function checkQuantity(rec: PduRecord, qty: number, min: number | undefined, max: number | undefined, what = 'quantity'): void {
  if (min !== undefined && max !== undefined && (qty < min || qty > max)) {
    rec.anomalies.push({ type: 'quantity_out_of_range', detail: `${rec.codeName}: ${what} ${qty} outside ${min}-${max}` });
  }
}

function decodeRequest(c: Cursor, fc: number, unit: number, rec: PduRecord): void {
  const info = FUNCTIONS.get(fc);
  switch (fc) {
    case 1:
    case 2:
    case 3:
    case 4: {
      const start = c.u16be();
      const qty = c.u16be();
      if (!c.ok) return;
      checkQuantity(rec, qty, info!.minQty, info!.maxQty);
      pushTarget(rec, target(unit, info!.table, start, qty));
      return;
    }
    case 5: {
      const addr = c.u16be();
      const value = c.u16be();
      if (!c.ok) return;
      if (value !== 0xff00 && value !== 0x0000) rec.anomalies.push({ type: 'invalid_value', detail: `coil value 0x${value.toString(16)}, must be 0xFF00 or 0x0000` });
      else rec.values = [value === 0xff00 ? 1 : 0];
      pushTarget(rec, target(unit, 'coils', addr, 1));
      return;
    }
    case 6: {
      const addr = c.u16be();
      const value = c.u16be();
      if (!c.ok) return;
      rec.values = [value];
      pushTarget(rec, target(unit, 'holding_registers', addr, 1));
      return;
    }
    case 22: {
      const addr = c.u16be();
      c.skip(4);
      if (!c.ok) return;
      pushTarget(rec, target(unit, 'holding_registers', addr, 1));
      return;
    }
    case 15:
    case 16:
      decodeWriteMultiple(c, fc, unit, rec, info!);
      return;
    case 23:
      decodeReadWriteMultiple(c, unit, rec);
      return;
    case 20:
    case 21:
      decodeFileRecords(c, fc, unit, rec);
      return;
    case 24: {
      const addr = c.u16be();
      if (c.ok) pushTarget(rec, target(unit, 'fifo', addr, 1));
      return;
    }
    case 8:
      decodeDiagnostics(c, unit, rec);
      return;
    case 43:
      decodeMei(c, unit, rec, 'request');
      return;
    case 7:
    case 11:
    case 12:
    case 17:
      pushTarget(rec, target(unit, undefined));
      return;
    default:
      // Unknown layout: the unit is still a target; the body is opaque.
      pushTarget(rec, target(unit, undefined));
      c.skip(c.remaining);
  }
}

/** Write Multiple Coils (15) or Registers (16): the range written, and a byte count that fits it. */
function decodeWriteMultiple(c: Cursor, fc: number, unit: number, rec: PduRecord, info: FunctionInfo): void {
  const start = c.u16be();
  const qty = c.u16be();
  const byteCount = c.u8();
  if (!c.ok) return;
  checkQuantity(rec, qty, info.minQty, info.maxQty);
  const expected = fc === 15 ? Math.ceil(qty / 8) : qty * 2;
  if (byteCount !== expected) rec.anomalies.push({ type: 'invalid_length', detail: `byte count ${byteCount}, quantity ${qty} needs ${expected}` });
  else readValues(c, rec, fc === 15 ? 'bits' : 'registers', qty);
  c.skip(byteCount);
  pushTarget(rec, target(unit, info.table, start, qty));
}

/** Read/Write Multiple Registers (23): the range read and the range written, each a target. */
function decodeReadWriteMultiple(c: Cursor, unit: number, rec: PduRecord): void {
  const readStart = c.u16be();
  const readQty = c.u16be();
  const writeStart = c.u16be();
  const writeQty = c.u16be();
  const byteCount = c.u8();
  if (!c.ok) return;
  checkQuantity(rec, readQty, 1, 125, 'read quantity');
  checkQuantity(rec, writeQty, 1, 121, 'write quantity');
  if (byteCount !== writeQty * 2) rec.anomalies.push({ type: 'invalid_length', detail: `byte count ${byteCount}, write quantity ${writeQty} needs ${writeQty * 2}` });
  c.skip(byteCount);
  const read = target(unit, 'holding_registers', readStart, readQty);
  read.access = 'read';
  const write = target(unit, 'holding_registers', writeStart, writeQty);
  write.access = 'write';
  pushTarget(rec, read);
  pushTarget(rec, write);
}

function decodeFileRecords(c: Cursor, fc: number, unit: number, rec: PduRecord): void {
  const byteCount = c.u8();
  if (!c.ok) return;
  if (byteCount !== c.remaining) rec.anomalies.push({ type: 'invalid_length', detail: `byte count ${byteCount}, ${c.remaining} bytes follow` });
  const end = Math.min(c.end, c.pos + byteCount);
  while (c.ok && c.pos + 7 <= end) {
    const refType = c.u8();
    const file = c.u16be();
    const record = c.u16be();
    const len = c.u16be();
    if (refType !== 6) rec.anomalies.push({ type: 'invalid_value', detail: `file record reference type ${refType}, must be 6` });
    if (fc === 21) c.skip(len * 2);
    if (!pushTarget(rec, { type: 'modbus', unit, table: 'file_records', file, start: record, count: len })) {
      rec.targetsTruncated = true;
    }
  }
  c.pos = Math.max(c.pos, end);
}

function decodeDiagnostics(c: Cursor, unit: number, rec: PduRecord): void {
  const sub = c.u16be();
  if (!c.ok) return;
  rec.subCode = sub;
  rec.subCodeName = DIAGNOSTIC_SUBFUNCTIONS.get(sub) ?? `Reserved (${sub})`;
  if (CONTROL_SUBFUNCTIONS.has(sub)) rec.kind = 'control';
  pushTarget(rec, target(unit, undefined));
  c.skip(c.remaining);
}

function decodeMei(c: Cursor, unit: number, rec: PduRecord, direction: 'request' | 'response'): void {
  const mei = c.u8();
  if (!c.ok) return;
  rec.subCode = mei;
  rec.subCodeName = MEI_TYPES.get(mei) ?? `MEI ${mei}`;
  pushTarget(rec, target(unit, undefined));
  if (mei !== 14) {
    rec.kind = 'unknown';
    c.skip(c.remaining);
    return;
  }
  const readCode = c.u8();
  if (direction === 'request') {
    c.u8(); // object id to start from
    if (c.ok && (readCode < 1 || readCode > 4)) rec.anomalies.push({ type: 'invalid_value', detail: `read device id code ${readCode}, must be 1-4` });
    return;
  }
  c.skip(3); // conformity level, more follows, next object id
  const count = c.u8();
  const details: Record<string, string> = {};
  for (let i = 0; i < count && c.ok; i++) {
    const id = c.u8();
    const len = c.u8();
    const value = c.bytes(len);
    if (!c.ok) break;
    const name = DEVICE_ID_OBJECTS.get(id) ?? `object${id}`;
    details[name] = printable(value);
  }
  if (Object.keys(details).length > 0) rec.details = details;
}

/** Device strings are attacker-controlled: keep them short and printable. */
function printable(b: Buffer): string {
  return b.toString('latin1', 0, Math.min(b.length, 128)).replace(/[^\x20-\x7e]/g, '?');
}

/**
 * The first MAX_VALUES values of `count` registers (u16) or bits (LSB first) at the cursor,
 * leaving the cursor where it was (the caller skips the whole field).
 */
function readValues(c: Cursor, rec: PduRecord, as: 'registers' | 'bits', count: number): void {
  const n = Math.min(count, MAX_VALUES);
  const bytes = valueBytes(as, n);
  if (n === 0 || c.remaining < bytes) return;
  const at = c.pos;
  const values = new Array<number>(n);
  for (let i = 0; i < n; i++) values[i] = as === 'registers' ? c.buf.readUInt16BE(at + 2 * i) : (c.buf[at + (i >> 3)]! >> (i & 7)) & 1;
  rec.values = values;
  if (count > n) rec.valuesTruncated = true;
}

const valueBytes = (as: 'registers' | 'bits', n: number) => (as === 'registers' ? 2 * n : Math.ceil(n / 8));

function decodeResponse(c: Cursor, fc: number, unit: number, rec: PduRecord): void {
  switch (fc) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 23: {
      const byteCount = c.u8();
      if (!c.ok) return;
      if (byteCount !== c.remaining) rec.anomalies.push({ type: 'invalid_length', detail: `byte count ${byteCount}, ${c.remaining} bytes follow` });
      else if (fc >= 3 && byteCount % 2 !== 0) rec.anomalies.push({ type: 'invalid_length', detail: `odd register byte count ${byteCount}` });
      // Only the registers or bits of a well-formed response are values (FC 23's are its read range's).
      else readValues(c, rec, fc <= 2 ? 'bits' : 'registers', fc <= 2 ? byteCount * 8 : byteCount / 2);
      c.skip(Math.min(byteCount, c.remaining));
      return;
    }
    case 5:
    case 6:
    case 15:
    case 16: {
      const addr = c.u16be();
      const v = c.u16be();
      if (!c.ok) return;
      const table = fc === 5 || fc === 15 ? 'coils' : 'holding_registers';
      pushTarget(rec, target(unit, table, addr, fc === 15 || fc === 16 ? v : 1));
      return;
    }
    case 22: {
      const addr = c.u16be();
      c.skip(4);
      if (c.ok) pushTarget(rec, target(unit, 'holding_registers', addr, 1));
      return;
    }
    case 8:
      decodeDiagnostics(c, unit, rec);
      return;
    case 43:
      decodeMei(c, unit, rec, 'response');
      return;
    case 24: {
      const byteCount = c.u16be();
      if (c.ok && byteCount !== c.remaining) rec.anomalies.push({ type: 'invalid_length', detail: `FIFO byte count ${byteCount}, ${c.remaining} bytes follow` });
      c.skip(c.remaining);
      return;
    }
    case 7:
      c.u8();
      return;
    case 11:
      c.skip(4);
      return;
    default:
      // 12, 17, 20, 21 and undocumented codes: byte-counted or opaque bodies.
      c.skip(c.remaining);
  }
}
