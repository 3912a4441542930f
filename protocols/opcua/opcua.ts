// OPC UA binary (opc.tcp): chunk framing, secure-channel state, multi-chunk reassembly and
// service decoding into PduRecords. Encrypted channels yield channel-level records. Never throws.

import { Cursor } from '../cursor.js';
import type { Anomaly, Direction, Framing, PduRecord } from '../operation.js';
import {
  readArrayLength,
  readExpandedNodeId,
  readLocalizedText,
  readNodeId,
  readNumericNodeId,
  readString,
  skipDataValue,
  skipDiagnosticInfo,
  skipExtensionObject,
  skipQualifiedName,
  skipString,
  skipStringArray,
  skipVariant,
} from './binary.js';
import { APPLICATION_TYPES, IDENTITY_TOKENS, SECURITY_MODES, SECURITY_POLICY_NONE, SERVICE_IDS, Service } from './codes.js';
import { statusCodeName } from './status-codes.js';
import { pushTarget } from '../operation.js';
import type { ProtocolChannel } from '../protocol.js';

export const OPCUA_PORT = 4840;
export const HEADER_LENGTH = 8;
/** Largest chunk accepted: above every stack's default (64 KiB) with room for tuned servers. */
export const MAX_CHUNK_SIZE = 1 << 24;
/** Bytes of one multi-chunk message kept for decoding; the rest is counted, not stored. */
export const MAX_MESSAGE_BYTES = 1 << 20;
/** Messages being reassembled at once per direction; more is a flood, not a conversation. */
export const MAX_PENDING_MESSAGES = 32;

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

const TRANSPORT_NAMES = new Map<number, string>([
  [MessageType.HEL, 'Hello'],
  [MessageType.ACK, 'Acknowledge'],
  [MessageType.ERR, 'Error'],
  [MessageType.RHE, 'ReverseHello'],
]);

const F = 0x46;
const C = 0x43;
const A = 0x41;

function messageType(buf: Buffer, off: number): number {
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
  if (chunk !== F && !(isSecure && (chunk === C || chunk === A))) {
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

interface Pending {
  parts: Buffer[];
  bytes: number;
  truncated: boolean;
}

const cursor = new Cursor(Buffer.alloc(0));

/** State of one secure channel (one TCP connection), shared by both directions. */
export class OpcuaChannel implements ProtocolChannel {
  securityPolicyUri: string | undefined;
  securityMode: number | undefined;
  /** True once a message of this channel proved unreadable; None-policy channels never are. */
  encrypted = false;
  endpointUrl: string | undefined;
  private readonly pending = [new Map<number, Pending>(), new Map<number, Pending>()];

  /**
   * Decode one framed chunk. Returns a record for HEL/ACK/ERR/RHE and for every final (or
   * aborted) chunk of OPN/CLO/MSG; undefined while an intermediate chunk is being collected.
   */
  decode(buf: Buffer, off: number, len: number, fromClient: boolean): PduRecord | undefined {
    const type = messageType(buf, off);
    const chunk = buf[off + 3]!;
    const rec = newRecord(type, fromClient);
    const c = cursor.reset(buf, off + HEADER_LENGTH, off + len);
    switch (type) {
      case MessageType.HEL: {
        const version = c.u32le();
        c.skip(16);
        this.endpointUrl = readString(c);
        rec.details = { protocolVersion: version };
        if (this.endpointUrl !== undefined) rec.details.endpointUrl = this.endpointUrl;
        break;
      }
      case MessageType.ACK:
        rec.details = { protocolVersion: c.u32le(), receiveBufferSize: c.u32le(), sendBufferSize: c.u32le() };
        break;
      case MessageType.ERR: {
        const status = c.u32le();
        const reason = readString(c);
        rec.outcome = { status: 'fault', code: status, name: statusCodeName(status) };
        if (reason) rec.details = { reason };
        break;
      }
      case MessageType.RHE: {
        const serverUri = readString(c);
        const endpointUrl = readString(c);
        rec.details = {};
        if (serverUri !== undefined) rec.details.serverUri = serverUri;
        if (endpointUrl !== undefined) rec.details.endpointUrl = endpointUrl;
        break;
      }
      default:
        return this.decodeSecure(c, type, chunk, rec, fromClient);
    }
    if (!c.ok) rec.anomalies.push({ type: 'truncated', detail: `${rec.codeName} ends early` });
    return rec;
  }

  private decodeSecure(c: Cursor, type: number, chunk: number, rec: PduRecord, fromClient: boolean): PduRecord | undefined {
    const details: Record<string, string | number | boolean> = (rec.details = { secureChannelId: c.u32le() });
    let readable: boolean;
    if (type === MessageType.OPN) {
      const policy = readString(c);
      skipString(c); // sender certificate
      skipString(c); // receiver certificate thumbprint
      if (policy !== undefined) {
        this.securityPolicyUri = policy;
        details.securityPolicyUri = policy;
      }
      // Asymmetric encryption covers the whole body unless the policy is None.
      readable = policy === SECURITY_POLICY_NONE;
    } else {
      details.tokenId = c.u32le();
      readable = !this.encrypted && (this.securityPolicyUri === SECURITY_POLICY_NONE || plaintextBody(c));
      if (!readable && this.securityPolicyUri !== SECURITY_POLICY_NONE) this.encrypted = true;
    }
    if (!c.ok) {
      rec.anomalies.push({ type: 'truncated', detail: `${rec.subCodeName} security header ends early` });
      return rec;
    }
    if (this.securityPolicyUri !== undefined) details.securityPolicyUri = this.securityPolicyUri;
    if (!readable) return channelLevel(rec, type, chunk, fromClient);

    c.u32le(); // sequence number
    const requestId = c.u32le();
    rec.transactionId = requestId;
    if (!c.ok) {
      rec.anomalies.push({ type: 'truncated', detail: `${rec.subCodeName} sequence header ends early` });
      return rec;
    }
    const body = this.reassemble(c, chunk, requestId, fromClient, rec);
    if (!body) return chunk === C ? undefined : rec;
    decodeMessage(cursor.reset(body.buf, 0, body.buf.length), rec, this);
    if (body.truncated) rec.targetsTruncated = true;
    return rec;
  }

  private reassemble(c: Cursor, chunk: number, requestId: number, fromClient: boolean, rec: PduRecord): { buf: Buffer; truncated: boolean } | undefined {
    const pending = this.pending[fromClient ? 0 : 1]!;
    const part = c.buf.subarray(c.pos, c.end);
    const open = pending.get(requestId);
    if (chunk === A) {
      pending.delete(requestId);
      rec.anomalies.push({ type: 'chunk_aborted', detail: `message ${requestId} aborted by its sender` });
      rec.codeName = 'AbortedMessage';
      return undefined;
    }
    if (chunk === C) {
      if (open) {
        // Signed (not encrypted) chunks end in a signature of unknown length: keep the first only.
        if (!open.truncated && open.bytes + part.length <= MAX_MESSAGE_BYTES && this.securityPolicyUri === SECURITY_POLICY_NONE) {
          open.parts.push(Buffer.from(part));
          open.bytes += part.length;
        } else open.truncated = true;
      } else {
        if (pending.size >= MAX_PENDING_MESSAGES) {
          rec.anomalies.push({ type: 'message_too_large', detail: `more than ${MAX_PENDING_MESSAGES} messages in reassembly` });
          return undefined;
        }
        pending.set(requestId, { parts: [Buffer.from(part.subarray(0, MAX_MESSAGE_BYTES))], bytes: Math.min(part.length, MAX_MESSAGE_BYTES), truncated: part.length > MAX_MESSAGE_BYTES });
      }
      return undefined;
    }
    if (!open) return { buf: part, truncated: false };
    pending.delete(requestId);
    let truncated = open.truncated;
    if (!truncated && open.bytes + part.length <= MAX_MESSAGE_BYTES && this.securityPolicyUri === SECURITY_POLICY_NONE) open.parts.push(part);
    else truncated = true;
    return { buf: Buffer.concat(open.parts), truncated };
  }
}

function newRecord(type: number, fromClient: boolean): PduRecord {
  const name = TRANSPORT_NAMES.get(type);
  const subCodeName = String.fromCharCode(type >> 16, (type >> 8) & 0xff, type & 0xff);
  const direction: Direction =
    type === MessageType.HEL ? 'request' : type === MessageType.ACK || type === MessageType.ERR ? 'response' : type === MessageType.RHE ? 'unsolicited' : fromClient ? 'request' : 'response';
  return {
    protocol: 'opcua',
    direction,
    kind: 'session',
    code: type,
    codeName: name ?? subCodeName,
    subCode: type,
    subCodeName,
    targets: [],
    anomalies: [] as Anomaly[],
  };
}

/** Under Sign the body is plain: it starts with a sequence header and a known service type id. */
function plaintextBody(c: Cursor): boolean {
  const at = c.pos;
  c.skip(8);
  const id = readNumericNodeId(c);
  const ok = c.ok && SERVICE_IDS.has(id);
  c.pos = at;
  c.ok = true;
  return ok;
}

function channelLevel(rec: PduRecord, type: number, chunk: number, fromClient: boolean): PduRecord | undefined {
  rec.encrypted = true;
  if (type === MessageType.OPN) {
    rec.code = fromClient ? Service.OpenSecureChannelRequest : Service.OpenSecureChannelResponse;
    rec.codeName = fromClient ? 'OpenSecureChannelRequest' : 'OpenSecureChannelResponse';
  } else if (type === MessageType.CLO) {
    rec.code = Service.CloseSecureChannelRequest;
    rec.codeName = 'CloseSecureChannelRequest';
  } else {
    // The service is hidden: one record per complete message, kind unknown.
    if (chunk === C) return undefined;
    rec.kind = 'unknown';
    rec.codeName = 'EncryptedMessage';
  }
  return rec;
}

function decodeMessage(c: Cursor, rec: PduRecord, channel: OpcuaChannel): void {
  const typeId = readNumericNodeId(c);
  const info = SERVICE_IDS.get(typeId);
  if (!c.ok || !info) {
    rec.anomalies.push({ type: 'unknown_message_type', detail: `service type id ${typeId < 0 ? 'outside namespace 0' : typeId}` });
    rec.kind = 'unknown';
    return;
  }
  rec.code = typeId;
  rec.codeName = info.name;
  rec.kind = info.kind;
  rec.direction = info.response ? 'response' : 'request';
  const details = rec.details!;
  if (info.response) {
    c.skip(8); // timestamp
    rec.requestHandle = c.u32le();
    const result = c.u32le();
    skipDiagnosticInfo(c);
    skipStringArray(c);
    skipExtensionObject(c);
    if (!c.ok) return truncated(rec);
    rec.outcome = (result & 0x80000000) !== 0 ? { status: 'fault', code: result, name: statusCodeName(result) } : { status: 'ok', code: result, name: statusCodeName(result) };
    decodeResponseBody(c, typeId, rec);
  } else {
    readNodeId(c); // authentication token: a secret, never kept
    c.skip(8);
    rec.requestHandle = c.u32le();
    c.skip(4);
    skipString(c);
    c.skip(4);
    skipExtensionObject(c);
    if (!c.ok) return truncated(rec);
    decodeRequestBody(c, typeId, rec, channel);
  }
  if (!c.ok && !rec.targetsTruncated) truncated(rec);
  if (Object.keys(details).length === 0) delete rec.details;
}

function truncated(rec: PduRecord): void {
  rec.anomalies.push({ type: 'truncated', detail: `${rec.codeName} body ends early` });
}

function addTarget(rec: PduRecord, nodeId: string, attribute?: number, methodId?: string): void {
  const t: PduRecord['targets'][number] = { type: 'opcua', nodeId };
  if (attribute !== undefined) t.attribute = attribute;
  if (methodId !== undefined) t.methodId = methodId;
  if (!pushTarget(rec.targets, t)) rec.targetsTruncated = true;
}

function decodeRequestBody(c: Cursor, typeId: number, rec: PduRecord, channel: OpcuaChannel): void {
  const details = rec.details!;
  switch (typeId) {
    case Service.ReadRequest: {
      c.skip(12); // maxAge, timestampsToReturn
      const n = readArrayLength(c);
      for (let i = 0; i < n && c.ok; i++) {
        const node = readNodeId(c);
        const attr = c.u32le();
        skipString(c);
        skipQualifiedName(c);
        if (c.ok) addTarget(rec, node, attr);
      }
      return;
    }
    case Service.WriteRequest: {
      const n = readArrayLength(c);
      for (let i = 0; i < n && c.ok; i++) {
        const node = readNodeId(c);
        const attr = c.u32le();
        skipString(c);
        skipDataValue(c);
        if (c.ok) addTarget(rec, node, attr);
      }
      return;
    }
    case Service.CallRequest: {
      const n = readArrayLength(c);
      for (let i = 0; i < n && c.ok; i++) {
        const object = readNodeId(c);
        const method = readNodeId(c);
        const args = readArrayLength(c);
        for (let j = 0; j < args && c.ok; j++) skipVariant(c);
        if (c.ok) addTarget(rec, object, undefined, method);
      }
      return;
    }
    case Service.BrowseRequest: {
      readNodeId(c);
      c.skip(16); // view timestamp, view version, max references per node
      const n = readArrayLength(c);
      for (let i = 0; i < n && c.ok; i++) {
        const node = readNodeId(c);
        c.skip(4);
        readNodeId(c);
        c.skip(9);
        if (c.ok) addTarget(rec, node);
      }
      return;
    }
    case Service.HistoryReadRequest: {
      skipExtensionObject(c);
      c.skip(5);
      const n = readArrayLength(c);
      for (let i = 0; i < n && c.ok; i++) {
        const node = readNodeId(c);
        skipString(c);
        skipQualifiedName(c);
        skipString(c);
        if (c.ok) addTarget(rec, node, 13);
      }
      return;
    }
    case Service.CreateMonitoredItemsRequest: {
      c.skip(8); // subscription id, timestamps to return
      const n = readArrayLength(c);
      for (let i = 0; i < n && c.ok; i++) {
        const node = readNodeId(c);
        const attr = c.u32le();
        skipString(c);
        skipQualifiedName(c);
        c.skip(16); // monitoring mode, client handle, sampling interval
        skipExtensionObject(c);
        c.skip(5);
        if (c.ok) addTarget(rec, node, attr);
      }
      return;
    }
    case Service.DeleteNodesRequest: {
      const n = readArrayLength(c);
      for (let i = 0; i < n && c.ok; i++) {
        const node = readNodeId(c);
        c.skip(1);
        if (c.ok) addTarget(rec, node);
      }
      return;
    }
    case Service.AddNodesRequest: {
      const n = readArrayLength(c);
      for (let i = 0; i < n && c.ok; i++) {
        const parent = readExpandedNodeId(c);
        readNodeId(c);
        readExpandedNodeId(c);
        skipQualifiedName(c);
        c.skip(4);
        skipExtensionObject(c);
        readExpandedNodeId(c);
        if (c.ok) addTarget(rec, parent);
      }
      return;
    }
    case Service.OpenSecureChannelRequest: {
      c.skip(8); // protocol version, request type
      const mode = c.u32le();
      if (c.ok) {
        channel.securityMode = mode;
        details.securityMode = SECURITY_MODES[mode] ?? `mode-${mode}`;
      }
      return;
    }
    case Service.GetEndpointsRequest: {
      const url = readString(c);
      if (url !== undefined) details.endpointUrl = url;
      return;
    }
    case Service.CreateSessionRequest: {
      readApplicationDescription(c, details, 'client');
      skipString(c); // server uri
      const url = readString(c);
      const session = readString(c);
      if (url !== undefined) details.endpointUrl = url;
      if (session !== undefined) details.sessionName = session;
      return;
    }
    case Service.ActivateSessionRequest: {
      skipString(c);
      skipString(c); // client signature
      const certs = readArrayLength(c);
      for (let i = 0; i < certs && c.ok; i++) {
        skipString(c);
        skipString(c);
      }
      skipStringArray(c);
      const tokenType = readNumericNodeId(c);
      const enc = c.u8();
      if (!c.ok) return;
      details.identityToken = IDENTITY_TOKENS.get(tokenType) ?? `type-${tokenType}`;
      if (enc === 1 && tokenType === 324) {
        c.skip(4); // body length
        skipString(c); // policy id
        const user = readString(c);
        if (user !== undefined) details.userName = user;
      }
      // The rest of the token (password, certificate) is secret and skipped with the message.
      c.skip(c.remaining);
      return;
    }
    default:
      return;
  }
}

function decodeResponseBody(c: Cursor, typeId: number, rec: PduRecord): void {
  const details = rec.details!;
  if (typeId === Service.GetEndpointsResponse) {
    // The first endpoint names the server application: identity for the inventory.
    if (readArrayLength(c) > 0) {
      const url = readString(c);
      if (url !== undefined) details.endpointUrl = url;
      readApplicationDescription(c, details, 'server');
    }
  } else if (typeId === Service.CreateSessionResponse) {
    readNodeId(c); // session id
    readNodeId(c); // authentication token: a secret, never kept
    c.skip(8);
    skipString(c);
    skipString(c);
    if (readArrayLength(c) > 0) {
      skipString(c);
      readApplicationDescription(c, details, 'server');
    }
  } else if (typeId === Service.OpenSecureChannelResponse) {
    c.skip(4);
    details.secureChannelId = c.u32le();
  }
}

function readApplicationDescription(c: Cursor, details: Record<string, string | number | boolean | string[]>, role: 'client' | 'server'): void {
  const uri = readString(c);
  const product = readString(c);
  const name = readLocalizedText(c);
  const type = c.u32le();
  skipString(c);
  skipString(c);
  skipStringArray(c);
  if (!c.ok) return;
  if (uri !== undefined) details[`${role}ApplicationUri`] = uri;
  if (product !== undefined) details[`${role}ProductUri`] = product;
  if (name !== undefined) details[`${role}ApplicationName`] = name;
  details[`${role}ApplicationType`] = APPLICATION_TYPES[type] ?? `type-${type}`;
}
