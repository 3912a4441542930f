// The policy workflow as an engineer runs it: derive, edit the YAML, import, diff, approve twice,
// lint, simulate, report. Comments written by people survive; bad documents are refused whole.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli.js');
const PCAPS = join(import.meta.dirname, '..', '..', '..', 'shared', 'pcaps');
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });

describe('bulkhead derive / policy / simulate / report', () => {
  it('goes from a learned capture to an approved, reported policy', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulkhead-policy-'));
    const db = join(dir, 'b.db');
    const capture = join(PCAPS, 'modbus', 'modbus_example.pcap');
    expect(run('learn', '--pcap', capture, '--db', db).status).toBe(0);
    const yaml = join(dir, 'policy.yaml');
    const derived = run('derive', '--db', db, '--out', yaml, '--by', 'alice');
    expect(derived.status).toBe(0);
    // Three hosts: a loopback Modbus client/server (a gateway by its traffic), an HMI and its server.
    expect(derived.stdout).toMatch(/^policy version 1 \(draft\): 3 zones, 2 conduits, 2 rules/);
    const text = readFileSync(yaml, 'utf8');
    expect(text).toMatch(/# learned: \d+ transactions in 1 conversation, 2020-07-2\d to 2020-07-2\d/);

    // An engineer documents the zone and keeps a note; the import keeps both.
    const edited = text.replace('name: Derived policy', '# reviewed with the shift lead\nname: Line 1').replace(/(\n {4}securityLevel: )\d/, '$14');
    writeFileSync(yaml, edited);
    expect(run('policy', 'import', yaml, '--db', db).stdout).toMatch(/stored as policy version 2 \(draft\)/);
    expect(run('policy', 'export', '2', '--db', db).stdout).toContain('# reviewed with the shift lead');
    expect(run('policy', 'diff', '1', '2', '--db', db).stdout.trim().split('\n')).toEqual([expect.stringMatching(/^zone \S+: SL-T 3 -> 4$/)]);

    // A broken edit is refused whole, with the path of the problem; nothing is stored.
    writeFileSync(join(dir, 'bad.yaml'), edited.replace('defaultAction: deny', 'defaultAction: permit'));
    const bad = run('policy', 'import', join(dir, 'bad.yaml'), '--db', db);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/bad\.yaml: defaultAction: must be one of "deny", "allow"/);
    expect(JSON.parse(run('policy', 'list', '--db', db, '--json').stdout)).toHaveLength(2);

    // Two-person approval.
    expect(run('policy', 'approve', '2', '--by', 'alice', '--db', db).stdout).toMatch(/approved by alice$/m);
    const again = run('policy', 'approve', '2', '--by', 'alice', '--db', db);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/a second approval must come from another person/);
    expect(run('policy', 'approve', '2', '--by', 'bob', '--db', db).stdout).toMatch(/approved by alice and bob/);

    // The capture it was learned from passes; the report marks the approvals and what is not in place.
    const sim = run('simulate', '--policy', '2', '--pcap', capture, '--db', db, '--json');
    expect(sim.status).toBe(0);
    expect(JSON.parse(sim.stdout).denied).toBe(0);
    const report = JSON.parse(run('report', 'compliance', '--db', db, '--json').stdout) as { items: { id: string; status: string }[] };
    const status = (id: string) => report.items.find((i) => i.id === id)?.status;
    expect(status('IEC 62443-3-3 SR 2.1 RE4')).toBe('met');
    expect(status('IEC 62443-3-3 SR 5.2 RE1')).toBe('partly');
    expect(status('IEC 62443-3-3 SR 2.8 / SR 6.1')).toBe('met');
    // The first draft is retired for good: it can be neither approved nor applied.
    expect(run('policy', 'retire', '1', '--db', db).stderr).toMatch(/say who retires it with --by NAME/);
    expect(run('policy', 'retire', '1', '--by', 'bob', '--db', db).stdout).toMatch(/version 1 retired/);
    expect(run('policy', 'approve', '1', '--by', 'bob', '--db', db).stderr).toMatch(/policy version 1 is retired/);
    expect(run('apply', '1', '--by', 'bob', '--db', db).stderr).toMatch(/policy version 1 is retired/);
    // Every step is in the audit log, chained; a SIEM gets it as syslog.
    const audit = JSON.parse(run('audit', '--db', db, '--json').stdout) as { actor: string; action: string; target: string }[];
    expect(audit.map((e) => `${e.actor} ${e.action} ${e.target}`)).toEqual(['alice policy.create policy 1', `${process.env.USER ?? 'unknown'} policy.create policy 2`, 'alice policy.approve policy 2', 'bob policy.approve policy 2', 'bob policy.retire policy 1']);
    expect(run('audit', '--verify', '--db', db).stdout).toMatch(/audit log verified: 5 entries, chain intact/);
    expect(run('audit', '--format', 'syslog', '--limit', '1', '--db', db).stdout).toMatch(/^<110>1 \S+ \S+ bulkhead - audit \[bulkhead@32473 id="5" actor="bob" action="policy.retire"/);
    expect(run('report', 'compliance', '--db', db, '--html').stdout).toMatch(/^<!doctype html>[\s\S]*Dual approval of policy changes[\s\S]*<\/html>\s*$/);
  });
});
