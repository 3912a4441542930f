// One learning process per database, on a real SQLite file with real processes: a live Node
// process's claim refuses another, naming it; a dead one's, another machine's and a reused
// process id's are taken over; learners in one process share the claim; release gives it up.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, StoreError, type Db } from './database.js';
import { claimLearning } from './learning-claim.js';

const dir = mkdtempSync(join(tmpdir(), 'bulkhead-claim-'));
let n = 0;
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

/** A process that lives until killed, once it is running. */
async function live(command: string, args: string[]): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('error', reject);
  });
  return child;
}

const nodeProcess = () => live(process.execPath, ['-e', "console.log('up'); setInterval(() => {}, 1000)"]);

function held(db: Db, pid: number, host = hostname()): void {
  db.prepare('INSERT OR REPLACE INTO learning_claim (id, pid, host, since, command) VALUES (1, ?, ?, ?, ?)').run(pid, host, Date.parse('2026-12-01T06:00:00Z'), 'bulkhead learn --interface br0');
}

const holder = (db: Db) => db.prepare('SELECT pid, command FROM learning_claim').get() as { pid: number; command: string } | undefined;

describe('learning claim', () => {
  const fresh = () => openDatabase(join(dir, `claim-${++n}.db`));

  it("refuses while another live learner holds the database, naming it, and leaves its claim", async () => {
    const db = fresh();
    const other = await nodeProcess();
    held(db, other.pid!);
    let error: unknown;
    try {
      claimLearning(db);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toContain(`already being learned into by process ${other.pid} (bulkhead learn --interface br0, since 2026-12-01T06:00:00.000Z)`);
    expect(holder(db)?.pid).toBe(other.pid);
  });

  it('takes over from a learner that died, one on another machine, and a reused process id', async () => {
    const db = fresh();
    const gone = await nodeProcess();
    const exited = new Promise((r) => gone.once('exit', r));
    gone.kill('SIGKILL');
    await exited;
    held(db, gone.pid!);
    claimLearning(db);
    expect(holder(db)?.pid).toBe(process.pid);

    const elsewhere = await nodeProcess();
    held(db, elsewhere.pid!, `${hostname()}-other`);
    claimLearning(db);
    expect(holder(db)?.pid).toBe(process.pid);

    const notNode = await live('sh', ['-c', 'echo up; exec sleep 60']);
    held(db, notNode.pid!);
    claimLearning(db);
    expect(holder(db)?.pid).toBe(process.pid);
  });

  it('is shared by learners of one process and given up by release', () => {
    const db = fresh();
    const release = claimLearning(db);
    claimLearning(db);
    expect(holder(db)?.pid).toBe(process.pid);
    expect(holder(db)?.command).toMatch(/^bulkhead\b/);
    release();
    expect(holder(db)).toBeUndefined();
  });
});
