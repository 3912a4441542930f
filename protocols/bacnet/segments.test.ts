import { describe, expect, it } from 'vitest';
import { ReassemblyBudget } from '../reassembly.js';
import { BacnetChannel } from './segments.js';

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');
/** A writePropertyMultiple (service 16) to analog-value 1: present-value 5.0, then out-of-service false. */
const SERVICE = hex('0c 00800001 1e 09 55 2e 44 40a00000 2f 09 51 2e 10 2f 1f');

/** One segment of a confirmed request (invoke id 7) carrying `data`, as a BACnet/IP datagram. */
function segment(seq: number, more: boolean, data: Buffer, invoke = 7): Buffer {
  const apdu = Buffer.concat([Buffer.from([0x0a | (more ? 0x04 : 0), 0x05, invoke, seq, 4, 16]), data]);
  const b = Buffer.concat([hex('810a0000 0104'), apdu]);
  b.writeUInt16BE(b.length, 2);
  return b;
}

function pieces(n: number): Buffer[] {
  const size = Math.ceil(SERVICE.length / n);
  return Array.from({ length: n }, (_, k) => segment(k, k < n - 1, SERVICE.subarray(k * size, (k + 1) * size)));
}

describe('BACnet segmented confirmed requests', () => {
  it('are decoded once, whole, when the last segment is in', () => {
    const budget = new ReassemblyBudget(4096, 65_536);
    const ch = new BacnetChannel(budget);
    const [a, b, c] = pieces(3);
    expect(ch.decode(a!, 0, a!.length, true)).toBeUndefined();
    expect(ch.decode(b!, 0, b!.length, true)).toBeUndefined();
    expect(budget.held).toBeGreaterThan(0);
    const rec = ch.decode(c!, 0, c!.length, true)!;
    expect(rec).toMatchObject({ codeName: 'writePropertyMultiple', kind: 'write', transactionId: 7, anomalies: [] });
    expect(rec.details).toMatchObject({ segments: 3 });
    expect(rec.targets.map((t) => t.type === 'bacnet' && [t.objectType, t.instance, t.property])).toEqual([
      [2, 1, 85],
      [2, 1, 81],
    ]);
    expect(budget.held).toBe(0);
  });

  it('a repeated segment, byte for byte, is already held; one out of sequence ends the request', () => {
    const ch = new BacnetChannel(new ReassemblyBudget(4096, 65_536));
    const [a, b, c] = pieces(3);
    ch.decode(a!, 0, a!.length, true);
    expect(ch.decode(a!, 0, a!.length, true)).toBeUndefined();
    expect(ch.decode(c!, 0, c!.length, true)!.anomalies).toEqual([{ type: 'chunk_sequence', detail: 'segment 2 of request 7 where segment 1 was due' }]);
    // Its later segments belong to nothing followed: never a request of their own.
    const late = ch.decode(b!, 0, b!.length, true)!;
    expect(late.anomalies[0]!.type).toBe('chunk_sequence');
    expect(late.targetsTruncated).toBe(true);
  });

  it('a request over the budget is refused as too large, and what it held goes back', () => {
    const budget = new ReassemblyBudget(10, 65_536);
    const ch = new BacnetChannel(budget);
    const [a, b] = pieces(3);
    expect(ch.decode(a!, 0, a!.length, true)).toBeUndefined();
    expect(ch.decode(b!, 0, b!.length, true)!.anomalies[0]).toMatchObject({ type: 'message_too_large' });
    expect(budget.held).toBe(0);
    expect(budget.refused).toBe(1);
  });

  it('the two senders of a conversation may use the same invoke id', () => {
    const ch = new BacnetChannel(new ReassemblyBudget(4096, 65_536));
    const [a, b] = pieces(2);
    ch.decode(a!, 0, a!.length, true);
    ch.decode(a!, 0, a!.length, false);
    expect(ch.decode(b!, 0, b!.length, true)!.codeName).toBe('writePropertyMultiple');
    expect(ch.decode(b!, 0, b!.length, false)!.codeName).toBe('writePropertyMultiple');
  });
});
