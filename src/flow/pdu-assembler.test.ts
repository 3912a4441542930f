import { describe, expect, it } from 'vitest';
import type { Anomaly } from '../../protocols/operation.js';
import { PduAssembler, type Framer } from './pdu-assembler.js';

/** PDUs of a 2-byte big-endian length (of the whole PDU) and a body of that many bytes less two. */
const lengthPrefixed: Framer = {
  frame(buf, off, end) {
    if (end - off < 2) return { status: 'incomplete', needed: 2 - (end - off) };
    const length = buf.readUInt16BE(off);
    if (length < 2) return { status: 'invalid', anomaly: { type: 'invalid_header', detail: `length ${length}` } };
    return end - off >= length ? { status: 'ok', length } : { status: 'incomplete', needed: length - (end - off) };
  },
  looksLike: (buf, off, end) => end - off >= 2 && buf.readUInt16BE(off) >= 2,
};

function pdu(length: number, fill: number): Buffer {
  const b = Buffer.alloc(length, fill);
  b.writeUInt16BE(length, 0);
  return b;
}

function collector() {
  const pdus: Buffer[] = [];
  const lost: Anomaly[] = [];
  return { pdus, lost, sink: { pdu: (buf: Buffer, off: number, len: number) => pdus.push(Buffer.from(buf.subarray(off, off + len))), lost: (a: Anomaly) => lost.push(a) } };
}

/** `stream` cut into segments of `size` bytes. */
const segments = (stream: Buffer, size: number) => Array.from({ length: Math.ceil(stream.length / size) }, (_, i) => stream.subarray(i * size, (i + 1) * size));

describe('PduAssembler', () => {
  it('puts large PDUs split across segments back together, one after another, and small ones between them', () => {
    // Larger than the carry a connection keeps: each is carried in a buffer of its own.
    const sent = [pdu(14_000, 1), pdu(40, 2), pdu(9_000, 3), pdu(14_000, 4), pdu(300, 5)];
    const { pdus, lost, sink } = collector();
    const assembler = new PduAssembler(lengthPrefixed, 65_536);
    for (const seg of segments(Buffer.concat(sent), 1_460)) assembler.data(seg, true, sink);
    expect(lost).toEqual([]);
    expect(pdus).toEqual(sent);
  });

  it('drops a large partial PDU at a gap and reassembles the next one whole', () => {
    const { pdus, lost, sink } = collector();
    const assembler = new PduAssembler(lengthPrefixed, 65_536);
    const first = pdu(12_000, 7);
    assembler.data(first.subarray(0, 5_000), true, sink);
    assembler.gap();
    const next = pdu(12_000, 8);
    for (const seg of segments(next, 1_000)) assembler.data(seg, true, sink);
    expect(lost).toEqual([]);
    expect(pdus).toEqual([next]);
  });

  it('refuses a PDU past its bound, names the bound, and resynchronises on the next clean start', () => {
    const { pdus, lost, sink } = collector();
    const assembler = new PduAssembler(lengthPrefixed, 4_096);
    assembler.data(pdu(10_000, 1).subarray(0, 1_460), true, sink);
    expect(lost[0]?.type).toBe('message_too_large');
    expect(lost[0]?.detail).toContain('4096-byte bound');
    assembler.data(Buffer.alloc(1_460, 1), false, sink);
    assembler.data(pdu(3_000, 9), true, sink);
    expect(pdus).toEqual([pdu(3_000, 9)]);
    expect(assembler.skippedBytes).toBeGreaterThan(1_460);
  });
});
