// Alerts through the command line: a capture of a day of an HMI polling a PLC, then an engineering
// laptop nobody knew writing a setpoint and the HMI reading registers it never read, learned by
// `bulkhead learn`; `bulkhead alerts` lists them in the plant's words with ATT&CK ids, `alert
// show` gives the baseline and the evidence, `alert ack` and `resolve` are audited.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/store/alert-store.js';
import { ATTACK_AT, HMI, PLC, writeAlertScenario } from '../lib/alert-scenario.js';
import { formatPolicy } from '../../src/policy/document.js';
import { cellPolicy } from '../../src/test-support/cell-policy.js';
import { writeModbusCapture } from '../../src/test-support/modbus-traffic.js';
import { CLI } from '../lib/processes.js';

const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
describe('bulkhead alerts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bulkhead-alerts-'));
  const db = join(dir, 'b.db');
  const capture = join(dir, 'plant.pcap');
  writeAlertScenario(capture);

  it('learns the capture and lists what the detectors found, exit 3 while one is new', () => {
    expect(run('learn', '--pcap', capture, '--db', db).status).toBe(0);
    const r = run('alerts', '--db', db, '--json');
    expect(r.status).toBe(3);
    const alerts = JSON.parse(r.stdout) as Alert[];
    expect(alerts.map((a) => [a.type, a.severity, a.attack?.id])).toEqual([
      ['target_outside_baseline', 'medium', 'T0861'],
      ['new_asset', 'high', 'T0848'],
    ]);
    const text = run('alerts', '--db', db, '--severity', 'high').stdout;
    expect(text).toMatch(/new_asset\s+T0848\s+1\s+.*a new modbus host 10\.1\.0\.99 \(02:00:00:00:00:99\) sent .*Write Single Register/);
    expect(text).not.toMatch(/target_outside_baseline/);
  });

  it('prints the alerts as the lines a SIEM target gets: CEF with the type code and ATT&CK id, or syslog, oldest first', () => {
    const cef = run('alerts', '--db', db, '--format', 'cef');
    expect(cef.status).toBe(3);
    const lines = cef.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^CEF:0\|Bulkhead\|Bulkhead\|[\d.]+\|new_asset\|a new modbus host 10\.1\.0\.99 .*\|8\|.* src=10\.1\.0\.99 .*cs1Label=attackId cs1=T0848 .*cnt=1 externalId=\d+$/);
    expect(lines[1]).toMatch(/^CEF:0\|Bulkhead\|Bulkhead\|[\d.]+\|target_outside_baseline\|.*\|5\|.* dpt=502 cat=\w+ cs1Label=attackId cs1=T0861 /);
    const syslog = run('alerts', '--db', db, '--format', 'syslog', '--severity', 'high').stdout;
    expect(syslog).toMatch(/^<35>1 2026-11-03T\S+ \S+ bulkhead - alert \[bulkhead@32473 id="\d+" type="new_asset" detector="\w+" severity="high" status="new" attackId="T0848" .*\] a new modbus host 10\.1\.0\.99 .*; baseline: .*; seen: .*\n$/);
    expect(run('alerts', '--db', db, '--format', 'leef').stderr).toMatch(/bulkhead alerts: --format must be text, syslog, cef, got 'leef'/);
  });

  it('shows one alert with what the baseline says, what was seen and its evidence', () => {
    const [target] = JSON.parse(run('alerts', '--db', db, '--json', '--severity', 'medium').stdout) as Alert[];
    const show = run('alert', 'show', String(target!.id), '--db', db).stdout;
    expect(show).toMatch(/^alert \d+ \(new\): medium target_outside_baseline, ATT&CK for ICS T0861 Point & Tag Identification\n/);
    expect(show).toMatch(/baseline: in 25 h Read Holding Registers \(FC 3\) touched unit 1 holding registers 40001-40010 \(0-9\) \(1,501 times\)/);
    expect(show).toMatch(/seen: {5}unit 1 holding registers 40101-40120 \(100-119\)/);
    expect(show).toMatch(/evidence: frame \d+ at 2026-11-03/);
  });

  it('acknowledges and resolves, audited, and refuses what makes no sense', () => {
    const [first] = JSON.parse(run('alerts', '--db', db, '--json').stdout) as Alert[];
    const id = String(first!.id);
    expect(run('alert', 'ack', id, '--db', db).stderr).toMatch(/bulkhead alert ack: say who with --by NAME/);
    expect(run('alert', 'ack', id, '--by', 'olga', '--note', 'laptop of the integrator', '--db', db).stdout).toBe(`alert ${id} acknowledged\n`);
    expect(run('alert', 'ack', id, '--by', 'olga', '--db', db).stderr).toMatch(/alert \d+ is acknowledged already/);
    expect(run('alert', 'resolve', id, '--by', 'olga', '--db', db).status).toBe(0);
    expect(run('alert', 'show', '999', '--db', db).stderr).toMatch(/no alert 999/);
    expect(run('alerts', '--db', db, '--status', 'nonsense').stderr).toMatch(/--status must be new, acknowledged, resolved/);
    const audit = JSON.parse(run('audit', '--db', db, '--json').stdout) as { actor: string; action: string; detail: { note?: string } }[];
    expect(audit.map((e) => `${e.actor} ${e.action}`)).toEqual(['olga alert.acknowledge', 'olga alert.resolve']);
    expect(audit[0]!.detail.note).toBe('laptop of the integrator');
    const open = run('alerts', '--db', db, '--status', 'new', '--json');
    expect(open.status).toBe(3);
    expect((JSON.parse(open.stdout) as Alert[]).map((a) => a.type)).toEqual(['new_asset']);
  });

  it('learn this: the alert\'s request proposed into a draft policy change; suppress: its repeats counted, not raised', () => {
    const db2 = join(dir, 'decide.db');
    expect(run('learn', '--pcap', capture, '--db', db2).status).toBe(0);
    writeFileSync(join(dir, 'cell.yaml'), formatPolicy(cellPolicy(HMI.ip, PLC.ip)));
    expect(run('policy', 'import', join(dir, 'cell.yaml'), '--db', db2, '--by', 'alice').status).toBe(0);
    const alerts = JSON.parse(run('alerts', '--db', db2, '--json').stdout) as Alert[];
    const reads = alerts.find((a) => a.type === 'target_outside_baseline')!;
    const laptop = alerts.find((a) => a.type === 'new_asset')!;
    expect(reads.operation).toMatchObject({ protocol: 'modbus', kind: 'read', code: 3, client: { ip: HMI.ip }, server: { ip: PLC.ip, port: 502 }, targets: [{ type: 'modbus', unit: 1, table: 'holding_registers', start: 100, count: 20 }] });

    const learned = run('alert', 'learn', String(reads.id), '--by', 'alice', '--note', 'the new trend page', '--db', db2);
    expect(learned.stderr).toBe('');
    expect(learned.stdout).toMatch(/^alert \d+ resolved: learned\ndraft policy version 2 proposed on version 1: review it .*nothing is allowed before\n {2}\+ .*100-119/);
    expect(JSON.parse(run('alert', 'show', String(reads.id), '--db', db2, '--json').stdout)).toMatchObject({ status: 'resolved', resolvedBy: 'alice' });
    // The laptop is in no zone: nothing is proposed for it, and it says why.
    expect(run('alert', 'learn', String(laptop.id), '--by', 'alice', '--db', db2).stdout).toMatch(/not proposed: .*10\.1\.0\.99.*zone/);

    const s = run('alert', 'suppress', String(reads.id), '--scope', 'incident', '--days', '7', '--by', 'bob', '--note', 'trend page trial', '--db', db2, '--json');
    expect(JSON.parse(s.stdout)).toMatchObject({ id: 1, type: 'target_outside_baseline', key: reads.key, by: 'bob', note: 'trend page trial', suppressed: 0 });
    // An hour later the HMI reads further registers: the same incident, kept quiet and counted.
    const later = join(dir, 'later.pcap');
    writeModbusCapture(later, (t) => t.connect(HMI, PLC, 40010, ATTACK_AT + 3600).readHolding(200, 20, ATTACK_AT + 3601));
    expect(run('learn', '--pcap', later, '--db', db2).status).toBe(0);
    expect(JSON.parse(run('alert', 'show', String(reads.id), '--db', db2, '--json').stdout)).toMatchObject({ status: 'resolved', count: reads.count });
    expect(JSON.parse(run('suppressions', '--db', db2, '--json').stdout)).toMatchObject([{ id: 1, suppressed: 1 }]);
    const audit = run('audit', '--db', db2, '--json').stdout;
    expect(audit).toMatch(/alert\.learn/);
    expect(audit).toMatch(/alert\.suppress/);
    // Refused with the reason: no end, too long, a suppression that does not exist.
    expect(run('alert', 'suppress', String(reads.id), '--days', '0', '--by', 'bob', '--db', db2).stderr).toMatch(/--days/);
    expect(run('alert', 'suppress', String(reads.id), '--days', '365', '--by', 'bob', '--db', db2).stderr).toMatch(/at most 90 days, got 365/);
    expect(run('alert', 'unsuppress', '9', '--by', 'bob', '--db', db2).stderr).toMatch(/no suppression 9/);
    expect(run('alert', 'unsuppress', '1', '--by', 'bob', '--db', db2).status).toBe(0);
    expect(JSON.parse(run('suppressions', '--db', db2, '--json').stdout)).toEqual([]);
  });
});
