// BACnet/IP: BVLC (Annex J), NPDU (clause 6) and APDU (clause 20) into PduRecords. Never throws.

import { Cursor } from '../cursor.js';
import type { Anomaly, PduRecord } from '../operation.js';
import {
  ABORT_REASONS,
  BVLC_FUNCTIONS,
  ERROR_CLASSES,
  ERROR_CODES,
  NETWORK_MESSAGES,
  PDU_TYPES,
  REJECT_REASONS,
  SUBCODE_BVLC,
  SUBCODE_NETWORK,
  serviceEntry,
} from './codes.js';
import { decodeServiceAck, decodeServiceRequest } from './services.js';
import { Tag, readTag, readUnsigned } from './tags.js';

export const BACNET_PORT = 47808;
const BVLC_IP = 0x81;

/** BACnet/IP's registered port range (0xBAC0-0xBACF). */
export function isBacnetPort(port: number): boolean {
  return port >= BACNET_PORT && port <= BACNET_PORT + 15;
}

/**
 * Is this datagram BACnet/IP? On a BACnet port a BVLC length that disagrees with the datagram is
 * decoded and flagged (devices get it wrong, and hidden bytes are worth an anomaly); on any
 * other port the header must be exactly consistent.
 */
export function looksLikeBvlc(buf: Buffer, off: number, len: number, onBacnetPort: boolean): boolean {
  if (len < 4 || buf[off] !== BVLC_IP) return false;
  const fn = buf[off + 1]!;
  if (fn > 12) return false;
  const bvlcLength = buf.readUInt16BE(off + 2);
  if (bvlcLength !== len && !(onBacnetPort && bvlcLength >= 4)) return false;
  // Functions that carry an NPDU must carry a version-1 one.
  const npdu = fn === 4 ? 10 : fn === 9 || fn === 10 || fn === 11 ? 4 : -1;
  return npdu < 0 || (len > npdu && buf[off + npdu] === 1);
}

const cursor = new Cursor(Buffer.alloc(0));
const tag = new Tag();

/** Where the decoder found a datagram's APDU (-1: it carries none), for a caller that reassembles segments. */
export interface ApduPosition {
  apdu: number;
}

/** Decode one BACnet/IP datagram (starting at the BVLC header). */
export function decodeBacnet(buf: Buffer, off: number, len: number, at?: ApduPosition): PduRecord {
  if (at) at.apdu = -1;
  const c = cursor.reset(buf, off, off + len);
  const anomalies: Anomaly[] = [];
  const details: Record<string, string | number | boolean> = {};
  const rec: PduRecord = {
    protocol: 'bacnet',
    direction: 'unsolicited',
    kind: 'unknown',
    code: 0,
    codeName: '',
    targets: [],
    anomalies,
    details,
  };
  const type = c.u8();
  const fn = c.u8();
  const bvlcLength = c.u16be();
  if (!c.ok || type !== BVLC_IP) {
    return bvlcOnly(rec, fn, `BVLC type 0x${type.toString(16)} is not BACnet/IP (0x81)`, 'invalid_header');
  }
  if (bvlcLength !== len) anomalies.push({ type: 'invalid_length', detail: `BVLC length ${bvlcLength}, datagram carries ${len}` });
  const fnEntry = BVLC_FUNCTIONS.get(fn);
  details.bvlcFunction = fnEntry?.[0] ?? `unknown-${fn}`;
  if (fn === 4) {
    const ip = c.bytes(4);
    const port = c.u16be();
    if (c.ok) details.originalSource = `${ip[0]}.${ip[1]}.${ip[2]}.${ip[3]}:${port}`;
  }
  if (fn !== 4 && fn !== 9 && fn !== 10 && fn !== 11) return decodeBvlcOnly(c, rec, fn);
  decodeNpdu(c, rec, at);
  if (!c.ok) anomalies.push({ type: 'truncated', detail: `${rec.codeName || 'BACnet PDU'} ends early` });
  return rec;
}

function bvlcOnly(rec: PduRecord, fn: number, detail: string, type: Anomaly['type']): PduRecord {
  rec.code = fn;
  rec.codeName = 'invalid';
  rec.anomalies.push({ type, detail });
  return rec;
}

function decodeBvlcOnly(c: Cursor, rec: PduRecord, fn: number): PduRecord {
  const entry = BVLC_FUNCTIONS.get(fn);
  rec.code = fn;
  rec.codeName = entry?.[0] ?? `BVLC-${fn}`;
  rec.kind = entry?.[1] ?? 'unknown';
  rec.subCode = SUBCODE_BVLC;
  rec.subCodeName = 'bvlc';
  // Acks and results answer a request; everything else asks.
  rec.direction = fn === 0 || fn === 3 || fn === 7 ? 'response' : 'request';
  if (!entry) rec.anomalies.push({ type: 'unknown_message_type', detail: `BVLC function ${fn}` });
  if (fn === 0) {
    const result = c.u16be();
    if (c.ok) rec.outcome = result === 0 ? { status: 'ok', code: 0 } : { status: 'error', code: result, name: `bvlc-result-0x${result.toString(16)}` };
  } else if (fn === 5) {
    const ttl = c.u16be();
    if (c.ok) rec.details!.timeToLive = ttl;
  }
  c.skip(c.remaining);
  return rec;
}

function decodeNpdu(c: Cursor, rec: PduRecord, at: ApduPosition | undefined): void {
  const details = rec.details!;
  const version = c.u8();
  const control = c.u8();
  if (!c.ok) return;
  if (version !== 1) rec.anomalies.push({ type: 'invalid_header', detail: `NPDU version ${version}, must be 1` });
  const hasDnet = (control & 0x20) !== 0;
  if (hasDnet) {
    details.dnet = c.u16be();
    const dlen = c.u8();
    if (dlen > 0) details.dadr = c.bytes(dlen).toString('hex');
  }
  if (control & 0x08) {
    details.snet = c.u16be();
    const slen = c.u8();
    if (slen > 0) details.sadr = c.bytes(slen).toString('hex');
    if (slen === 0) rec.anomalies.push({ type: 'invalid_length', detail: 'NPDU source with SLEN 0' });
  }
  if (hasDnet) details.hopCount = c.u8();
  if (control & 0x04) details.expectingReply = true;
  if (!c.ok) return;
  if (control & 0x80) {
    const msg = c.u8();
    const entry = NETWORK_MESSAGES.get(msg);
    rec.code = msg;
    rec.codeName = entry?.[0] ?? (msg >= 0x80 ? `proprietary-network-message-${msg}` : `network-message-${msg}`);
    rec.kind = entry?.[1] ?? 'unknown';
    rec.subCode = SUBCODE_NETWORK;
    rec.subCodeName = 'network-message';
    rec.direction = msg === 1 || msg === 7 || msg === 19 ? 'response' : 'request';
    if (msg >= 0x80) details.vendorId = c.u16be();
    c.skip(c.remaining);
    return;
  }
  if (at) at.apdu = c.pos;
  decodeApdu(c, rec);
}

function decodeApdu(c: Cursor, rec: PduRecord): void {
  const first = c.u8();
  if (!c.ok) return;
  const pduType = first >> 4;
  rec.subCode = pduType;
  rec.subCodeName = PDU_TYPES[pduType] ?? `pdu-type-${pduType}`;
  if (pduType === 4) decodeSegmentAck(c, rec, first);
  else if (pduType === 6 || pduType === 7) decodeRejectOrAbort(c, rec, first, pduType);
  else if (pduType > 7) decodeInvalidApdu(c, rec, pduType);
  else decodeServiceApdu(c, rec, first, pduType);
}

/** Confirmed and unconfirmed requests, simple and complex ACKs, errors: the APDUs that name a service. */
function decodeServiceApdu(c: Cursor, rec: PduRecord, first: number, pduType: number): void {
  // Only a confirmed request (0) and a complex ACK (3) can be segmented.
  const segmented = (pduType === 0 || pduType === 3) && (first & 0x08) !== 0;
  const sequence = readServiceHeader(c, rec, first, pduType, segmented);
  const confirmed = pduType !== 1;
  const choice = c.u8();
  if (!c.ok) return;
  const [name, kind] = serviceEntry(confirmed, choice);
  rec.code = choice;
  rec.codeName = name;
  rec.kind = kind;
  rec.direction = pduType === 0 ? 'request' : pduType === 1 ? 'unsolicited' : 'response';
  if (name.startsWith('unknown-service')) rec.anomalies.push({ type: 'unknown_message_type', detail: `${confirmed ? 'confirmed' : 'unconfirmed'} service ${choice}` });
  // Only the first segment starts the service data; later segments continue it.
  if (segmented && sequence > 0) {
    c.skip(c.remaining);
    return;
  }
  if (pduType === 0 || pduType === 1) decodeServiceRequest(c, rec, confirmed, choice);
  else if (pduType === 3) decodeServiceAck(c, rec, choice);
  else if (pduType === 5) decodeError(c, rec);
  if (segmented && !c.ok) {
    // A segment ends mid-value by design: not an anomaly.
    c.ok = true;
    rec.targetsTruncated = true;
  }
  c.skip(c.remaining);
}

/** The fields between a service APDU's first octet and its service choice; returns the segment's sequence number (0 unsegmented). */
function readServiceHeader(c: Cursor, rec: PduRecord, first: number, pduType: number, segmented: boolean): number {
  if (pduType === 1) return 0;
  const details = rec.details!;
  if ((pduType === 0 || pduType === 3) && first & 0x04) details.moreFollows = true;
  if (pduType === 0) {
    if (first & 0x02) details.segmentedResponseAccepted = true;
    const sizes = c.u8();
    details.maxSegments = (sizes >> 4) & 0x07;
    details.maxApdu = sizes & 0x0f;
  }
  rec.transactionId = c.u8();
  const sequence = segmented ? readSegmentWindow(c, details) : 0;
  if (pduType === 2 || pduType === 3) rec.outcome = { status: 'ok' };
  return sequence;
}

/** A segment's sequence number and window size; returns the sequence number. */
function readSegmentWindow(c: Cursor, details: NonNullable<PduRecord['details']>): number {
  const sequence = (details.sequenceNumber = c.u8());
  details.windowSize = c.u8();
  return sequence;
}

/** Segment-ACK has no service choice: it acknowledges segments of a transaction. */
function decodeSegmentAck(c: Cursor, rec: PduRecord, first: number): void {
  const details = rec.details!;
  const direction = first & 0x01 ? 'response' : 'request';
  if (first & 0x02) details.negativeAck = true;
  rec.transactionId = c.u8();
  readSegmentWindow(c, details);
  rec.code = 0;
  rec.codeName = 'segmentAck';
  rec.kind = 'session';
  rec.direction = direction;
}

function decodeRejectOrAbort(c: Cursor, rec: PduRecord, first: number, pduType: number): void {
  const direction = pduType === 6 || first & 0x01 ? 'response' : 'request';
  rec.transactionId = c.u8();
  const reason = c.u8();
  const names = pduType === 6 ? REJECT_REASONS : ABORT_REASONS;
  rec.outcome = { status: pduType === 6 ? 'reject' : 'abort', code: reason, name: names[reason] ?? (reason >= 64 ? `proprietary-${reason}` : `reason-${reason}`) };
  rec.code = 0;
  rec.codeName = pduType === 6 ? 'reject' : 'abort';
  rec.kind = 'session';
  rec.direction = direction;
}

function decodeInvalidApdu(c: Cursor, rec: PduRecord, pduType: number): void {
  rec.direction = 'unsolicited';
  rec.codeName = `invalid-pdu-type-${pduType}`;
  rec.anomalies.push({ type: 'unknown_message_type', detail: `APDU type ${pduType}` });
  c.skip(c.remaining);
}

function decodeError(c: Cursor, rec: PduRecord): void {
  // Most services return (class, code); some wrap them in context tag 0 first.
  const start = c.pos;
  if (readTag(c, tag) && tag.opening) {
    /* descend into the wrapper */
  } else c.pos = start;
  const errorClass = readUnsigned(c, tag);
  const errorCode = readUnsigned(c, tag);
  if (errorClass < 0 || errorCode < 0) {
    c.ok = true;
    rec.outcome = { status: 'error' };
    rec.anomalies.push({ type: 'invalid_tag', detail: 'error PDU without error class and code' });
    return;
  }
  rec.outcome = {
    status: 'error',
    errorClass,
    code: errorCode,
    name: `${ERROR_CLASSES[errorClass] ?? `class-${errorClass}`}:${ERROR_CODES.get(errorCode) ?? `code-${errorCode}`}`,
  };
}
