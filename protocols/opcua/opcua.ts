// OPC UA binary (opc.tcp) secure channels: the state of one channel (security policy, whether
// it is encrypted), multi-chunk reassembly within bounds, and the transport and channel
// messages (Hello, Acknowledge, Error, ReverseHello, OpenSecureChannel, CloseSecureChannel)
// into PduRecords; message bodies are services.ts's. Encrypted channels yield channel-level
// records. Never throws.

import { Cursor } from '../cursor.js';
import type { Anomaly, Direction, PduRecord } from '../operation.js';
import type { ProtocolChannel } from '../protocol.js';
import { readNumericNodeId, readString, skipString } from './binary.js';
import { SECURITY_POLICY_NONE, SERVICE_IDS, Service } from './codes.js';
import { CHUNK_ABORT, CHUNK_INTERMEDIATE, HEADER_LENGTH, MessageType, messageType } from './framing.js';
import { decodeMessage } from './services.js';
import { statusCodeName } from './status-codes.js';

/** Bytes of one multi-chunk message kept for decoding; the rest is counted, not stored. */
export const MAX_MESSAGE_BYTES = 1 << 20;
/** Messages being reassembled at once per direction; more is a flood, not a conversation. */
export const MAX_PENDING_MESSAGES = 32;

const TRANSPORT_NAMES = new Map<number, string>([
  [MessageType.HEL, 'Hello'],
  [MessageType.ACK, 'Acknowledge'],
  [MessageType.ERR, 'Error'],
  [MessageType.RHE, 'ReverseHello'],
]);

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
    if (!body) return chunk === CHUNK_INTERMEDIATE ? undefined : rec;
    decodeMessage(cursor.reset(body.buf, 0, body.buf.length), rec, this);
    if (body.truncated) rec.targetsTruncated = true;
    return rec;
  }

  private reassemble(c: Cursor, chunk: number, requestId: number, fromClient: boolean, rec: PduRecord): { buf: Buffer; truncated: boolean } | undefined {
    const pending = this.pending[fromClient ? 0 : 1]!;
    const part = c.buf.subarray(c.pos, c.end);
    const open = pending.get(requestId);
    if (chunk === CHUNK_ABORT) {
      pending.delete(requestId);
      rec.anomalies.push({ type: 'chunk_aborted', detail: `message ${requestId} aborted by its sender` });
      rec.codeName = 'AbortedMessage';
      return undefined;
    }
    if (chunk === CHUNK_INTERMEDIATE) {
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
    if (chunk === CHUNK_INTERMEDIATE) return undefined;
    rec.kind = 'unknown';
    rec.codeName = 'EncryptedMessage';
  }
  return rec;
}
