// One learning process per database. Two would each miss the conversations the other adds after
// it started (learning keeps the set of stored ones in memory: stored-keys.ts) and overwrite
// each other's assets. The learner's process is written in the database: another process is
// refused while that one lives, and takes over from one that died (killed, power cut) or from
// one on another machine (a database copied off a gateway). Learners in one process share it.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { StoreError, type Db } from './database.js';

interface Claim {
  pid: number;
  host: string;
  since: number;
  command: string;
}

/** What the claim says of the command, at most. */
const COMMAND_CHARS = 200;

/**
 * Whether `pid` is a live process that can be a learner: a Node process (a process that
 * reused a dead learner's id is almost never one).
 */
function learnerAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return /node/i.test(readFileSync(`/proc/${pid}/cmdline`, 'latin1'));
  } catch {
    return true;
  }
}

/** Claims learning for this process; throws, naming the holder, while another process learns. Returns the release. */
export function claimLearning(db: Db): () => void {
  const command = ['bulkhead', ...process.argv.slice(2)].join(' ').slice(0, COMMAND_CHARS);
  db.transaction(() => {
    const held = db.prepare('SELECT pid, host, since, command FROM learning_claim WHERE id = 1').get() as Claim | undefined;
    if (held && held.pid !== process.pid && held.host === hostname() && learnerAlive(held.pid)) {
      throw new StoreError(
        db.name,
        `already being learned into by process ${held.pid} (${held.command}, since ${new Date(held.since).toISOString()}): one learner at a time, or each would miss what the other learns; stop that one first, or learn into another database (--db)`,
      );
    }
    db.prepare('INSERT OR REPLACE INTO learning_claim (id, pid, host, since, command) VALUES (1, ?, ?, ?, ?)').run(process.pid, hostname(), Date.now(), command);
  }).immediate();
  return () => db.prepare('DELETE FROM learning_claim WHERE id = 1 AND pid = ?').run(process.pid);
}
