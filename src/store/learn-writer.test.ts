// Learning's writer thread, built (npm test builds first) and run for real: batches land in order
// in one transaction each, a batch not yet committed is read back from the writer, learning waits
// when MAX_IN_FLIGHT batches are ahead of the disk, a batch the database refuses stops the
// writer with an error that says which and why, and what was stored before it began is found
// again. Another process holds SQLite's write lock to hold the writer back: nothing here depends
// on how fast the machine is.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from './database.js';
import { LearnStore, type FlushBatch, type StoredAsset, type StoredConversation } from './learn-store.js';
import { LearnWriter, MAX_IN_FLIGHT } from './learn-writer.js';

const WORKER = new URL('../../dist/src/store/learn-writer-worker.js', import.meta.url);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A batch of one new conversation, `n`. */
function batch(n: number): FlushBatch<StoredAsset, StoredConversation> {
  const conv = { key: `10.0.0.${n}>10.0.1.1:502/modbus`, protocol: 'modbus', client: { ip: `10.0.0.${n}` }, server: { ip: '10.0.1.1', port: 502 }, firstSeen: n, lastSeen: n };
  return { assets: [], conversations: [conv], discoveries: [{ ts: n, type: 'conversation', subject: conv.key, detail: `batch ${n}` }], events: [], clock: { firstSeen: 1, lastSeen: n, lastDiscovery: n } };
}

/** A process holding the database's write lock until told (a line on its stdin). */
async function holdLock(path: string): Promise<ChildProcessWithoutNullStreams> {
  const script = `import Database from 'better-sqlite3'; const db = new Database(${JSON.stringify(path)}); db.exec('BEGIN IMMEDIATE'); console.log('locked');
    process.stdin.once('data', () => { db.exec('ROLLBACK'); db.close(); process.exit(0); });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the lock holder exited (${code})`)));
  });
  return child;
}

async function release(child: ChildProcessWithoutNullStreams): Promise<void> {
  await new Promise<void>((r) => child.stdin.write('go\n', () => r()));
}

describe("learning's writer thread", () => {
  let dir: string;
  const open: { writer: LearnWriter; store: LearnStore; lock?: ChildProcessWithoutNullStreams }[] = [];

  beforeAll(() => {
    if (!existsSync(fileURLToPath(WORKER))) throw new Error(`${fileURLToPath(WORKER)} is missing: run npm run build first`);
    dir = mkdtempSync(join(tmpdir(), 'bulkhead-writer-'));
  });

  afterEach(() => {
    for (const o of open.splice(0)) {
      o.lock?.kill();
      o.store.db.close();
    }
  });

  function writerOn(name: string): { writer: LearnWriter; store: LearnStore; path: string } {
    const path = join(dir, name);
    const store = new LearnStore(openDatabase(path));
    const writer = new LearnWriter(store, WORKER);
    open.push({ writer, store });
    return { writer, store, path };
  }

  it('writes each batch in its own transaction, in order, on its own thread', () => {
    const { writer, store } = writerOn('order.db');
    for (let n = 1; n <= 5; n++) writer.write(batch(n));
    expect(writer.threaded).toBe(true);
    writer.close();
    expect(store.conversations().map((c) => c.key)).toEqual([1, 2, 3, 4, 5].map((n) => `10.0.0.${n}>10.0.1.1:502/modbus`));
    expect(store.revision()).toBe(5);
    expect(store.clock()).toEqual({ firstSeen: 1, lastSeen: 5, lastDiscovery: 5 });
  });

  it('reads back a conversation not yet committed, and waits once MAX_IN_FLIGHT batches are ahead of the disk', async () => {
    const { writer, store, path } = writerOn('inflight.db');
    const lock = await holdLock(path);
    open[open.length - 1]!.lock = lock;
    for (let n = 1; n <= MAX_IN_FLIGHT; n++) writer.write(batch(n));
    // The writer is held back by the lock: the database has nothing yet, the writer has both.
    expect(store.conversation('10.0.0.1>10.0.1.1:502/modbus')).toBeUndefined();
    expect(writer.conversation('10.0.0.1>10.0.1.1:502/modbus')).toMatchObject({ firstSeen: 1 });
    await release(lock);
    // One more must wait until the first is on disk.
    writer.write(batch(MAX_IN_FLIGHT + 1));
    expect(store.conversation('10.0.0.1>10.0.1.1:502/modbus')).toMatchObject({ firstSeen: 1 });
    writer.settle();
    expect(store.totals().conversations).toBe(MAX_IN_FLIGHT + 1);
  });

  it('stops at a batch the database refuses, saying which and why, and writes nothing after it', async () => {
    const { writer, store, path } = writerOn('refused.db');
    writer.write(batch(1));
    writer.settle();
    // Held past SQLite's busy timeout: the second batch is refused.
    const lock = await holdLock(path);
    open[open.length - 1]!.lock = lock;
    writer.write(batch(2));
    expect(() => writer.settle()).toThrow(/refused\.db: learning's write 2 failed: database is locked; nothing learned after the last commit is stored/);
    await release(lock);
    expect(() => writer.write(batch(3))).toThrow(/learning's write 2 failed/);
    expect(store.conversations().map((c) => c.firstSeen)).toEqual([1]);
  });

  it("writes a batch learning waits for on learning's own thread while no writer thread runs", () => {
    const { writer, store } = writerOn('now.db');
    writer.writeNow(batch(1));
    expect(writer.threaded).toBe(false);
    expect(store.totals().conversations).toBe(1);
    writer.write(batch(2));
    writer.writeNow(batch(3));
    expect(writer.threaded).toBe(true);
    expect(store.conversations().map((c) => c.firstSeen)).toEqual([1, 2, 3]);
    writer.close();
  });

  it("stores each conversation's digest beside its record, on either thread", () => {
    const { writer, store } = writerOn('digest.db');
    const withOperations = (n: number) => {
      const b = batch(n);
      const targets = [{ type: 'modbus' as const, unit: 1, table: 'holding_registers', ranges: [[0, 9]] as [number, number][] }];
      const read = { kind: 'read' as const, code: 3, codeName: 'Read Holding Registers', count: n, firstSeen: n, lastSeen: n, targets, outcomes: { ok: n }, polls: [], anomalies: {}, values: { 'unit 1 holding_registers 0': { samples: 1, min: 5, max: 5, firstSeen: n, lastSeen: n } } };
      b.conversations[0]!.operations = { 'read/3': read };
      return b;
    };
    writer.writeNow(withOperations(1));
    writer.write(withOperations(2));
    expect(writer.threaded).toBe(true);
    writer.close();
    const digests = store.digests();
    expect(digests.map((d) => d.operations['read/3'])).toEqual([1, 2].map((n) => ({ kind: 'read', code: 3, codeName: 'Read Holding Registers', count: n, lastSeen: n, targets: [{ type: 'modbus', unit: 1, table: 'holding_registers', ranges: [[0, 9]] }] })));
    expect(store.conversations().map((c) => Object.keys(c.operations['read/3']!.values!))).toEqual([['unit 1 holding_registers 0'], ['unit 1 holding_registers 0']]);
  });

  it('finds the conversations stored before it began and those it wrote, and none it never saw', () => {
    const first = writerOn('resume.db');
    first.writer.writeNow(batch(1));
    first.writer.close();
    const { writer } = writerOn('resume.db');
    expect(writer.conversation('10.0.0.1>10.0.1.1:502/modbus')).toMatchObject({ firstSeen: 1 });
    writer.writeNow(batch(2));
    expect(writer.conversation('10.0.0.2>10.0.1.1:502/modbus')).toMatchObject({ firstSeen: 2 });
    expect(writer.conversation('10.0.0.3>10.0.1.1:502/modbus')).toBeUndefined();
  });
});
