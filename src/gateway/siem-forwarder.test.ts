// Forwarding to SIEM receivers on loopback (UDP and TCP): a new target starts at the present; new
// audit entries, events and alert changes arrive in order and in the chosen format; a target that
// is down gets everything once it is back; a restarted forwarder resumes without repeating itself.

import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AlertStore, type AlertUpdate } from '../store/alert-store.js';
import { openDatabase } from '../store/database.js';
import { EventStore } from '../store/event-store.js';
import { MIGRATIONS } from '../store/migrations.js';
import { PolicyStore } from '../store/policy-store.js';
import { readSetting, writeSetting } from '../store/settings.js';
import { SiemForwarder } from './siem-forwarder.js';

const dir = mkdtempSync(join(tmpdir(), 'bulkhead-siem-'));
const db = openDatabase(join(dir, 'b.db'));
const store = new PolicyStore(db);
const events = new EventStore(db);
const alerts = new AlertStore(db);
const logs: string[] = [];
const log = (l: string) => logs.push(l);
afterAll(() => db.close());

/** Octet-counted frames (RFC 6587) out of a TCP stream; one still arriving is left out. */
function frames(text: string): string[] {
  const out: string[] = [];
  let rest = Buffer.from(text);
  while (rest.length) {
    const sp = rest.indexOf(0x20);
    const len = Number(rest.subarray(0, sp).toString());
    if (sp < 0 || rest.length < sp + 1 + len) break;
    out.push(rest.subarray(sp + 1, sp + 1 + len).toString());
    rest = rest.subarray(sp + 1 + len);
  }
  return out;
}

function tcpReceiver(port = 0): Promise<{ server: Server; port: number; text: () => string }> {
  let text = '';
  const server = createServer((s) => s.on('data', (d: Buffer) => (text += d.toString())));
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port, text: () => text })));
}

const settle = () => new Promise((r) => setTimeout(r, 100));
/** The lines once `n` have arrived (a loaded machine may take a while), or what came in 10 s. */
async function arrived(lines: () => string[], n: number): Promise<string[]> {
  for (const until = Date.now() + 10_000; lines().length < n && Date.now() < until; ) await new Promise((r) => setTimeout(r, 20));
  return lines();
}

const T = 1_760_000_000;
/** `count` sightings of the incident `subject`: a setpoint written far outside its learned range. */
const sighting = (subject: string, count = 1, at = T): AlertUpdate => ({
  key: `value_write_outside_baseline:${subject}`,
  type: 'value_write_outside_baseline',
  detector: 'values',
  severity: 'high',
  attack: { id: 'T0836', name: 'Modify Parameter' },
  asset: '10.0.0.31',
  conversation: '10.0.0.31>10.0.0.11:502/modbus',
  summary: `Modbus client 10.0.0.31 wrote 4,800 to unit 1 holding_registers ${subject} on Modbus server 10.0.0.11`,
  baseline: 'in 23 h it wrote 0-118 there, 24 times',
  seen: '4,800',
  count,
  firstSeen: at,
  lastSeen: at,
  evidence: [{ ts: at, frame: 1, flowId: 'f1' }],
  evidenceDropped: 0,
});
/** Each CEF alert line's externalId and count. */
const alertLines = (lines: string[]) => lines.filter((l) => l.includes('|value_write_outside_baseline|')).map((l) => [Number(/externalId=(\d+)/.exec(l)![1]), Number(/cnt=(\d+)/.exec(l)![1])]);

async function udpReceiver(): Promise<{ port: number; got: string[]; close: () => void }> {
  const udp = createSocket('udp4');
  const got: string[] = [];
  udp.on('message', (m) => got.push(m.toString()));
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  return { port: udp.address().port, got, close: () => udp.close() };
}

describe('SIEM forwarding', () => {
  it('sends syslog over UDP from the present on, in order', async () => {
    store.audit.append('alice', 'policy.approve', 'policy 1');
    const udp = createSocket('udp4');
    const got: string[] = [];
    udp.on('message', (m) => got.push(m.toString()));
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
    const f = new SiemForwarder(db, store.audit, [{ address: '127.0.0.1', port: udp.address().port }], log);
    await f.tick();
    expect(got).toEqual([]); // what was there before the target was configured stays in the store
    store.audit.append('bob', 'gateway.mode', 'enforce', { from: 'learn' });
    events.append([{ ts: Date.now() / 1000, kind: 'deny', data: { reason: 'Modbus write to holding register 5 not allowed', client: '10.0.0.21:40000', server: '10.0.0.11:502', ruleId: 'hmi-reads' } }]);
    await f.tick();
    await settle();
    expect(got).toHaveLength(2);
    expect(got[0]).toMatch(/^<108>1 \S+ \S+ bulkhead - audit \[bulkhead@32473 id="\d+" actor="bob" action="gateway.mode" target="enforce" hash="[0-9a-f]{64}"\] bob gateway.mode enforce/);
    expect(got[1]).toMatch(/^<36>1 \S+ \S+ bulkhead - deny \[bulkhead@32473 eventId="\d+" client="10.0.0.21:40000" server="10.0.0.11:502" ruleId="hmi-reads"\] Modbus write to holding register 5 not allowed$/);
    f.close();
    udp.close();
  });

  it('holds records for a TCP target that is down and delivers all of them, once, when it returns', async () => {
    const probe = await tcpReceiver();
    const port = probe.port;
    await new Promise((r) => probe.server.close(r));
    const target = { address: '127.0.0.1', port, transport: 'tcp' as const, format: 'cef' as const };
    const f = new SiemForwarder(db, store.audit, [target], log);
    store.audit.append('carol', 'gateway.isolate', '10.0.0.66', { reason: 'scanning' });
    events.append([{ ts: Date.now() / 1000, kind: 'alert', data: { source: 'supervisor', message: 'engine hung: killing it' } }]);
    await f.tick(0);
    expect(logs.at(-1)).toMatch(new RegExp(`SIEM tcp://127.0.0.1:${port} unreachable \\(connect ECONNREFUSED.*\\): holding`));
    const rx = await tcpReceiver(port);
    await f.tick(Date.now() + 10_000);
    await settle();
    const got = frames(rx.text());
    expect(got).toHaveLength(2);
    expect(got[0]).toMatch(/^<110>1 \S+ \S+ bulkhead - cef - CEF:0\|Bulkhead\|Bulkhead\|[\d.]+\|gateway.isolate\|gateway.isolate 10.0.0.66\|5\|.*suser=carol/);
    expect(got[1]).toMatch(/CEF:0\|Bulkhead\|Bulkhead\|[\d.]+\|alert\|engine hung: killing it\|8\|.*cs2Label=source cs2=supervisor msg=engine hung: killing it/);
    expect(logs.at(-1)).toMatch(/reachable again: resuming/);
    f.close();

    // A restarted gateway resumes from the stored cursor: only what is new is sent.
    store.audit.append('dave', 'policy.apply', 'policy 2');
    const again = new SiemForwarder(db, store.audit, [target], log);
    await again.tick();
    await settle();
    const all = frames(rx.text());
    expect(all).toHaveLength(3);
    expect(all[2]).toMatch(/policy.apply/);
    again.close();
    await new Promise((r) => rx.server.close(r));
  });

  it('sends an alert as CEF with its type code and ATT&CK id, again with its count when it repeats, and again when people acknowledge it', async () => {
    alerts.record([sighting('1')]); // before the target: stays in the store
    const rx = await udpReceiver();
    const f = new SiemForwarder(db, store.audit, [{ address: '127.0.0.1', port: rx.port, format: 'cef' }], log);
    await f.tick();
    alerts.record([sighting('2')]);
    await f.tick();
    await arrived(() => rx.got, 1);
    await settle();
    expect(rx.got).toHaveLength(1);
    expect(rx.got[0]).toMatch(/^<110>1 \S+ \S+ bulkhead - cef - CEF:0\|Bulkhead\|Bulkhead\|[\d.]+\|value_write_outside_baseline\|Modbus client 10.0.0.31 wrote 4,800 to unit 1 holding_registers 2 on Modbus server 10.0.0.11\|8\|/);
    expect(rx.got[0]).toMatch(/ src=10.0.0.31 dst=10.0.0.11 dpt=502 cat=values cs1Label=attackId cs1=T0836 cs2Label=attackName cs2=Modify Parameter .* cs5Label=status cs5=new /);
    const id = alertLines(rx.got)[0]![0]!;

    alerts.record([sighting('2', 4, T + 60)]);
    await f.tick();
    await arrived(() => rx.got, 2);
    expect(alertLines(rx.got)).toEqual([[id, 1], [id, 5]]);

    alerts.setStatus(id, 'acknowledged', 'erin', store.audit);
    await f.tick();
    await arrived(() => rx.got, 4);
    expect(rx.got).toHaveLength(4); // the audit entry of the acknowledgement, and the alert
    expect(rx.got[2]).toMatch(/\|alert.acknowledge\|/);
    expect(rx.got[3]).toMatch(new RegExp(`cs5Label=status cs5=acknowledged .*cnt=5 externalId=${id}$`));
    await f.tick();
    await settle();
    expect(rx.got).toHaveLength(4);
    f.close();
    rx.close();
  });

  it('holds alert changes for a TCP target that is down and sends each once, as it now is, in batches, when it returns', async () => {
    const probe = await tcpReceiver();
    const port = probe.port;
    await new Promise((r) => probe.server.close(r));
    const target = { address: '127.0.0.1', port, transport: 'tcp' as const, format: 'cef' as const };
    const f = new SiemForwarder(db, store.audit, [target], log);
    // More changes than one batch (500): 600 incidents, the first one repeating while it is down.
    alerts.record(Array.from({ length: 600 }, (_, i) => sighting(`outage-${i}`)));
    await f.tick(0);
    alerts.record([sighting('outage-0', 2, T + 60)]);
    await f.tick(1000);
    expect(logs.filter((l) => l.includes(`tcp://127.0.0.1:${port} unreachable`))).toHaveLength(1);
    const rx = await tcpReceiver(port);
    await f.tick(Date.now() + 10_000);
    await arrived(() => frames(rx.text()), 500);
    await settle();
    expect(frames(rx.text())).toHaveLength(500);
    await f.tick(Date.now() + 10_000);
    const sent = alertLines(await arrived(() => frames(rx.text()), 600));
    expect(sent).toHaveLength(600);
    expect(new Set(sent.map(([id]) => id)).size).toBe(600);
    const first = sent.find(([, n]) => n === 3);
    expect(sent.filter(([, n]) => n !== 1)).toEqual([first]); // outage-0, once, with both sightings
    f.close();

    // A restarted gateway sends nothing twice; the next repeat is sent once.
    const again = new SiemForwarder(db, store.audit, [target], log);
    await again.tick();
    await settle();
    expect(frames(rx.text())).toHaveLength(600);
    alerts.record([sighting('outage-0', 1, T + 120)]);
    await again.tick();
    await arrived(() => frames(rx.text()), 601);
    expect(alertLines(frames(rx.text())).slice(600)).toEqual([[first![0], 4]]);
    again.close();
    await new Promise((r) => rx.server.close(r));
  });

  it('a target kept from before alerts were forwarded starts its alerts at the present', async () => {
    const rx = await udpReceiver();
    const key = `siem.cursor:udp:127.0.0.1:${rx.port}`;
    writeSetting(db, key, { audit: store.audit.lastId(), event: events.lastId() });
    alerts.record([sighting('old', 1, T + 300)]);
    const f = new SiemForwarder(db, store.audit, [{ address: '127.0.0.1', port: rx.port, format: 'cef' }], log);
    expect(readSetting(db, key)).toEqual({ audit: store.audit.lastId(), event: events.lastId(), alert: alerts.lastSeq() });
    await f.tick();
    alerts.record([sighting('kept')]);
    await f.tick();
    await arrived(() => rx.got, 1);
    await settle();
    expect(rx.got).toHaveLength(1);
    expect(rx.got[0]).toMatch(/holding_registers kept /);
    f.close();
    rx.close();
  });

  it('numbers the alerts of a database from before the change counter, and goes on from there', () => {
    const path = join(dir, 'v8.db');
    const old = new Database(path);
    for (const m of MIGRATIONS.slice(0, 8)) old.exec(m);
    old.pragma('user_version = 8');
    const a = sighting('from-v8');
    old.prepare('INSERT INTO alerts (id, key, status, severity, first_seen, last_seen, data) VALUES (7, ?, ?, ?, ?, ?, ?)').run(a.key, 'new', a.severity, a.firstSeen, a.lastSeen, JSON.stringify({ ...a, id: 7, status: 'new' }));
    old.close();
    const migrated = openDatabase(path);
    try {
      const store = new AlertStore(migrated);
      expect(store.lastSeq()).toBe(7);
      expect(store.changedAfter(0, 10).map((c) => [c.seq, c.alert.id])).toEqual([[7, 7]]);
      store.record([sighting('from-v8'), sighting('new')]);
      expect(store.changedAfter(7, 10).map((c) => [c.seq, c.alert.id, c.alert.count])).toEqual([
        [8, 7, 2],
        [9, 8, 1],
      ]);
      expect(store.lastSeq()).toBe(9);
    } finally {
      migrated.close();
    }
  });
});
