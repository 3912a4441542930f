// Segmented confirmed requests (clause 5.2, 20.1.2): a request larger than one APDU is sent in
// numbered segments, each repeating the APDU header and the service choice; the device acts on
// it only once the last one (more-follows clear) is in. The channel holds the segments of each
// open transaction within its budget and decodes the request once, whole, as the unsegmented
// APDU it stands for; a segment out of sequence, or one whose first segment was never seen, is
// decoded as it is with a `chunk_sequence` anomaly, never passed off as a request of its own.

import type { PduRecord } from '../operation.js';
import type { ProtocolChannel } from '../protocol.js';
import type { ReassemblyBudget } from '../reassembly.js';
import { decodeBacnet, type ApduPosition } from './bacnet.js';

/** Transactions in reassembly at once per conversation (invoke ids are one byte). */
export const MAX_OPEN_TRANSACTIONS = 16;
const CONFIRMED_REQUEST = 0;
const SEGMENTED = 0x08;
const MORE_FOLLOWS = 0x04;
const SEGMENTED_RESPONSE_ACCEPTED = 0x02;
/** A segmented confirmed request's header: type and flags, sizes, invoke id, sequence, window, service. */
const SEGMENT_HEADER = 6;

interface Transaction {
  /** The datagram up to its APDU, then the unsegmented APDU header (type, sizes, invoke id, service). */
  head: Buffer;
  parts: Buffer[];
  /** Bytes held of it (for the budget). */
  bytes: number;
  /** The sequence number the next segment must carry. */
  next: number;
}

/**
 * Where the datagram last decoded put its APDU: written by decodeBacnet and read at once, so one
 * for every channel (a channel lasts as long as its conversation, tens of thousands on a plant).
 */
const at: ApduPosition = { apdu: -1 };

export class BacnetChannel implements ProtocolChannel {
  /** Made on the first segmented request: most conversations never send one. */
  private open: Map<number, Transaction> | undefined;
  private held = 0;

  constructor(private readonly budget: ReassemblyBudget) {}

  decode(buf: Buffer, off: number, len: number, fromClient: boolean): PduRecord | undefined {
    const rec = decodeBacnet(buf, off, len, at);
    const a = at.apdu;
    if (a < 0 || rec.subCode !== CONFIRMED_REQUEST || !(buf[a]! & SEGMENTED) || off + len - a < SEGMENT_HEADER) return rec;
    // Requests of both senders of a conversation may share an invoke id.
    const key = buf[a + 2]! | (fromClient ? 0 : 0x100);
    const seq = buf[a + 3]!;
    const more = (buf[a]! & MORE_FOLLOWS) !== 0;
    const data = buf.subarray(a + SEGMENT_HEADER, off + len);
    const open = (this.open ??= new Map());
    let t = open.get(key);
    if (seq === 0) {
      if (t) this.forget(key, t);
      if (open.size >= MAX_OPEN_TRANSACTIONS) return refuse(rec, 'message_too_large', `more than ${MAX_OPEN_TRANSACTIONS} segmented requests in reassembly at once`);
      const head = Buffer.concat([buf.subarray(off, a), Buffer.from([(CONFIRMED_REQUEST << 4) | (buf[a]! & SEGMENTED_RESPONSE_ACCEPTED), buf[a + 1]!, buf[a + 2]!, buf[a + 5]!])]);
      t = { head, parts: [], bytes: 0, next: 0 };
      open.set(key, t);
    } else if (!t) {
      return refuse(rec, 'chunk_sequence', `segment ${seq} of request ${buf[a + 2]} whose first segment was not seen`);
    }
    // A segment sent again (its acknowledgement was late), byte for byte: already held.
    if (seq !== t.next && seq === ((t.next - 1) & 0xff) && t.parts.length > 0 && t.parts[t.parts.length - 1]!.equals(data)) return undefined;
    if (seq !== t.next) {
      this.forget(key, t);
      return refuse(rec, 'chunk_sequence', `segment ${seq} of request ${buf[a + 2]} where segment ${t.next} was due`);
    }
    if (!this.budget.take(this.held, data.length)) {
      this.forget(key, t);
      return refuse(rec, 'message_too_large', `segmented request ${buf[a + 2]} does not fit the reassembly budget (${this.budget.describe()})`);
    }
    t.parts.push(Buffer.from(data));
    t.bytes += data.length;
    this.held += data.length;
    t.next = (t.next + 1) & 0xff;
    if (more) return undefined;
    this.forget(key, t);
    const whole = Buffer.concat([t.head, ...t.parts]);
    whole.writeUInt16BE(Math.min(whole.length, 0xffff), 2);
    const done = decodeBacnet(whole, 0, whole.length);
    done.details!.segments = t.parts.length;
    return done;
  }

  release(): void {
    if (this.open) for (const [key, t] of this.open) this.forget(key, t);
  }

  private forget(key: number, t: Transaction): void {
    this.open!.delete(key);
    this.held -= t.bytes;
    this.budget.give(t.bytes);
  }
}

/** A segment that cannot be part of a request followed whole: decoded as it is, with what is wrong. */
function refuse(rec: PduRecord, type: 'chunk_sequence' | 'message_too_large', detail: string): PduRecord {
  rec.anomalies.push({ type, detail });
  rec.targetsTruncated = true;
  return rec;
}
