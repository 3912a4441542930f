// OPC UA binary (opc.tcp) transport framing: the 8-byte message header (type, chunk type,
// size) of every message family, and the strict recognition of a chunk start. Never throws.

import type { Framing } from '../operation.js';

export const OPCUA_PORT = 4840;
export const HEADER_LENGTH = 8;
/** Largest chunk accepted: above every stack's default (64 KiB) with room for tuned servers. */
export const MAX_CHUNK_SIZE = 1 << 24;

const code3 = (s: string) => (s.charCodeAt(0) << 16) | (s.charCodeAt(1) << 8) | s.charCodeAt(2);
export const MessageType = {
  HEL: code3('HEL'),
  ACK: code3('ACK'),
  ERR: code3('ERR'),
  RHE: code3('RHE'),
  OPN: code3('OPN'),
  CLO: code3('CLO'),
  MSG: code3('MSG'),
} as const;

/** The transport messages that carry no service, by the name the specification gives them. */
export const TRANSPORT_NAMES: ReadonlyMap<number, string> = new Map<number, string>([
  [MessageType.HEL, 'Hello'],
  [MessageType.ACK, 'Acknowledge'],
  [MessageType.ERR, 'Error'],
  [MessageType.RHE, 'ReverseHello'],
]);

/** Chunk types: final, intermediate (more follow), abort. */
export const CHUNK_FINAL = 0x46;
export const CHUNK_INTERMEDIATE = 0x43;
export const CHUNK_ABORT = 0x41;

export function messageType(buf: Buffer, off: number): number {
  return (buf[off]! << 16) | (buf[off + 1]! << 8) | buf[off + 2]!;
}

/** Frame one chunk at `off`: the header's size field says how long it is. */
export function frameOpcua(buf: Buffer, off: number, end: number): Framing {
  const have = end - off;
  if (have < HEADER_LENGTH) {
    if (have >= 3 && !isMessageType(messageType(buf, off))) return notOpcua(buf, off);
    return { status: 'incomplete', needed: HEADER_LENGTH - have };
  }
  const type = messageType(buf, off);
  if (!isMessageType(type)) return notOpcua(buf, off);
  const chunk = buf[off + 3]!;
  const isSecure = type === MessageType.MSG || type === MessageType.OPN || type === MessageType.CLO;
  if (chunk !== CHUNK_FINAL && !(isSecure && (chunk === CHUNK_INTERMEDIATE || chunk === CHUNK_ABORT))) {
    return { status: 'invalid', anomaly: { type: 'invalid_header', detail: `chunk type 0x${chunk.toString(16)} for ${buf.toString('latin1', off, off + 3)}` } };
  }
  const size = buf.readUInt32LE(off + 4);
  const min = isSecure ? 16 : HEADER_LENGTH;
  if (size < min || size > MAX_CHUNK_SIZE) {
    return { status: 'invalid', anomaly: { type: 'invalid_length', detail: `chunk size ${size} outside ${min}-${MAX_CHUNK_SIZE}` } };
  }
  if (have < size) return { status: 'incomplete', needed: size - have };
  return { status: 'ok', length: size };
}

function isMessageType(t: number): boolean {
  return t === MessageType.MSG || t === MessageType.OPN || t === MessageType.CLO || t === MessageType.HEL || t === MessageType.ACK || t === MessageType.ERR || t === MessageType.RHE;
}

function notOpcua(buf: Buffer, off: number): Framing {
  return { status: 'invalid', anomaly: { type: 'unknown_message_type', detail: `message type ${JSON.stringify(buf.toString('latin1', off, off + 3))}` } };
}

/**
 * Strict recognition of a chunk start, used to detect OPC UA on any port and to resynchronise
 * after a gap: a valid header whose size fits what follows, with a plausible body start.
 */
export function looksLikeOpcua(buf: Buffer, off: number, end: number): boolean {
  const f = frameOpcua(buf, off, end);
  if (f.status !== 'ok') return false;
  const type = messageType(buf, off);
  if (type === MessageType.HEL) return f.length >= 32 && buf.readUInt32LE(off + 8) === 0;
  if (type === MessageType.ACK) return f.length >= 28 && buf.readUInt32LE(off + 8) === 0;
  return true;
}
