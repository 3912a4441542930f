// One inspection queue on a thread of its own (inspection-pool.ts starts one per queue). The
// kernel balances host pairs over the queues, so a connection, both ways, always reaches the same
// worker: its streams, reassembly and resets are this worker's alone. Packets never cross
// threads; what does is small and rare: the policy when one is put in force, the denials (in
// batches), and a report of counts and verdict latency a few times a second, which is also how
// the engine knows this thread is alive.

import { parentPort, workerData } from 'node:worker_threads';
import { compilePolicy } from '../policy/evaluate.js';
import { EVENT_BATCH, REPORT_MS, type FromWorker, type ToWorker, type WorkerReport, type WorkerStart } from './inspection-messages.js';
import { Inspector, type InspectionEvent } from './inspector.js';
import type { LatencyStats } from './latency.js';
import { NfqueueUnavailable, openQueue } from './nfqueue.js';

const EVENT_FLUSH_MS = 10;

function run(port: NonNullable<typeof parentPort>, start: WorkerStart): void {
  const send = (m: FromWorker) => port.postMessage(m);
  let events: InspectionEvent[] = [];
  let dropped = 0;
  let flushing: NodeJS.Timeout | undefined;
  const flush = () => {
    flushing = undefined;
    send({ type: 'events', events, dropped });
    events = [];
    dropped = 0;
  };
  const onEvent = (e: InspectionEvent) => {
    if (events.length >= EVENT_BATCH) dropped++;
    else events.push(e);
    flushing ??= setTimeout(flush, EVENT_FLUSH_MS);
  };
  const inspector = new Inspector(compilePolicy(start.policy, start.names), start.mode, onEvent);
  inspector.isolate(start.isolated);
  let queue;
  try {
    queue = openQueue(start.queue, { maxLength: start.maxLength, failOpen: true }, (p) => inspector.verdict(p));
  } catch (err) {
    send({ type: 'failed', message: (err as Error).message, unavailable: err instanceof NfqueueUnavailable });
    port.close();
    return;
  }
  const report = (): WorkerReport => ({
    type: 'report',
    queue: start.queue,
    packets: inspector.counts.packets,
    denied: inspector.counts.denied,
    received: queue.stats(),
    reassembly: { heldBytes: inspector.follower.reassembly.held, refused: inspector.follower.reassembly.refused },
    latency: inspector.evaluator.policy.conduits.flatMap((c) => {
      const s = inspector.latency.stats(c.id);
      return s ? [[c.id, s] as [string, LatencyStats]] : [];
    }),
  });
  const timer = setInterval(() => send(report()), REPORT_MS);
  port.on('message', (m: ToWorker) => {
    if (m.type === 'use') {
      inspector.mode = m.mode;
      inspector.evaluator = compilePolicy(m.policy, m.names);
      inspector.isolate(m.isolated);
      send({ type: 'used', id: m.id });
    } else if (m.type === 'reset') inspector.latency.reset(m.conduitId);
    else {
      clearInterval(timer);
      queue.close();
      if (flushing) clearTimeout(flushing);
      flush();
      send(report());
      port.close();
    }
  });
  send({ type: 'ready' });
  send(report());
}

if (parentPort) run(parentPort, workerData as WorkerStart);
