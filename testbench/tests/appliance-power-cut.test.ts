// A power cut as the appliance can simulate it: every writer killed with SIGKILL in the middle
// of its transactions, three times over on one database. Whatever a writer reported as done
// (its commit returned) is there afterwards: every approved version, approved, with its audit
// entry; the database passes SQLite's integrity check and the audit chain verifies.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatPolicy } from '../../src/policy/document.js';
import { openDatabase } from '../../src/store/database.js';
import { PolicyStore } from '../../src/store/policy-store.js';
import { cellPolicy } from '../lib/inline.js';

const WRITER = join(import.meta.dirname, '..', '..', 'dist', 'testbench', 'lib', 'store-writer.js');
const WRITERS = 4;

describe('power cut (kill -9 of every writer)', () => {
  it('never loses an approved policy or an audit entry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulkhead-cut-'));
    const db = join(dir, 'b.db');
    const file = join(dir, 'cell.yaml');
    writeFileSync(file, formatPolicy(cellPolicy('10.0.0.21', '10.0.0.11')));
    const reported = new Set<number>();
    for (let round = 0; round < 3; round++) {
      const writers: ChildProcess[] = [];
      const exits: Promise<unknown>[] = [];
      const early: string[] = [];
      for (let w = 0; w < WRITERS; w++) {
        const p = spawn(process.execPath, [WRITER, db, file, `writer${w}`], { stdio: ['ignore', 'pipe', 'pipe'] });
        // Listened for from the start: a writer that fails on its own must fail the test, not hang it.
        let stderr = '';
        p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        exits.push(new Promise((r) => p.once('exit', (code, signal) => {
          if (signal !== 'SIGKILL') early.push(`writer${w} exited by itself (${code ?? signal}): ${stderr.trim()}`);
          r(undefined);
        })));
        let buf = '';
        p.stdout!.on('data', (d: Buffer) => {
          buf += d.toString();
          const lines = buf.split('\n');
          buf = lines.pop()!;
          for (const l of lines) reported.add(Number(l.split(' ')[1]));
        });
        writers.push(p);
      }
      const before = reported.size;
      // Cut while all of them are busy: at least a few commits in, at a time nobody chose.
      await new Promise((r) => setTimeout(r, 1500 + Math.random() * 1000));
      for (const p of writers) p.kill('SIGKILL');
      await Promise.all(exits);
      expect(early).toEqual([]);
      expect(reported.size).toBeGreaterThan(before);
    }

    const store = new PolicyStore(openDatabase(db));
    try {
      expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
      const verified = store.audit.verify();
      expect(verified.ok).toBe(true);
      const approvals = new Set(store.audit.list().filter((e) => e.action === 'policy.approve').map((e) => Number(e.target.split(' ')[1])));
      const lost = [...reported].filter((v) => store.get(v).status !== 'approved' || !approvals.has(v));
      console.log(`power cut x3 with ${WRITERS} writers: ${reported.size} approvals reported, ${lost.length} lost; ${verified.entries} audit entries, chain intact`);
      expect(lost).toEqual([]);
    } finally {
      store.db.close();
    }
  }, 60_000);
});
