// The learning commands as an operator meets them: damaged inputs named, nothing half-applied.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Asset } from '../../src/learn/model.js';
import { openDatabase } from '../../src/store/database.js';
import { claimLearning } from '../../src/store/learning-claim.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli.js');
const PCAPS = join(import.meta.dirname, '..', '..', '..', 'shared', 'pcaps');
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const tmp = () => mkdtempSync(join(tmpdir(), 'bulkhead-cli-'));

describe('bulkhead learn / assets / conversations', () => {
  it('learns the good captures, names the damaged one, and exits 2', () => {
    const dir = tmp();
    const bad = join(dir, 'not-a-capture.pcap');
    writeFileSync(bad, 'hello, this is not a capture');
    const db = join(dir, 'b.db');
    const r = run('learn', '--pcap', bad, join(PCAPS, 'modbus', 'modbus_example.pcap'), '--db', db, '--json');
    expect(r.status).toBe(2);
    const report = JSON.parse(r.stdout);
    expect(report.files.find((f: { path: string }) => f.path === bad).error).toMatch(/not-a-capture\.pcap: not a pcap or pcapng file/);
    const assets = JSON.parse(run('assets', '--db', db, '--json').stdout) as Asset[];
    expect(assets.some((a) => a.identity.modbus)).toBe(true);
    const table = run('assets', '--db', db);
    expect(table.stdout).toMatch(/address\s+mac\s+vendor\s+roles/);
    expect(run('conversations', '--db', db, '--protocol', 'modbus').stdout).toMatch(/Read Device Identification/);
  });

  it('refuses a file that is not a Bulkhead database, and bad options, with the reason', () => {
    const dir = tmp();
    const notDb = join(dir, 'notes.txt');
    writeFileSync(notDb, 'plant notes, definitely not SQLite '.repeat(200));
    const r = run('assets', '--db', notDb);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/notes\.txt: not a SQLite database/);
    const noMode = run('learn', '--db', join(dir, 'x.db'));
    expect(noMode.status).toBe(1);
    expect(noMode.stderr).toMatch(/exactly one of --pcap FILE..., --interface IF, --status/);
    expect(run('conversations', '--protocol', 'dnp3', '--db', join(dir, 'x.db')).stderr).toMatch(/--protocol must be one of modbus, opcua, bacnet, got 'dnp3'/);
    expect(run('learn', '--status', '--quiet-hours=-3', '--db', join(dir, 'x.db')).stderr).toMatch(/--quiet-hours must be a positive number/);
  });

  it('learns several captures in the order of their first packet, whatever the command line says', () => {
    const db = join(tmp(), 'o.db');
    const later = join(PCAPS, 'modbus', 'modbus_example.pcap'); // 2020
    const earlier = join(PCAPS, 'modbus', 'modbus-eit.pcap'); // 2015
    const r = JSON.parse(run('learn', '--pcap', later, earlier, '--db', db, '--json').stdout);
    expect(r.files.map((f: { path: string }) => f.path)).toEqual([earlier, later]);
    const again = JSON.parse(run('learn', '--pcap', later, earlier, '--db', db, '--json').stdout);
    expect(again.files.map((f: { skipped?: string }) => f.skipped)).toEqual(['already_learned', 'already_learned']);
  });

  it('refuses to learn while another process learns into the same database, and nothing is learned', () => {
    const db = join(tmp(), 'c.db');
    const capture = join(PCAPS, 'modbus', 'modbus_example.pcap');
    // This test's own process stands for a learner running on the interface.
    const store = openDatabase(db);
    const release = claimLearning(store);
    const refused = run('learn', '--pcap', capture, '--db', db, '--json');
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain(`already being learned into by process ${process.pid}`);
    expect(refused.stderr).toMatch(/stop that one first, or learn into another database \(--db\)/);
    expect(store.prepare('SELECT count(*) AS n FROM conversations').get()).toEqual({ n: 0 });
    release();
    store.close();
    const r = JSON.parse(run('learn', '--pcap', capture, '--db', db, '--json').stdout);
    expect(r.conversations).toBeGreaterThan(0);
  });

  it('reports progress as JSON, before and after learning', () => {
    const db = join(tmp(), 'p.db');
    expect(JSON.parse(run('learn', '--status', '--json', '--db', db).stdout)).toMatchObject({ learning: false, converged: false });
    run('learn', '--pcap', join(PCAPS, 'bacnet', 'bacnet_example.pcap'), '--db', db);
    const p = JSON.parse(run('learn', '--status', '--json', '--db', db, '--quiet-hours', '0.01').stdout);
    expect(p.learning).toBe(true);
    expect(p.totals.assets).toBeGreaterThan(10);
    expect(p.perHour.length).toBeGreaterThan(0);
    // The capture spans minutes; with a 36-second quiet threshold its quiet tail already counts as converged.
    expect(typeof p.converged).toBe('boolean');
    expect(p.quietHours).toBeGreaterThanOrEqual(0);
  });

  it('names the interface when live capture cannot start', () => {
    const r = run('learn', '--interface', 'bh-no-such-if', '--seconds', '1', '--db', join(tmp(), 'l.db'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bh-no-such-if: no such capture interface/);
    const f = run('learn', '--interface', 'lo', '--filter', 'tcp and nonsense(', '--seconds', '1', '--db', join(tmp(), 'l.db'));
    expect(f.status).toBe(2);
    expect(f.stderr).toMatch(/^bulkhead: lo: /m);
  });
});
