// Time order for a generated capture: tasks fire in order of their next time (one heap for all
// of them, so a connection's requests leave in order and its TCP sequence numbers grow with
// time), and the packets they make, responses some milliseconds or seconds after their
// requests, are written sorted by time once no task can make an earlier one.

import type { PacketInput } from '../../src/flow/operation-decoder.js';
import { PcapFileWriter } from '../../src/test-support/modbus-traffic.js';

/** Something that happens again and again: fires at `next`, then says when next (undefined: never). */
export interface Task {
  next: number;
  fire(): number | undefined;
}

/** Packets held before they are sorted and written, at most: the sort is cheap, memory stays small. */
const HELD = 50_000;
/** Frame numbers kept per label (the first ones); the rest are counted. */
const FRAMES_KEPT = 20;

export interface TaggedFrames {
  frames: number[];
  count: number;
}

interface Held {
  p: PacketInput;
  order: number;
  tag: string | undefined;
}

export class Recorder {
  private held: Held[] = [];
  private order = 0;
  private readonly out: PcapFileWriter;
  /** The label whose traffic is being made now: its packets' frame numbers are kept with it. */
  tag: string | undefined;
  readonly tagged = new Map<string, TaggedFrames>();

  constructor(path: string) {
    this.out = new PcapFileWriter(path);
  }

  readonly sink = (p: PacketInput): void => {
    this.held.push({ p, order: this.order++, tag: this.tag });
  };

  /** Writes what is older than `now`: nothing made from now on can be earlier. */
  flush(now: number): void {
    this.held.sort((a, b) => a.p.ts - b.p.ts || a.order - b.order);
    let n = 0;
    while (n < this.held.length && this.held[n]!.p.ts < now) this.write(this.held[n++]!);
    this.held = this.held.slice(n);
  }

  get pending(): number {
    return this.held.length;
  }

  close(): number {
    this.flush(Infinity);
    this.out.close();
    return this.out.frames;
  }

  private write(h: Held): void {
    this.out.write(h.p);
    if (h.tag === undefined) return;
    let t = this.tagged.get(h.tag);
    if (!t) this.tagged.set(h.tag, (t = { frames: [], count: 0 }));
    t.count++;
    if (t.frames.length < FRAMES_KEPT) t.frames.push(this.out.frames);
  }
}

/** Fires the tasks in time order until `end`, writing as it goes. */
export function run(tasks: Task[], end: number, recorder: Recorder): void {
  const heap = new TaskHeap(tasks.filter((t) => t.next < end));
  while (heap.size > 0) {
    const t = heap.peek();
    const next = t.fire();
    if (next === undefined || next >= end) heap.pop();
    else {
      t.next = next;
      heap.sift();
    }
    if (recorder.pending >= HELD && heap.size > 0) recorder.flush(heap.peek().next);
  }
}

/** A binary min-heap of tasks by their next time. */
class TaskHeap {
  private readonly a: Task[];

  constructor(tasks: Task[]) {
    this.a = [...tasks].sort((x, y) => x.next - y.next);
  }

  get size(): number {
    return this.a.length;
  }

  peek(): Task {
    return this.a[0]!;
  }

  pop(): void {
    const last = this.a.pop()!;
    if (this.a.length === 0) return;
    this.a[0] = last;
    this.sift();
  }

  /** The top's time grew: moves it down to its place. */
  sift(): void {
    const a = this.a;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && a[l]!.next < a[m]!.next) m = l;
      if (r < a.length && a[r]!.next < a[m]!.next) m = r;
      if (m === i) return;
      [a[i], a[m]] = [a[m]!, a[i]!];
      i = m;
    }
  }
}
