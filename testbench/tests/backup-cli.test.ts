// Backup and restore through the command: a snapshot while the store is in use, restored into a
// fresh place with its policies and audit chain; a changed, damaged or checksum-less backup is
// refused before anything is touched.

import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../lib/processes.js';

const PCAPS = join(import.meta.dirname, '..', '..', '..', 'shared', 'pcaps');
const APPLIANCE_CONFIG = join(import.meta.dirname, '..', '..', 'appliance', 'bulkhead.yaml');
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

describe('bulkhead backup / restore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bulkhead-backup-'));
  const db = join(dir, 'live.db');
  const file = join(dir, 'b1.bhk');

  it('snapshots the store with a checksum, and restores it whole with its audit chain', () => {
    expect(run('learn', '--pcap', join(PCAPS, 'modbus', 'modbus_example.pcap'), '--db', db).status).toBe(0);
    expect(run('derive', '--db', db, '--by', 'alice').status).toBe(0);
    expect(run('policy', 'approve', '1', '--by', 'alice', '--db', db).status).toBe(0);
    const b = run('backup', '--out', file, '--by', 'alice', '--db', db, '--json');
    expect(b.status).toBe(0);
    const r = JSON.parse(b.stdout) as { sha256: string; policies: number; auditEntries: number };
    expect(r).toMatchObject({ policies: 1, auditEntries: 3 });
    expect(readFileSync(`${file}.sha256`, 'utf8')).toBe(`${r.sha256}  b1.bhk\n`);
    expect(run('backup', '--out', file, '--db', db).stderr).toMatch(/exists already/);
    // Changes after the backup are gone after the restore; the old database is kept.
    expect(run('policy', 'retire', '1', '--by', 'mallory', '--db', db).status).toBe(0);
    expect(run('restore', file, '--check').stdout).toMatch(/is sound: checksum, integrity and audit chain verified \(1 policy versions, 3 audit entries\)/);
    const restored = run('restore', file, '--by', 'bob', '--db', db);
    expect(restored.status).toBe(0);
    expect(restored.stdout).toMatch(/previous database is kept as .*live\.db\.before-restore/);
    expect(JSON.parse(run('policy', 'list', '--db', db, '--json').stdout)).toEqual([expect.objectContaining({ version: 1, status: 'approved' })]);
    const audit = JSON.parse(run('audit', '--db', db, '--json').stdout) as { actor: string; action: string }[];
    expect(audit.map((e) => `${e.actor} ${e.action}`)).toEqual(['alice policy.create', 'alice policy.approve', 'alice gateway.backup', 'bob gateway.restore']);
    expect(run('audit', '--verify', '--db', db).status).toBe(0);
  });

  it('refuses a backup that changed, lost its checksum, or is not a database, and leaves the live one alone', () => {
    const before = readFileSync(db);
    const changed = join(dir, 'changed.bhk');
    writeFileSync(changed, readFileSync(file));
    writeFileSync(`${changed}.sha256`, readFileSync(`${file}.sha256`));
    appendFileSync(changed, 'x');
    const c = run('restore', changed, '--by', 'bob', '--db', db);
    expect(c.status).toBe(2);
    expect(c.stderr).toMatch(/does not match its SHA-256 .*not restored/);
    const bare = join(dir, 'bare.bhk');
    writeFileSync(bare, readFileSync(file));
    expect(run('restore', bare, '--by', 'bob', '--db', db).stderr).toMatch(/checksum file bare\.bhk\.sha256 is missing/);
    const junk = join(dir, 'junk.bhk');
    writeFileSync(junk, 'not a database at all');
    spawnSync('sh', ['-c', `sha256sum ${junk} > ${junk}.sha256`]);
    expect(run('restore', junk, '--by', 'bob', '--db', db).stderr).toMatch(/junk\.bhk: not a SQLite database/);
    expect(readFileSync(db).equals(before)).toBe(true);
    expect(existsSync(`${db}.restoring`)).toBe(false);
  });

  it('carries the appliance configuration, restores it beside the database, and refuses one that does not fit', () => {
    const box = mkdtempSync(join(tmpdir(), 'bulkhead-box-'));
    const data = join(box, 'data');
    mkdirSync(data);
    const cfg = join(box, 'bulkhead.yaml');
    const original = readFileSync(APPLIANCE_CONFIG, 'utf8').replace('dataDir: /var/lib/bulkhead', `dataDir: ${data}`);
    writeFileSync(cfg, original);
    const live = join(data, 'bulkhead.db');
    expect(run('learn', '--pcap', join(PCAPS, 'modbus', 'modbus_example.pcap'), '--db', live).status).toBe(0);
    expect(run('derive', '--db', live, '--by', 'alice').status).toBe(0);

    // The database is the one the configuration names; the configuration travels inside the backup.
    const withConfig = join(box, 'with-config.bhk');
    const b = run('backup', '--config', cfg, '--out', withConfig, '--by', 'alice', '--json');
    expect(b.status).toBe(0);
    expect(JSON.parse(b.stdout)).toMatchObject({ policies: 1, configuration: cfg });
    expect(JSON.parse(run('restore', withConfig, '--check', '--json').stdout)).toMatchObject({ ok: true, configuration: cfg });

    writeFileSync(cfg, original.replace('eventsDays: 90', 'eventsDays: 7'));
    expect(run('policy', 'retire', '1', '--by', 'mallory', '--db', live).status).toBe(0);
    const r = run('restore', withConfig, '--by', 'bob', '--config', cfg, '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ configuration: { file: cfg, previous: `${cfg}.before-restore` } });
    expect(readFileSync(cfg, 'utf8')).toBe(original);
    expect(readFileSync(`${cfg}.before-restore`, 'utf8')).toMatch(/eventsDays: 7/);
    expect(JSON.parse(run('policy', 'list', '--db', live, '--json').stdout)).toEqual([expect.objectContaining({ version: 1, status: 'draft' })]);
    const audit = JSON.parse(run('audit', '--db', live, '--json').stdout) as { action: string; detail: { configuration?: string } }[];
    expect(audit.filter((e) => e.action.startsWith('gateway.')).map((e) => [e.action, e.detail.configuration])).toEqual([
      ['gateway.backup', cfg],
      ['gateway.restore', cfg],
    ]);

    // Refused with nothing touched: a backup without a configuration, or one whose configuration
    // keeps its database elsewhere than the one it would replace.
    const bare = join(box, 'bare.bhk');
    expect(run('backup', '--db', live, '--out', bare, '--by', 'alice').status).toBe(0);
    const before = { db: readFileSync(live), cfg: readFileSync(cfg, 'utf8') };
    const noConfig = run('restore', bare, '--by', 'bob', '--config', cfg);
    expect(noConfig.status).toBe(2);
    expect(noConfig.stderr).toMatch(/carries no configuration .*nothing restored/);
    const elsewhere = run('restore', withConfig, '--by', 'bob', '--config', cfg, '--db', join(box, 'other.db'));
    expect(elsewhere.status).toBe(2);
    expect(elsewhere.stderr).toMatch(new RegExp(`keeps the database in ${data}, but it would be restored to .*other\\.db: restore with --db`));
    expect(readFileSync(live).equals(before.db)).toBe(true);
    expect(readFileSync(cfg, 'utf8')).toBe(before.cfg);
    expect(existsSync(join(box, 'other.db'))).toBe(false);
    expect(existsSync(`${cfg}.restoring`)).toBe(false);

    // A configuration the schema refuses is not backed up.
    writeFileSync(cfg, `${original}colour: blue\n`);
    const bad = run('backup', '--config', cfg, '--out', join(box, 'bad.bhk'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/colour/);
    expect(existsSync(join(box, 'bad.bhk'))).toBe(false);
  });
});
