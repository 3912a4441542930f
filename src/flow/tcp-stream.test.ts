import { describe, expect, it } from 'vitest';
import { TcpDirection, type StreamSink } from './tcp-stream.js';

function sink() {
  const s = { bytes: '', gaps: [] as number[], conflicts: [] as number[] };
  const impl: StreamSink = {
    data: (d) => void (s.bytes += d.toString('latin1')),
    gap: (n) => void s.gaps.push(n),
    conflict: (n) => void s.conflicts.push(n),
  };
  return { s, impl };
}

const seg = (t: TcpDirection, k: StreamSink, seq: number, text: string) => t.segment(seq, Buffer.from(text, 'latin1'), k, 1, 0);

describe('TCP direction', () => {
  it('keeps the first copy of retransmitted data and flags copies whose bytes differ', () => {
    const t = new TcpDirection(1 << 16, 64);
    const { s, impl } = sink();
    t.syn(999);
    seg(t, impl, 1000, 'ABCDEFGH');
    seg(t, impl, 1004, 'EFGH'); // faithful retransmission
    expect(s.conflicts).toEqual([]);
    seg(t, impl, 1004, 'EFXH'); // same sequence numbers, one byte changed
    expect(s.conflicts).toEqual([1]);
    seg(t, impl, 1006, 'GZIJ'); // overlaps 'GH' with 'GZ', then new data
    expect(s.conflicts).toEqual([1, 1]);
    expect(s.bytes).toBe('ABCDEFGHIJ');
    expect(t.conflicts).toBe(2);
  });

  it('flags differing copies of a held out-of-order segment, and overlaps found while draining', () => {
    const t = new TcpDirection(1 << 16, 64);
    const { s, impl } = sink();
    t.syn(0);
    seg(t, impl, 5, 'efgh');
    seg(t, impl, 5, 'eFgh');
    expect(s.conflicts).toEqual([1]);
    seg(t, impl, 1, 'abcdX'); // fills the hole; its last byte overlaps the held 'e'
    expect(s.bytes).toBe('abcdXfgh');
    expect(s.conflicts).toEqual([1, 1]);
  });

  it('does not compare across a gap or a FIN, where the stream positions no longer line up', () => {
    const t = new TcpDirection(1 << 16, 64);
    const { s, impl } = sink();
    t.syn(0);
    seg(t, impl, 1, 'abcd');
    t.ack(10, impl); // bytes 5..9 lost
    expect(s.gaps).toEqual([5]);
    seg(t, impl, 8, 'zzzz'); // straddles the lost part and new data: nothing to compare with
    expect(s.conflicts).toEqual([]);
  });

  it('bounds held out-of-order data: past the limit the hole is declared lost', () => {
    const t = new TcpDirection(8, 0);
    const { s, impl } = sink();
    t.syn(0);
    seg(t, impl, 11, 'xxxxxx');
    seg(t, impl, 17, 'yyyyyy'); // 12 bytes would be held
    expect(s.gaps).toEqual([10]);
    expect(s.bytes).toBe('xxxxxxyyyyyy');
  });
});
