// A stored version's kept checked form (JSON beside the YAML document) against parsing the
// document, on real SQLite: the form equals the parse, and a row stored before the form was kept
// (a database of schema 11), or whose form is missing or unreadable, still loads and is filled.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../store/database.js';
import { MIGRATIONS } from '../store/migrations.js';
import { PolicyStore } from '../store/policy-store.js';
import { derivePolicy, type DeriveAsset, type DeriveConversation } from './derive.js';
import { formatPolicy, parsePolicy } from './document.js';
import { outlinePolicy, RULES_SHOWN, storedOutline, storedPolicy } from './stored.js';
import type { Policy } from './model.js';

type Op = DeriveConversation['operations'][string];
const asset = (ip: string, level: number): DeriveAsset => ({ ip, purdue: { level, reason: 'test' } });

function conv(client: string, server: string, port: number, protocol: DeriveConversation['protocol'], operations: Record<string, Op>, broadcast = false): DeriveConversation {
  return { key: `${client}>${server}:${port}/${protocol}`, protocol, client: { ip: client }, server: { ip: server, port, ...(broadcast ? { broadcast } : {}) }, firstSeen: 100, lastSeen: 200, transactions: 30, operations };
}

/** A derived document with Modbus ranges, BACnet instances, OPC UA nodes, a broadcast and evidence, plus a YAML alias and comments. */
function document(): string {
  const op = (o: Partial<Op>): Op => ({ kind: 'read', code: 3, count: 10, firstSeen: 100, lastSeen: 200, targets: [], ...o });
  const conversations = [
    conv('10.0.2.10', '10.0.1.20', 502, 'modbus', {
      r: op({ targets: [{ type: 'modbus', unit: 1, table: 'holding_registers', ranges: [[0, 9], [100, 119]] }] }),
      w: op({ kind: 'write', code: 16, targets: [{ type: 'modbus', unit: 1, table: 'holding_registers', ranges: [[500, 500]] }] }),
    }),
    conv('10.0.2.10', '10.0.1.21', 47808, 'bacnet', { r: op({ code: 12, targets: [{ type: 'bacnet', objectType: 0, objectTypeName: 'analog-input', instance: 3, properties: ['present-value'] }] }) }),
    conv('10.0.2.11', '10.0.1.22', 4840, 'opcua', { r: op({ code: 631, targets: [{ type: 'opcua', nodeId: 'ns=2;s=Line1.Speed' }] }) }),
    conv('10.0.1.21', '10.0.1.255', 47808, 'bacnet', { i: op({ kind: 'unknown', code: 8 }) }, true),
  ];
  const assets = [asset('10.0.2.10', 2), asset('10.0.2.11', 2), asset('10.0.1.20', 1), asset('10.0.1.21', 1), asset('10.0.1.22', 1)];
  const text = formatPolicy(derivePolicy(assets, conversations, {}), 'derived for a test');
  // An alias and a comment, which a JSON form must carry as their values.
  return text.replace(/^name: (.*)$/m, 'name: &n $1 # kept as written').replace(/^( {2}- id: \S+\n {4}name: ).*$/m, '$1*n');
}

const dir = mkdtempSync(join(tmpdir(), 'bulkhead-stored-'));
let n = 0;
const dbPath = () => join(dir, `p${n++}.db`);

describe('a stored policy version', () => {
  it('keeps the checked form, equal to parsing its document, and loads from it', () => {
    const text = document();
    const parsed = parsePolicy(text);
    expect(text).toMatch(/^name: &n .*\n[\s\S]*^ {4}name: \*n$/m);
    expect(parsed.conduits.flatMap((c) => c.rules).length).toBeGreaterThanOrEqual(3);
    const db = openDatabase(dbPath());
    const store = new PolicyStore(db);
    const v = store.add(text, parsed.name, 'test', 'tester', parsed);
    expect(store.parsed(v)).toEqual(parsed);
    expect(storedPolicy(store, store.get(v))).toEqual(parsePolicy(store.get(v).document));
    // Loaded from the kept form, not the text: a document changed behind the store's back is not read.
    db.prepare('UPDATE policy_texts SET document = ? WHERE version = ?').run('not: [a policy', v);
    expect(storedPolicy(store, store.get(v))).toEqual(parsed);
    db.close();
  });

  it('of a database stored before the form was kept still loads, and is filled on its first load', () => {
    const path = dbPath();
    const old = new Database(path);
    for (const m of MIGRATIONS.slice(0, 11)) old.exec(m);
    old.pragma('user_version = 11');
    const text = document();
    old.prepare('INSERT INTO policy_versions (name, status, document, source, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)').run('old', 'active', text, 'test', 1, 'tester');
    old.close();

    // Read-only (a database migrated but opened so), the form is parsed and simply not kept.
    const migrated = openDatabase(path);
    migrated.close();
    const ro = openDatabase(path, { readonly: true });
    expect(storedPolicy(new PolicyStore(ro), new PolicyStore(ro).get(1))).toEqual(parsePolicy(text));
    expect(new PolicyStore(ro).parsed(1)).toBeUndefined();
    ro.close();

    const db = openDatabase(path);
    const store = new PolicyStore(db);
    expect(store.parsed(1)).toBeUndefined();
    expect(storedPolicy(store, store.get(1))).toEqual(parsePolicy(text));
    expect(store.parsed(1)).toEqual(parsePolicy(text));
    db.close();
  });

  it('whose kept form is unreadable or not a policy loads from its document', () => {
    const text = document();
    const db = openDatabase(dbPath());
    const store = new PolicyStore(db);
    const v = store.add(text, 'p', 'test', 'tester');
    for (const bad of ['{"bulkheadPolicy": 1, "name": ', '[]', '{"bulkheadPolicy": 2, "name": "p", "zones": [], "conduits": []}']) {
      db.prepare('UPDATE policy_texts SET parsed = ? WHERE version = ?').run(bad, v);
      expect(storedPolicy(store, store.get(v))).toEqual(parsePolicy(text));
      expect(store.parsed(v)).toEqual(parsePolicy(text));
    }
    db.close();
  });

  it('keeps an outline equal to the whole policy cut as the view showed it, and fills an old row on its first view', () => {
    const parsed = parsePolicy(document());
    const [first] = parsed.conduits;
    const big: Policy = { ...parsed, conduits: [{ ...first!, rules: Array.from({ length: RULES_SHOWN + 7 }, (_, i) => structuredClone({ ...first!.rules[0]!, id: `r-${i}` })) }, ...parsed.conduits.slice(1)] };
    // What show() built from the full policy before the outline was kept.
    const summaries = outlinePolicy(big).conduits.map((c) => c.summary);
    const before = { ...big, conduits: big.conduits.map((c, i) => ({ ...c, ruleCount: c.rules.length, summary: summaries[i], rules: c.rules.slice(0, RULES_SHOWN) })) };
    expect(outlinePolicy(big)).toEqual(before);
    expect(JSON.stringify(outlinePolicy(big))).toBe(JSON.stringify(before));
    expect(outlinePolicy(big).conduits[0]!.rules).toHaveLength(RULES_SHOWN);
    expect(outlinePolicy(big).conduits[0]!.ruleCount).toBe(RULES_SHOWN + 7);

    const path = dbPath();
    const old = new Database(path);
    for (const m of MIGRATIONS.slice(0, 12)) old.exec(m);
    old.pragma('user_version = 12');
    const text = formatPolicy(big, 'big');
    old.prepare('INSERT INTO policy_versions (name, status, document, source, created_at, created_by, parsed) VALUES (?, ?, ?, ?, ?, ?, ?)').run('old', 'draft', text, 'test', 1, 'tester', JSON.stringify(parsePolicy(text)));
    old.close();
    const db = openDatabase(path);
    const store = new PolicyStore(db);
    expect(store.outline(1)).toBeUndefined();
    expect(storedOutline(store, 1)).toEqual(outlinePolicy(parsePolicy(text)));
    expect(store.outline(1)).toEqual(outlinePolicy(parsePolicy(text)));
    // Read from the kept outline from then on: the form behind it is not read again.
    db.prepare('UPDATE policy_texts SET parsed = NULL, document = ? WHERE version = 1').run('not: [a policy');
    expect(storedOutline(store, 1)).toEqual(outlinePolicy(parsePolicy(text)));
    const v = store.add(text, 'p', 'test', 'tester', parsePolicy(text), outlinePolicy(parsePolicy(text)));
    expect(store.outline(v)).toEqual(outlinePolicy(parsePolicy(text)));
    db.close();
  });

  it('cuts the link section to its first bindings with their count, and an outline kept longer before to the first view', () => {
    const parsed = parsePolicy(document());
    const [first] = parsed.conduits;
    const bindings = Array.from({ length: RULES_SHOWN + 3 }, (_, i) => ({ ip: `10.9.0.${i}`, mac: `02:00:00:00:00:${i.toString(16).padStart(2, '0')}` }));
    const big: Policy = { ...parsed, link: { etherTypes: ['arp'], bindings }, conduits: [{ ...first!, rules: Array.from({ length: 200 }, (_, i) => structuredClone({ ...first!.rules[0]!, id: `r-${i}` })) }] };
    const outline = outlinePolicy(big);
    expect(outline.link).toEqual({ etherTypes: ['arp'], bindingCount: RULES_SHOWN + 3, bindings: bindings.slice(0, RULES_SHOWN) });
    expect(outline.conduits[0]!.rules.map((r) => r.id)).toEqual(big.conduits[0]!.rules.slice(0, RULES_SHOWN).map((r) => r.id));
    // The summary is of every rule, not only those shown: a deny rule past the first ones is in it.
    const denying: Policy = { ...big, conduits: [{ ...big.conduits[0]!, rules: [...big.conduits[0]!.rules, { ...big.conduits[0]!.rules[0]!, id: 'late-deny', action: 'deny', allow: undefined }] }] };
    expect(outlinePolicy(denying).conduits[0]!.summary.kinds).toContain('deny');

    const db = openDatabase(dbPath());
    const store = new PolicyStore(db);
    // As kept before conduits had a summary: 200 rules, the whole link, no summary. Made anew from the whole policy.
    const v = store.add(formatPolicy(big, 'big'), 'p', 'test', 'tester', big, { ...big, conduits: big.conduits.map((c) => ({ ...c, ruleCount: c.rules.length })) });
    const anew = storedOutline(store, v);
    expect(anew.conduits[0]!.rules).toHaveLength(RULES_SHOWN);
    expect(anew.conduits[0]!.ruleCount).toBe(200);
    expect(anew.conduits[0]!.summary).toEqual(outline.conduits[0]!.summary);
    expect(anew.link?.bindingCount).toBe(RULES_SHOWN + 3);
    expect(store.outline(v)).toEqual(anew);
    db.close();
  });
});
