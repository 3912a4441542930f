// The audit log on a real SQLite file: every policy and gateway change leaves one entry in the
// same transaction, and any edit, removal or insertion is found by verification.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cefLine, syslogLine } from '../gateway/audit-lines.js';
import { openDatabase } from './database.js';
import { PolicyStore, PolicyStoreError } from './policy-store.js';

function store() {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'bulkhead-audit-')), 'b.db'));
  return new PolicyStore(db);
}

function history(s: PolicyStore) {
  const v1 = s.add('name: a', 'a', 'test', 'alice');
  const v2 = s.add('name: b', 'b', 'test', 'alice');
  s.approve(v1, 'alice');
  s.approve(v2, 'alice');
  s.approve(v2, 'bob');
  s.apply(v1, 'alice');
  s.apply(v2, 'bob', 60);
  s.confirm('carol');
  s.isolate('10.0.0.5', ['10.0.0.5'], 'carol', 'scanning');
  s.release('10.0.0.5', 'carol');
  s.setMode('learn', 'dave');
  s.rollback('dave', 'requested');
}

describe('audit log', () => {
  it('records each change with who did it, chained', () => {
    const s = store();
    history(s);
    const entries = s.audit.list();
    expect(entries.map((e) => `${e.actor} ${e.action} ${e.target}`)).toEqual([
      'alice policy.create policy 1',
      'alice policy.create policy 2',
      'alice policy.approve policy 1',
      'alice policy.approve policy 2',
      'bob policy.approve policy 2',
      'alice policy.apply policy 1',
      'bob policy.apply policy 2',
      'carol policy.confirm policy 2',
      'carol gateway.isolate 10.0.0.5',
      'carol gateway.release 10.0.0.5',
      'dave gateway.mode learn',
      'dave policy.rollback policy 2',
    ]);
    expect(entries[6]!.detail).toMatchObject({ previous: 1, deadline: expect.any(Number) });
    expect(entries.slice(1).every((e, i) => e.prev === entries[i]!.hash)).toBe(true);
    expect(s.audit.verify()).toEqual({ entries: 12, ok: true });
  });

  it('writes nothing for a change that was refused', () => {
    const s = store();
    const v = s.add('name: a', 'a', 'test', 'alice');
    expect(() => s.apply(v, 'alice')).toThrow(PolicyStoreError);
    expect(() => s.release('10.9.9.9', 'bob')).toThrow(/not isolated/);
    expect(s.audit.list().map((e) => e.action)).toEqual(['policy.create']);
  });

  it('finds an edited, a removed and an inserted entry', () => {
    const edited = store();
    history(edited);
    edited.db.prepare("UPDATE audit_log SET actor = 'mallory' WHERE id = 6").run();
    expect(edited.audit.verify()).toEqual({ entries: 6, ok: false, broken: { id: 6, reason: expect.stringMatching(/does not match its hash/) } });

    const removed = store();
    history(removed);
    removed.db.prepare('DELETE FROM audit_log WHERE id = 4').run();
    expect(removed.audit.verify().broken).toEqual({ id: 5, reason: 'entry 4 is missing (the next one is 5)' });

    // A forged entry with a correct-looking id but computed without the chain's previous hash.
    const forged = store();
    history(forged);
    forged.db.prepare('UPDATE audit_log SET id = id + 1000 WHERE id >= 3').run();
    forged.db.prepare('UPDATE audit_log SET id = id - 999 WHERE id >= 1000').run();
    forged.db.prepare("INSERT INTO audit_log (id, ts, actor, action, target, detail, prev, hash) VALUES (3, 0, 'mallory', 'policy.approve', 'policy 1', '{}', '', '')").run();
    expect(forged.audit.verify().broken).toEqual({ id: 3, reason: expect.stringMatching(/does not follow entry 2/) });
  });

  it('exports entries as RFC 5424 syslog and CEF lines', () => {
    const s = store();
    history(s);
    const apply = s.audit.list().find((e) => e.action === 'policy.apply')!;
    expect(syslogLine(apply, 'gw1')).toMatch(/^<109>1 \d{4}-\d\d-\d\dT[\d:.]+Z gw1 bulkhead - audit \[bulkhead@32473 id="6" actor="alice" action="policy.apply" target="policy 1" hash="[0-9a-f]{64}"\] alice policy.apply policy 1 \{\}$/);
    expect(cefLine(apply, 'gw1')).toMatch(/^CEF:0\|Bulkhead\|Bulkhead\|[\d.]+\|policy.apply\|policy.apply policy 1\|5\|rt=\d+ dvchost=gw1 suser=alice act=policy.apply cs1Label=target cs1=policy 1 /);
  });
});
