// OPC UA binary (opc.tcp) secure channels: the state of one channel (security policy, whether
// it is encrypted), multi-chunk reassembly within bounds, and the transport and channel
// messages (Hello, Acknowledge, Error, ReverseHello, OpenSecureChannel, CloseSecureChannel)
// into PduRecords; message bodies are services.ts's. Encrypted channels yield channel-level
// records. Never throws.

import { Cursor } from '../cursor.js';
import type { Anomaly, Direction, PduRecord } from '../operation.js';
import type { ProtocolChannel } from '../protocol.js';
import { ReassemblyBudget } from '../reassembly.js';
import { readNumericNodeId, readString, skipString } from './binary.js';
import { SECURITY_POLICY_NONE, SERVICE_IDS, Service } from './codes.js';
import { CHUNK_ABORT, CHUNK_INTERMEDIATE, HEADER_LENGTH, MessageType, messageType, TRANSPORT_NAMES } from './framing.js';
import { decodeMessage } from './services.js';
import { statusCodeName } from './status-codes.js';

/** Bytes of multi-chunk messages one channel holds without a budget of its caller's. */
export const MAX_MESSAGE_BYTES = 1 << 20;
/** Messages being reassembled at once per direction; more is a flood, not a conversation. */
export const MAX_PENDING_MESSAGES = 32;

interface Pending {
  parts: Buffer[];
  /** Bytes held of it (its copies of intermediate chunks). */
  bytes: number;
  chunks: number;
  /** Not every part is held: decoded from what is. */
  truncated: boolean;
  /** Some part did not fit the budget (rather than a signature hiding the body's end). */
  overBudget: boolean;
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
  /** Bytes this channel holds of messages in reassembly. */
  private held = 0;
  /** More messages were in reassembly at once than are followed: later chunks may belong to any. */
  private overflowed = false;

  constructor(private readonly budget = new ReassemblyBudget(MAX_MESSAGE_BYTES, Number.POSITIVE_INFINITY)) {}

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
      if (open) this.forget(pending, requestId, open);
      rec.anomalies.push({ type: 'chunk_aborted', detail: `message ${requestId} aborted by its sender` });
      rec.codeName = 'AbortedMessage';
      return undefined;
    }
    if (chunk === CHUNK_INTERMEDIATE) {
      if (open) this.hold(open, part);
      else if (pending.size >= MAX_PENDING_MESSAGES) this.overflowed = true;
      else {
        const fresh: Pending = { parts: [], bytes: 0, chunks: 0, truncated: false, overBudget: false };
        pending.set(requestId, fresh);
        this.hold(fresh, part);
      }
      return undefined;
    }
    // A message whose first chunks could not be followed must not pass for one sent whole.
    if (this.overflowed) rec.anomalies.push({ type: 'message_too_large', detail: `more than ${MAX_PENDING_MESSAGES} messages were in reassembly at once on this channel: its messages cannot be told apart` });
    if (!open) return { buf: part, truncated: this.overflowed };
    this.forget(pending, requestId, open);
    open.chunks++;
    if (open.overBudget) {
      rec.anomalies.push({ type: 'message_too_large', detail: `message ${requestId} in ${open.chunks} chunks does not fit the reassembly budget (${this.budget.describe()})` });
    }
    if (open.truncated) return { buf: Buffer.concat(open.parts), truncated: true };
    open.parts.push(part);
    return { buf: Buffer.concat(open.parts), truncated: false };
  }

  /** Keeps a copy of an intermediate chunk's body, budget permitting. */
  private hold(open: Pending, part: Buffer): void {
    open.chunks++;
    if (open.truncated) return;
    // Signed (not encrypted) chunks end in a signature of unknown length: keep the first only.
    if (open.parts.length > 0 && this.securityPolicyUri !== SECURITY_POLICY_NONE) {
      open.truncated = true;
      return;
    }
    if (!this.budget.take(this.held, part.length)) {
      open.truncated = open.overBudget = true;
      return;
    }
    open.parts.push(Buffer.from(part));
    open.bytes += part.length;
    this.held += part.length;
  }

  private forget(pending: Map<number, Pending>, requestId: number, open: Pending): void {
    pending.delete(requestId);
    this.held -= open.bytes;
    this.budget.give(open.bytes);
  }

  release(): void {
    for (const pending of this.pending) {
      for (const [id, open] of pending) this.forget(pending, id, open);
    }
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
