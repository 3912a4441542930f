// Learning's flushes written on a thread of their own (learn-writer-worker.ts), so that the
// per-second SQLite transaction (about a quarter of learning's time where conversations keep
// appearing) no longer stops the decoder. Learning's thread turns the records into JSON (they go
// on changing there) and hands the batch over; the writer thread runs the same one transaction
// per batch as before, so a killed process still resumes from a consistent point.
//
// Bounded: at most MAX_IN_FLIGHT batches are handed over and not yet committed; past that, and at
// settle(), learning waits (Atomics.wait on a shared counter, so the waiting needs no event loop
// and the Learner's API stays synchronous). A conversation in a batch not yet committed is read
// from here, not from the database, if the baseline needs it back. A program run from its
// TypeScript sources (the unit tests) has no compiled writer thread and writes on learning's own
// thread instead: same batches, same transaction.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { StoreError } from './database.js';
import { writableBatch, type FlushBatch, type LearnStore, type StoredAsset, type StoredConversation } from './learn-store.js';
import type { ConversationRecordType as Conversation } from './records.js';

/** Batches handed to the writer thread and not yet committed: learning is at most this far ahead of the disk. */
export const MAX_IN_FLIGHT = 2;
/** No batch committed for this long while learning waits: the writer thread is taken for stopped. */
export const WRITER_STALL_MS = 60_000;

/** Slots of the shared state: the last batch committed, the batch that failed (0: none), closed. */
export const COMMITTED = 0;
export const FAILED = 1;
export const CLOSED = 2;

export interface WriterStart {
  path: string;
  state: SharedArrayBuffer;
  port: MessagePort;
}

/** What goes to the writer thread. */
export type ToWriter = { type: 'batch'; seq: number; batch: ReturnType<typeof writableBatch> } | { type: 'close' };

const DEFAULT_WORKER = new URL('./learn-writer-worker.js', import.meta.url);

interface Thread {
  worker: Worker;
  port: MessagePort;
  state: Int32Array;
  /** Set by the worker's exit event (seen whenever learning yields to the event loop). */
  exited?: string;
}

export class LearnWriter {
  private readonly thread: Thread | undefined;
  private posted = 0;
  /** Conversations of batches not yet committed: key -> the record and its batch. */
  private readonly inFlight = new Map<string, { conv: Conversation; seq: number }>();
  private failure: StoreError | undefined;

  constructor(
    private readonly store: LearnStore,
    workerUrl: URL = DEFAULT_WORKER,
  ) {
    if (!existsSync(fileURLToPath(workerUrl))) return;
    const { port1, port2 } = new MessageChannel();
    const state = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
    const start: WriterStart = { path: store.db.name, state, port: port2 };
    const worker = new Worker(workerUrl, { workerData: start, transferList: [port2] });
    // Learning's process ends when learning does, not when its writer does.
    worker.unref();
    port1.unref();
    const thread: Thread = { worker, port: port1, state: new Int32Array(state) };
    worker.once('exit', (code) => (thread.exited = `exit code ${code}`));
    worker.once('error', (err) => (thread.exited = err.message));
    this.thread = thread;
  }

  /** Whether batches are written on a thread of their own. */
  get threaded(): boolean {
    return this.thread !== undefined;
  }

  /** Writes `batch` (on the writer thread: hands it over, waiting first while MAX_IN_FLIGHT are not yet committed). */
  write<A extends StoredAsset, C extends StoredConversation>(batch: FlushBatch<A, C>): void {
    const t = this.thread;
    if (!t) {
      this.store.flush(batch);
      return;
    }
    this.waitFor(this.posted + 1 - MAX_IN_FLIGHT);
    const seq = ++this.posted;
    const message: ToWriter = { type: 'batch', seq, batch: writableBatch(batch) };
    t.port.postMessage(message);
    for (const c of batch.conversations) this.inFlight.set(c.key, { conv: c as unknown as Conversation, seq });
  }

  /** A conversation as learning last handed it over, or as the database has it. */
  conversation(key: string): Conversation | undefined {
    return this.inFlight.get(key)?.conv ?? this.store.conversation(key);
  }

  /** Waits until every batch handed over is committed; throws the writer's error if one failed. */
  settle(): void {
    this.waitFor(this.posted);
  }

  /** Settles, then closes the writer thread's database connection and ends the thread. */
  close(): void {
    const t = this.thread;
    if (!t || this.failure) return;
    this.settle();
    t.port.postMessage({ type: 'close' } satisfies ToWriter);
    this.waitUntil(() => Atomics.load(t.state, CLOSED) === 1, 'closing its database');
  }

  private waitFor(seq: number): void {
    const t = this.thread;
    if (!t || seq <= 0) return;
    this.waitUntil(() => Atomics.load(t.state, COMMITTED) >= seq, `committing batch ${seq}`);
    const committed = Atomics.load(t.state, COMMITTED);
    for (const [key, f] of this.inFlight) if (f.seq <= committed) this.inFlight.delete(key);
  }

  private waitUntil(done: () => boolean, what: string): void {
    const t = this.thread!;
    let heard = Date.now();
    let committed = Atomics.load(t.state, COMMITTED);
    for (;;) {
      this.check(t);
      if (done()) return;
      Atomics.wait(t.state, COMMITTED, committed, 100);
      const now = Atomics.load(t.state, COMMITTED);
      if (now !== committed) {
        committed = now;
        heard = Date.now();
      } else if (t.exited || Date.now() - heard > WRITER_STALL_MS) {
        this.check(t);
        throw this.fail(`the learning database writer stopped (${t.exited ?? `nothing committed for ${WRITER_STALL_MS / 1000} s`}) while ${what}`);
      }
    }
  }

  /** Throws the writer's failure: the batch it could not write, and why. Nothing after that batch was written. */
  private check(t: Thread): void {
    if (this.failure) throw this.failure;
    const failed = Atomics.load(t.state, FAILED);
    if (failed === 0) return;
    const reply = receiveMessageOnPort(t.port)?.message as { message?: string } | undefined;
    throw this.fail(`learning's write ${failed} failed: ${reply?.message ?? 'no reason given'}; nothing learned after the last commit is stored`);
  }

  private fail(message: string): StoreError {
    this.failure = new StoreError(this.store.db.name, message);
    void this.thread?.worker.terminate();
    return this.failure;
  }
}
