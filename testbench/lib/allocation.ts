// How much JavaScript heap a piece of work allocates, for benchmarks that keep allocation off a
// per-packet path: what each garbage collection freed while it ran, plus what the heap grew by.
// (V8 keeps no running total of bytes allocated; this counts all that died or stayed.)

import { GCProfiler, getHeapStatistics } from 'node:v8';

export async function allocated<T>(work: () => T | Promise<T>): Promise<{ result: T; bytes: number }> {
  const profiler = new GCProfiler();
  const before = getHeapStatistics().used_heap_size;
  profiler.start();
  const result = await work();
  const after = getHeapStatistics().used_heap_size;
  const { statistics } = profiler.stop();
  const freed = statistics.reduce((n, gc) => n + Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize), 0);
  return { result, bytes: freed + after - before };
}
