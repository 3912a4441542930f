// Forwarding to SIEM receivers on loopback (UDP and TCP): a new target starts at the present; new
// audit entries and events arrive in order and in the chosen format; a target that is down gets
// everything once it is back; a restarted forwarder resumes without repeating itself.

import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../store/database.js';
import { EventStore } from '../store/event-store.js';
import { PolicyStore } from '../store/policy-store.js';
import { SiemForwarder } from './siem-forwarder.js';

const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'bulkhead-siem-')), 'b.db'));
const store = new PolicyStore(db);
const events = new EventStore(db);
const logs: string[] = [];
const log = (l: string) => logs.push(l);
afterAll(() => db.close());

/** Octet-counted frames (RFC 6587) out of a TCP stream. */
function frames(text: string): string[] {
  const out: string[] = [];
  let rest = Buffer.from(text);
  while (rest.length) {
    const sp = rest.indexOf(0x20);
    const len = Number(rest.subarray(0, sp).toString());
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
});
