// Deep inspection inline: `bulkhead enforce` on a namespace bridge between an HMI and a PLC.
// The policy lets the HMI read holding registers 0-9; a write must not reach the PLC (its own
// write log is the ground truth), the read still must, and stopping enforcement restores the
// plain bridge.

import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPolicy } from '../../src/policy/document.js';
import { createLan, type Lan } from '../plant/lan.js';
import { cellPolicy, inlineUnavailable, PEERS } from '../lib/inline.js';
import { CLI, startGateway, stopProcess, waitForLine } from '../lib/processes.js';

const hmi = { name: 'hmi', ip: '10.252.1.21', mac: '02:00:00:00:03:21' };
const plc = { name: 'plc', ip: '10.252.1.11', mac: '02:00:00:00:03:11' };

const unavailable = inlineUnavailable();
if (unavailable) console.warn(`SKIPPED: inline deep-inspection tests: ${unavailable}`);

const policy = cellPolicy(hmi.ip, plc.ip);

describe.skipIf(unavailable !== undefined)('bulkhead enforce with deep inspection', () => {
  let lan: Lan;
  let server: ChildProcess;
  let gateway: ChildProcess;
  let events = '';
  const plcLog: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'bulkhead-dpi-'));

  const probe = (requests: object[]): string[] => {
    const r = spawnSync('ip', ['netns', 'exec', lan.nsOf('hmi'), process.execPath, join(PEERS, 'modbus-probe.js'), JSON.stringify({ server: plc.ip, unit: 1, requests, timeoutMs: 1500 })], { encoding: 'utf8' });
    return JSON.parse(r.stdout) as string[];
  };

  beforeAll(async () => {
    lan = createLan(`bhd${process.pid % 100000}`, [hmi, plc]);
    server = lan.spawnIn('plc', process.execPath, [join(PEERS, 'modbus-plc.js'), JSON.stringify({ host: plc.ip, unit: 1 })]);
    server.stdout!.on('data', (d: Buffer) => plcLog.push(...d.toString().split('\n').filter((l) => l.includes('"write"'))));
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, formatPolicy(policy));
    gateway = await startGateway(lan, file, ['--db', join(dir, 'b.db'), '--queue', '7', '--queues', '2']);
    gateway.stdout!.on('data', (d: Buffer) => (events += d.toString()));
  }, 30_000);

  afterAll(() => {
    gateway?.kill('SIGKILL');
    server?.kill('SIGKILL');
    lan?.destroy();
  });

  // The probes run synchronously: let the event loop collect the peers' output before looking.
  const settle = () => new Promise((r) => setTimeout(r, 300));

  it('passes the allowed read and stops the write before the PLC, with the reason', async () => {
    expect(probe([{ fc: 3, start: 0, count: 10 }])).toEqual(['answered']);
    expect(probe([{ fc: 6, start: 5 }])).toEqual(['timeout']);
    expect(probe([{ fc: 3, start: 100, count: 2 }])).toEqual(['timeout']);
    await settle();
    expect(plcLog).toEqual([]);
    const denials = events.trim().split('\n').map((l) => JSON.parse(l) as { action: string; code: number; reason: string });
    expect(denials.map((d) => d.code)).toEqual(expect.arrayContaining([6, 3]));
    expect(denials.every((d) => d.action === 'deny')).toBe(true);
    expect(denials.find((d) => d.code === 6)!.reason).toMatch(/^denied: Modbus Write Single Register \(FC 6\) on unit 1 holding registers 40006 \(5\) from 10\.252\.1\.21 .*allows Read Holding Registers \(FC 3\) on unit 1 holding registers 40001-40010 \(0-9\)/);
  });

  it('removes its rules when stopped: the bridge forwards everything again', async () => {
    await stopProcess(gateway);
    expect(spawnSync('ip', ['netns', 'exec', lan.switchNs, 'nft', 'list', 'tables'], { encoding: 'utf8' }).stdout).not.toMatch(/bulkhead/);
    expect(probe([{ fc: 6, start: 5 }])).toEqual(['answered']);
    await settle();
    expect(plcLog).toHaveLength(1);
  });

  it('when the engine dies, a fail-open conduit passes and a fail-closed one passes nothing', async () => {
    const run = async (failMode: 'open' | 'closed') => {
      const p = structuredClone(policy);
      p.conduits[0]!.failMode = failMode;
      const file = join(dir, `${failMode}.yaml`);
      writeFileSync(file, formatPolicy(p));
      const g = await startGateway(lan, file, ['--db', join(dir, 'b.db'), '--queue', '8', '--queues', '2']);
      const exited = new Promise((r) => g.once('exit', r));
      g.kill('SIGKILL'); // no cleanup: the kernel rules stay, nobody reads the queue
      await exited;
      const read = probe([{ fc: 3, start: 0, count: 10 }]);
      const other = spawnSync('ip', ['netns', 'exec', lan.switchNs, 'nft', 'list', 'tables'], { encoding: 'utf8' }).stdout;
      // Clean up what the killed engine left, for the next run.
      spawnSync('ip', ['netns', 'exec', lan.switchNs, 'sh', '-c', 'iptables -D FORWARD -j BULKHEAD-DPI; iptables -F BULKHEAD-DPI; iptables -X BULKHEAD-DPI; nft delete table bridge bulkhead']);
      return { read, kernelTableLeft: /bulkhead/.test(other) };
    };
    expect(await run('open')).toEqual({ read: ['answered'], kernelTableLeft: true });
    // Not even the TCP handshake gets through.
    expect(await run('closed')).toEqual({ read: ['connect: TCP Connection Timed Out'], kernelTableLeft: true });
  });

  it('follows apply and confirm, rolls an unconfirmed change back by itself, isolates on demand, and switches modes', async () => {
    const db = join(dir, 'cc.db');
    const cli = (...args: string[]) => {
      const r = spawnSync(process.execPath, [CLI, ...args, '--db', db], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`bulkhead ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    const writes = structuredClone(policy);
    writes.conduits[0]!.rules[0]!.allow!.push({ kinds: ['write'], codes: [6], modbus: [{ unit: 1, table: 'holding_registers', ranges: [[5, 5]] }] });
    writeFileSync(join(dir, 'v1.yaml'), formatPolicy(policy));
    writeFileSync(join(dir, 'v2.yaml'), formatPolicy(writes));
    cli('policy', 'import', join(dir, 'v1.yaml'));
    cli('policy', 'import', join(dir, 'v2.yaml'));
    cli('policy', 'approve', '1', '--by', 'alice');
    cli('policy', 'approve', '2', '--by', 'alice');
    cli('apply', '1', '--by', 'alice');
    const g = await startGateway(lan, 'active', ['--db', db, '--queue', '9', '--queues', '2']);
    const swapped = () => new Promise((r) => setTimeout(r, 1200));
    try {
      const write = () => probe([{ fc: 6, start: 5 }])[0];
      expect(write()).toBe('timeout');
      cli('apply', '2', '--by', 'alice', '--confirm-within', '3');
      await swapped();
      expect(write()).toBe('answered');
      await new Promise((r) => setTimeout(r, 3000));
      expect(write()).toBe('timeout');
      expect(cli('policy', 'list', '--json')).toMatch(/"version":1,"name":"cell","status":"active"/);
      cli('apply', '2', '--by', 'alice', '--confirm-within', '3');
      cli('confirm', '--by', 'bob');
      await new Promise((r) => setTimeout(r, 4000));
      expect(write()).toBe('answered');
      // Island mode: the HMI cut off at once, even for what the policy allows; then released.
      cli('isolate', hmi.ip, '--by', 'carol', '--reason', 'suspicious writes');
      await swapped();
      expect(probe([{ fc: 3, start: 0, count: 10 }])[0]).toMatch(/Timed Out|timeout/);
      cli('release', hmi.ip, '--by', 'carol');
      await swapped();
      expect(probe([{ fc: 3, start: 0, count: 10 }])).toEqual(['answered']);
      // Modes at run time: learn drops nothing, bypass leaves no rule, enforce stops it again.
      const outside = () => probe([{ fc: 6, start: 6 }])[0];
      expect(outside()).toBe('timeout');
      cli('mode', 'learn', '--by', 'carol');
      await swapped();
      expect(outside()).toBe('answered');
      cli('mode', 'bypass', '--by', 'carol');
      await swapped();
      expect(spawnSync('ip', ['netns', 'exec', lan.switchNs, 'nft', 'list', 'tables'], { encoding: 'utf8' }).stdout).not.toMatch(/bulkhead/);
      expect(outside()).toBe('answered');
      cli('mode', 'enforce', '--by', 'carol');
      await swapped();
      expect(outside()).toBe('timeout');
      expect(probe([{ fc: 3, start: 0, count: 10 }])).toEqual(['answered']);
    } finally {
      await stopProcess(g);
    }
  }, 60_000);

  it('resets a denied write\'s connection at once (onDeny: reset, the default) instead of stalling it', async () => {
    const p = structuredClone(policy);
    delete p.conduits[0]!.onDeny;
    const file = join(dir, 'reset.yaml');
    writeFileSync(file, formatPolicy(p));
    const g = await startGateway(lan, file, ['--db', join(dir, 'b.db'), '--queue', '12', '--queues', '2']);
    try {
      const writesBefore = plcLog.length;
      const send = (adu: string) => {
        const r = spawnSync('ip', ['netns', 'exec', lan.nsOf('hmi'), process.execPath, join(PEERS, 'tcp-probe.js'), JSON.stringify({ host: plc.ip, port: 502, timeoutMs: 3000, send: adu })], { encoding: 'utf8' });
        return JSON.parse(r.stdout) as { result: string; ms: number };
      };
      // Raw Modbus ADUs (unit 1): read holding registers 0-9, write register 5.
      expect(send('00010000000601030000000a').result).toBe('reply');
      const write = send('00020000000601060005002a');
      console.log(`onDeny reset: the client saw '${write.result}' after ${write.ms} ms`);
      // Within one retransmission timeout (200 ms and up), not the client's own 3 s timeout.
      expect(write.result).toBe('reset');
      expect(write.ms).toBeLessThan(1500);
      expect(send('00030000000601030000000a').result).toBe('reply');
      await settle();
      expect(plcLog.length).toBe(writesBefore);
    } finally {
      await stopProcess(g);
    }
  }, 30_000);

  it('holds each conduit to its latency budget: fail-open degrades to the kernel rules, fail-closed keeps inspecting', async () => {
    const run = async (failMode: 'open' | 'closed') => {
      const p = structuredClone(policy);
      p.conduits[0]!.failMode = failMode;
      p.conduits[0]!.latencyBudgetMs = 0.001; // 1 us: no verdict can meet it
      const file = join(dir, `budget-${failMode}.yaml`);
      writeFileSync(file, formatPolicy(p));
      const g = await startGateway(lan, file, ['--db', join(dir, 'b.db'), '--queue', '10', '--queues', '2']);
      let log = '';
      g.stderr!.on('data', (d: Buffer) => (log += d.toString()));
      try {
        expect(probe(Array.from({ length: 60 }, () => ({ fc: 3, start: 0, count: 10 })))).toEqual(Array(60).fill('answered'));
        await new Promise((r) => setTimeout(r, 2500));
        return { alert: /ALERT conduit Supervisory-Control: verdict latency p99 \d+ us \(p50 \d+ us\) over its 0.001 ms budget/.test(log), write: probe([{ fc: 6, start: 5 }])[0], log };
      } finally {
        await stopProcess(g);
      }
    };
    const open = await run('open');
    expect(open.alert).toBe(true);
    expect(open.log).toMatch(/fail-open: left to the kernel rules/);
    expect(open.write).toBe('answered'); // the price of fail-open, chosen per conduit
    const closed = await run('closed');
    expect(closed.alert).toBe(true);
    expect(closed.log).toMatch(/fail-closed: still inspecting every operation/);
    expect(closed.write).toBe('timeout');
  }, 60_000);

  it('spreads host pairs over its queues, a worker each, and every worker judges by the policy', async () => {
    // 24 HMI addresses: the kernel's hash keeps each pair of hosts on one queue, and puts all 24
    // on one of two queues with a chance of 2 in 2^24.
    const clients = Array.from({ length: 24 }, (_, i) => `10.252.1.${100 + i}`);
    for (const ip of clients) spawnSync('ip', ['-n', lan.nsOf('hmi'), 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
    const p = structuredClone(policy);
    p.zones.find((z) => z.id === 'supervisory')!.members.push(...clients);
    p.conduits[0]!.rules[0]!.client = { hosts: clients };
    const file = join(dir, 'shards.yaml');
    writeFileSync(file, formatPolicy(p));
    const db = join(dir, 'shards.db');
    // Started here rather than by startGateway: the queue line comes before 'enforcing policy'.
    const g = lan.spawnIn('switch', process.execPath, [CLI, 'enforce', '--policy', file, '--db', db, '--queue', '13', '--queues', '2']);
    let log = '';
    g.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await waitForLine(g, /enforcing policy/, 15_000);
    let said = '';
    g.stdout!.on('data', (d: Buffer) => (said += d.toString()));
    try {
      // From each address: the allowed read, then a write (refused, its connection reset).
      const script = [
        'import json, socket, sys',
        'out = []',
        'for src in sys.argv[2:]:',
        '    s = socket.create_connection((sys.argv[1], 502), timeout=3, source_address=(src, 0))',
        '    s.sendall(bytes.fromhex("00010000000601030000000a"))',
        '    read = "reply" if s.recv(256) else "closed"',
        '    s.sendall(bytes.fromhex("00020000000601060005002a"))',
        '    try: write = "reply" if s.recv(256) else "closed"',
        '    except ConnectionResetError: write = "reset"',
        '    except socket.timeout: write = "timeout"',
        '    out.append([read, write]); s.close()',
        'print(json.dumps(out))',
      ].join('\n');
      const writesBefore = plcLog.length;
      const r = spawnSync('ip', ['netns', 'exec', lan.nsOf('hmi'), 'python3', '-c', script, plc.ip, ...clients], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toEqual(clients.map(() => ['reply', 'reset']));
      await settle();
      expect(plcLog.length).toBe(writesBefore);
      const denied = said.trim().split('\n').map((l) => JSON.parse(l) as { client: string; code: number });
      expect(denied.filter((d) => d.code === 6).map((d) => d.client).sort()).toEqual([...clients].sort());
      expect(log).toMatch(/deep inspection on queues 13-14 \(a worker thread each/);
      // Both workers judged packets, as their reports to the engine say (the health it stores each second).
      const spread = async () => {
        for (let i = 0; i < 50; i++) {
          const h = JSON.parse(spawnSync(process.execPath, [CLI, 'status', '--json', '--db', db], { encoding: 'utf8' }).stdout) as { engine?: { health?: { queues?: { num: number; packets: number }[] } } };
          const q = h.engine?.health?.queues ?? [];
          if (q.length === 2 && q.every((x) => x.packets > 0)) return q;
          await new Promise((res) => setTimeout(res, 200));
        }
        return undefined;
      };
      const queues = await spread();
      console.log(`queues 13-14: ${JSON.stringify(queues)}`);
      expect(queues?.map((q) => q.num)).toEqual([13, 14]);
    } finally {
      await stopProcess(g);
      for (const ip of clients) spawnSync('ip', ['-n', lan.nsOf('hmi'), 'addr', 'del', `${ip}/24`, 'dev', 'eth0']);
    }
  }, 60_000);
});
