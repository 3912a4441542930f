// Learning's flushes written on a thread of their own (learn-writer-worker.ts), so that the
// per-second SQLite transaction (about a quarter of learning's time where conversations keep
// appearing) no longer stops the decoder. Learning's thread turns the records into JSON (they go
// on changing there) and hands the batch over; the writer thread runs the same one transaction
// per batch as before, so a killed process still resumes from a consistent point. The thread is
// started by the first batch learning does not wait for: a capture learned before its one flush
// is written here, sparing the thread's start.
//
// Bounded: at most MAX_IN_FLIGHT batches are handed over and not yet committed (their JSON in
// chunks that come back to be filled again: learn-json.ts); past that, and at settle(), learning
// waits (Atomics.wait on a shared counter, so the waiting needs no event loop and the Learner's
// API stays synchronous). A conversation in a batch not yet committed is read from here, one
// never written not looked for at all (stored-keys.ts), the rest from the database. A program
// run from its TypeScript sources (the unit tests) has no compiled writer thread and writes on
// learning's own thread instead: same batches, same transaction.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { StoreError } from './database.js';
import type { FlushBatch, LearnStore, StoredAsset, StoredConversation } from './learn-store.js';
import { ChunkPool, chunkedBatch, type ChunkedBatch } from './learn-json.js';
import { StoredKeys } from './stored-keys.js';
import type { ConversationRecordType as Conversation } from './records.js';

/** Batches handed to the writer thread and not yet committed: learning is at most this far ahead of the disk (it makes the next one meanwhile). */
export const MAX_IN_FLIGHT = 1;
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

/** What goes to the writer thread, and what comes back. */
export type ToWriter = { type: 'batch'; seq: number; batch: ChunkedBatch } | { type: 'close' };
export type FromWriter = { type: 'written'; chunks: Uint8Array[] } | { type: 'failed'; message: string };

const DEFAULT_WORKER = new URL('./learn-writer-worker.js', import.meta.url);

interface Thread {
  worker: Worker;
  port: MessagePort;
  state: Int32Array;
  /** Set by the worker's exit event (seen whenever learning yields to the event loop). */
  exited?: string;
}

export class LearnWriter {
  private thread: Thread | undefined;
  /** Whether a writer thread can be had (its compiled module is there). */
  private readonly canThread: boolean;
  private posted = 0;
  /** Conversations of batches not yet committed: key -> the record and its batch. */
  private readonly inFlight = new Map<string, { conv: Conversation; seq: number }>();
  private failure: StoreError | undefined;
  /** Why the writer thread failed, as it said. */
  private reason: string | undefined;
  private readonly pool = new ChunkPool();
  /** The conversations written, so that one new to the plant is not looked for in the database. */
  private readonly stored = new StoredKeys();

  constructor(
    private readonly store: LearnStore,
    private readonly workerUrl: URL = DEFAULT_WORKER,
  ) {
    this.canThread = existsSync(fileURLToPath(workerUrl));
    for (const key of store.conversationKeys()) this.stored.add(key);
  }

  /** Whether batches are written on a thread of their own (from the first batch learning does not wait for). */
  get threaded(): boolean {
    return this.thread !== undefined;
  }

  /** Hands `batch` to the writer thread (started if need be), waiting first while MAX_IN_FLIGHT are not yet committed. */
  write<A extends StoredAsset, C extends StoredConversation>(batch: FlushBatch<A, C>): void {
    this.remember(batch);
    const t = this.thread ?? (this.canThread ? this.start() : undefined);
    if (!t) {
      this.store.flush(batch);
      return;
    }
    this.receive(t);
    const chunked = chunkedBatch(batch, this.pool);
    this.waitFor(this.posted + 1 - MAX_IN_FLIGHT);
    const seq = ++this.posted;
    const message: ToWriter = { type: 'batch', seq, batch: chunked };
    t.port.postMessage(message, chunked.chunks.map((c) => c.buffer as ArrayBuffer));
    for (const c of batch.conversations) this.inFlight.set(c.key, { conv: c as unknown as Conversation, seq });
  }

  /**
   * Writes `batch` and waits until it is on disk. With no writer thread running yet (a short
   * capture learns everything before its one flush) it is written here, sparing the thread's start.
   */
  writeNow<A extends StoredAsset, C extends StoredConversation>(batch: FlushBatch<A, C>): void {
    if (this.thread) {
      this.write(batch);
      this.settle();
    } else {
      this.remember(batch);
      this.store.flush(batch);
    }
  }

  private remember<A extends StoredAsset, C extends StoredConversation>(batch: FlushBatch<A, C>): void {
    for (const c of batch.conversations) this.stored.add(c.key);
  }

  private start(): Thread {
    const { port1, port2 } = new MessageChannel();
    const state = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
    const start: WriterStart = { path: this.store.db.name, state, port: port2 };
    const worker = new Worker(this.workerUrl, { workerData: start, transferList: [port2] });
    // Learning's process ends when learning does, not when its writer does.
    worker.unref();
    port1.unref();
    const thread: Thread = { worker, port: port1, state: new Int32Array(state) };
    worker.once('exit', (code) => (thread.exited = `exit code ${code}`));
    worker.once('error', (err) => (thread.exited = err.message));
    return (this.thread = thread);
  }

  /** A conversation as learning last handed it over, or as the database has it. */
  conversation(key: string): Conversation | undefined {
    return this.inFlight.get(key)?.conv ?? (this.stored.mayHave(key) ? this.store.conversation(key) : undefined);
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
    this.receive(t);
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

  /** What the writer thread sent: chunks written (back to the pool), or why it failed. */
  private receive(t: Thread): void {
    for (let m = receiveMessageOnPort(t.port); m; m = receiveMessageOnPort(t.port)) {
      const reply = m.message as FromWriter;
      if (reply.type === 'written') this.pool.give(reply.chunks);
      else this.reason = reply.message;
    }
  }

  /** Throws the writer's failure: the batch it could not write, and why. Nothing after that batch was written. */
  private check(t: Thread): void {
    if (this.failure) throw this.failure;
    const failed = Atomics.load(t.state, FAILED);
    if (failed === 0) return;
    this.receive(t);
    throw this.fail(`learning's write ${failed} failed: ${this.reason ?? 'no reason given'}; nothing learned after the last commit is stored`);
  }

  private fail(message: string): StoreError {
    this.failure = new StoreError(this.store.db.name, message);
    void this.thread?.worker.terminate();
    return this.failure;
  }
}
