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

  it('compares a retransmission with the delivered bytes while its ring grows with the stream, and after it wraps', () => {
    const t = new TcpDirection(1 << 16, 1536);
    const { s, impl } = sink();
    t.syn(-1);
    // A byte's value is its position in the stream: a retransmission is checked against it.
    const stream = (from: number, n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (from + i) % 251));
    let next = 0;
    const faithful: number[] = [];
    const changed: number[] = [];
    for (const n of [12, 100, 300, 700, 900, 2000, 40, 1400]) {
      t.segment(next, stream(next, n), impl, 1, 0);
      next += n;
      // A copy of the last bytes sent, 1 to 1,536 back, faithful and then with 3 bytes changed.
      const back = Math.min(next, 1536, n + 200);
      t.segment(next - back, stream(next - back, back), impl, 1, 0);
      faithful.push(s.conflicts.length);
      const copy = stream(next - back, back);
      for (const at of [0, Math.floor(back / 2), back - 1]) copy[at] = copy[at]! ^ 0xff;
      t.segment(next - back, copy, impl, 1, 0);
      changed.push(s.conflicts.at(-1)!);
    }
    expect(faithful).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(changed).toEqual([3, 3, 3, 3, 3, 3, 3, 3]);
    expect(Buffer.from(s.bytes, 'latin1').equals(stream(0, next))).toBe(true);
  });
});

