// The writer thread of learn-writer.ts: its own connection to the database, one transaction per
// batch in the order handed over, the last committed batch told through the shared state. A batch
// that fails stops the writer: the batches after it hold only what changed since, so writing them
// would store a baseline that never was.

import { workerData } from 'node:worker_threads';
import { openDatabase } from './database.js';
import { LearnStore } from './learn-store.js';
import { chunkedRows } from './learn-json.js';
import { CLOSED, COMMITTED, FAILED, type FromWriter, type ToWriter, type WriterStart } from './learn-writer.js';

const start = workerData as WriterStart;
const state = new Int32Array(start.state);
const port = start.port;
let store: LearnStore | undefined;

function tell(slot: number, value: number): void {
  Atomics.store(state, slot, value);
  // Waiters wait on the committed slot whatever they wait for.
  Atomics.notify(state, COMMITTED);
}

port.on('message', (m: ToWriter) => {
  if (Atomics.load(state, FAILED) !== 0) return;
  if (m.type === 'close') {
    store?.db.close();
    tell(CLOSED, 1);
    port.close();
    return;
  }
  try {
    store ??= new LearnStore(openDatabase(start.path));
    const rows = chunkedRows(m.batch);
    store.writeRows(rows.assets, rows.conversations, m.batch.facts);
    // The chunks go back to be filled again.
    const chunks = m.batch.chunks;
    port.postMessage({ type: 'written', chunks } satisfies FromWriter, chunks.map((c) => c.buffer as ArrayBuffer));
    tell(COMMITTED, m.seq);
  } catch (err) {
    port.postMessage({ type: 'failed', message: (err as Error).message } satisfies FromWriter);
    tell(FAILED, m.seq);
  }
});
