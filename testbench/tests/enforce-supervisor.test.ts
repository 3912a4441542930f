// The supervised gateway (`bulkhead start --bridge br0`) on a namespace bridge between an HMI and
// a PLC: a hung engine is noticed by the watchdog and killed, its conduits fall to their fail
// state, the hardware bypass (simulated) follows, and the restarted engine enforces the stored
// active policy again. kill -9 under load loses no transaction on a fail-open conduit; a
// fail-closed one passes nothing while the engine is down and keeps the relay open. At boot the
// fail state is held on the configured ports before the bridge exists. A data
// filesystem filled past its warning level raises an alert and shows in status.

import { spawnSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPolicy } from '../../src/policy/document.js';
import { openDatabase } from '../../src/store/database.js';
import { EventStore } from '../../src/store/event-store.js';
import type { GatewayStatus } from '../../src/app/status.js';
import { createLan, type Lan } from '../plant/lan.js';
import { cellPolicy, inlineUnavailable, PEERS } from '../lib/inline.js';
import { until } from '../../src/test-support/until.js';
import { CLI, stopProcess, waitForLine } from '../lib/processes.js';

const hmi = { name: 'hmi', ip: '10.252.2.21', mac: '02:00:00:00:04:21' };
const plc = { name: 'plc', ip: '10.252.2.11', mac: '02:00:00:00:04:11' };

const unavailable = inlineUnavailable();
if (unavailable) console.warn(`SKIPPED: supervised gateway tests: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('bulkhead start: the supervised gateway', () => {
  let lan: Lan;
  let server: ChildProcess;
  let gateway: ChildProcess;
  let log = '';
  const dir = mkdtempSync(join(tmpdir(), 'bulkhead-sup-'));
  const db = join(dir, 'b.db');
  const relay = join(dir, 'relay');
  const plcLog: string[] = [];

  const cliOn = (database: string, ...args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...args, '--db', database], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`bulkhead ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const cli = (...args: string[]) => cliOn(db, ...args);
  const status = () => JSON.parse(cli('status', '--json')) as GatewayStatus;
  const probeArgs = (requests: object[], timeoutMs = 1500) => ['netns', 'exec', lan.nsOf('hmi'), process.execPath, join(PEERS, 'modbus-probe.js'), JSON.stringify({ server: plc.ip, unit: 1, requests, timeoutMs })];
  const probe = (requests: object[]): string[] => JSON.parse(spawnSync('ip', probeArgs(requests), { encoding: 'utf8' }).stdout) as string[];
  /** The same probe, not blocking the event loop (the gateway's output keeps flowing). */
  const probeAsync = (requests: object[], timeoutMs = 1500) =>
    new Promise<string[]>((resolve) => {
      const p = spawn('ip', probeArgs(requests, timeoutMs), { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      p.stdout.on('data', (d: Buffer) => (text += d.toString()));
      p.once('exit', () => resolve(JSON.parse(text) as string[]));
    });
  const read = () => probe([{ fc: 3, start: 0, count: 10 }])[0];
  const write = () => probe([{ fc: 6, start: 5 }])[0];
  /** Waits for the gateway's log to show `pattern` after position `from` (default: the log's current end). */
  const next = (pattern: RegExp, timeoutMs = 20_000, from = log.length) => {
    return new Promise<void>((resolve, reject) => {
      const t = setInterval(() => {
        if (pattern.test(log.slice(from))) {
          clearInterval(t);
          clearTimeout(limit);
          resolve();
        }
      }, 50);
      const limit = setTimeout(() => {
        clearInterval(t);
        reject(new Error(`no ${pattern} within ${timeoutMs} ms; log since: ${log.slice(from)}`));
      }, timeoutMs);
    });
  };

  beforeAll(async () => {
    lan = createLan(`bhs${process.pid % 100000}`, [hmi, plc]);
    server = lan.spawnIn('plc', process.execPath, [join(PEERS, 'modbus-plc.js'), JSON.stringify({ host: plc.ip, unit: 1 })]);
    server.stdout!.on('data', (d: Buffer) => plcLog.push(...d.toString().split('\n').filter((l) => l.includes('"write"'))));
    for (const [i, mode] of (['open', 'closed'] as const).entries()) {
      writeFileSync(join(dir, `${mode}.yaml`), formatPolicy({ ...cellPolicy(hmi.ip, plc.ip, mode), name: `cell (fail-${mode})` }));
      cli('policy', 'import', join(dir, `${mode}.yaml`), '--by', 'alice');
      cli('policy', 'approve', String(i + 1), '--by', 'alice');
    }
    cli('apply', '1', '--by', 'alice');
    writeFileSync(relay, 'inline\n');
    gateway = lan.spawnIn('switch', process.execPath, [CLI, 'start', '--bridge', 'br0', '--db', db, '--queue', '11', '--watchdog-ms', '1000', '--bypass-driver', `simulated:${relay}`, '--mode', 'enforce', '--by', 'carol']);
    gateway.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await waitForLine(gateway, /enforcing policy/, 20_000);
  }, 60_000);

  afterAll(() => {
    gateway?.kill('SIGKILL');
    server?.kill('SIGKILL');
    lan?.destroy();
  });

  it('refuses a bridge that does not exist, before touching anything', () => {
    const r = spawnSync('ip', ['netns', 'exec', lan.switchNs, process.execPath, CLI, 'start', '--bridge', 'br9', '--db', db], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--bridge br9: no such interface in this network namespace/);
    const v = spawnSync('ip', ['netns', 'exec', lan.switchNs, process.execPath, CLI, 'start', '--bridge', 'v-hmi', '--db', db], { encoding: 'utf8' });
    expect(v.stderr).toMatch(/--bridge v-hmi is not a bridge/);
  });

  it('enforces the active policy and reports itself in bulkhead status', () => {
    expect(read()).toBe('answered');
    expect(write()).toBe('timeout');
    const s = status();
    expect(s.engine.running).toBe(true);
    expect(s.engine.health).toMatchObject({ mode: 'enforce', policy: 'version 1' });
    expect(s.supervisor).toMatchObject({ running: true, restarts: 0, watchdogMs: 1000, bypass: { driver: `simulated:${relay}`, engaged: false } });
    expect(s.mode).toMatchObject({ mode: 'enforce', by: 'carol' });
  });

  it('kills a hung engine: the fail-open conduit passes, the relay engages, then enforcement resumes', async () => {
    const pid = status().engine.health!.pid;
    const killed = next(/ALERT engine hung: no heartbeat for \d+ ms \(watchdog 1000 ms\)/);
    process.kill(pid, 'SIGSTOP'); // a hung event loop, as far as anyone outside can tell
    await killed;
    expect(read()).toBe('answered'); // fail-open: the kernel forwards without the engine
    expect(readFileSync(relay, 'utf8')).toBe('bypass\n');
    const from = log.length;
    await next(/enforcing policy version 1/, 20_000, from);
    await next(/hardware bypass released/, 5000, from);
    expect(readFileSync(relay, 'utf8')).toBe('inline\n');
    expect(write()).toBe('timeout');
    expect(read()).toBe('answered');
    const s = status();
    expect(s.supervisor!.restarts).toBe(1);
    expect(s.supervisor!.lastExit!.reason).toMatch(/^hung: no heartbeat/);
    expect(s.engine.health!.pid).not.toBe(pid);
  }, 60_000);

  it('loses no transaction on a fail-open conduit when the engine is killed under load', async () => {
    const pid = status().engine.health!.pid;
    const load = probeAsync(Array.from({ length: 150 }, () => ({ fc: 3, start: 0, count: 10 })), 3000);
    await new Promise((r) => setTimeout(r, 300));
    process.kill(pid, 'SIGKILL');
    const results = await load;
    const lost = results.filter((r) => r !== 'answered').length;
    console.log(`kill -9 under load (fail-open): ${results.length - lost} of ${results.length} reads answered, ${lost} lost`);
    expect(lost).toBe(0);
    await next(/enforcing policy version 1/);
    expect(write()).toBe('timeout');
  }, 60_000);

  it('keeps a fail-closed conduit closed while the engine is down, and the relay open', async () => {
    cli('apply', '2', '--by', 'alice');
    await next(/enforcing policy version 2/);
    expect(read()).toBe('answered');
    const pid = status().engine.health!.pid;
    const refused = next(/hardware bypass NOT engaged although the engine is down: fail-closed conduit Supervisory-Control/);
    process.kill(pid, 'SIGKILL');
    await refused;
    expect(read()).toMatch(/Timed Out|timeout/);
    expect(readFileSync(relay, 'utf8')).toBe('inline\n');
    await next(/enforcing policy version 2/);
    expect(read()).toBe('answered');
    expect(write()).toBe('timeout');
    // Denied writes were reset, not left in their clients' retransmission queues: not one of them
    // reached the PLC through any of the fail-open windows above.
    await new Promise((r) => setTimeout(r, 300));
    expect(plcLog).toEqual([]);
  }, 60_000);

  it('stops cleanly, leaving a plain bridge, and every event is in the audit log', async () => {
    await stopProcess(gateway);
    expect(spawnSync('ip', ['netns', 'exec', lan.switchNs, 'nft', 'list', 'tables'], { encoding: 'utf8' }).stdout).not.toMatch(/bulkhead/);
    expect(write()).toBe('answered');
    const actions = (JSON.parse(cli('audit', '--json')) as { actor: string; action: string }[]).filter((e) => e.actor === 'supervisor').map((e) => e.action);
    expect(actions).toEqual(['gateway.start', 'engine.hang', 'gateway.bypass.engage', 'gateway.bypass.release', 'engine.exit', 'gateway.bypass.engage', 'gateway.bypass.release', 'engine.exit', 'gateway.stop']);
    expect(cli('audit', '--verify')).toMatch(/chain intact/);
    const s = status();
    expect(s.engine.running).toBe(false);
    expect(s.supervisor!.running).toBe(false);
  }, 30_000);

  it('stopped as the appliance stops it, leaves each conduit in its fail state; failsafe holds it and can clear it', async () => {
    // Version 2 (fail-closed) is active.
    gateway = lan.spawnIn('switch', process.execPath, [CLI, 'start', '--bridge', 'br0', '--db', db, '--queue', '11', '--bypass-driver', `simulated:${relay}`, '--on-stop', 'fail-state']);
    gateway.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await waitForLine(gateway, /enforcing policy version 2/, 20_000);
    const failsafe = (...args: string[]) => spawnSync('ip', ['netns', 'exec', lan.switchNs, process.execPath, CLI, 'failsafe', '--db', db, '--bridge', 'br0', '--queue', '11', '--bypass-driver', `simulated:${relay}`, '--by', 'dave', ...args], { encoding: 'utf8' });
    const running = failsafe();
    expect(running.status).toBe(2);
    expect(running.stderr).toMatch(/the engine \(pid \d+\) is running and holds the rules: stop the gateway first/);

    const from = log.length;
    await stopProcess(gateway);
    expect(log.slice(from)).toMatch(/the rules stay with nobody on the inspection queue/);
    expect(spawnSync('ip', ['netns', 'exec', lan.switchNs, 'nft', 'list', 'tables'], { encoding: 'utf8' }).stdout).toMatch(/table bridge bulkhead/);
    expect(read()).toMatch(/Timed Out|timeout/); // fail-closed: nobody inspects, nothing passes
    expect(readFileSync(relay, 'utf8')).toBe('inline\n');

    // A fail-open version applied while the gateway is down: failsafe puts it in its fail state.
    cli('apply', '1', '--by', 'alice');
    const held = failsafe('--json');
    expect(held.status).toBe(0);
    expect(JSON.parse(held.stdout)).toMatchObject({ state: 'fail-state', policy: 'version 1', conduits: [{ name: 'Supervisory-Control', failMode: 'open' }], relay: { engaged: true } });
    expect(read()).toBe('answered');
    expect(readFileSync(relay, 'utf8')).toBe('bypass\n');
    expect(failsafe().status).toBe(0); // idempotent

    const cleared = failsafe('--clear');
    expect(cleared.stdout).toMatch(/plain bridge: cleared by dave/);
    expect(spawnSync('ip', ['netns', 'exec', lan.switchNs, 'nft', 'list', 'tables'], { encoding: 'utf8' }).stdout).not.toMatch(/bulkhead/);
    expect(readFileSync(relay, 'utf8')).toBe('inline\n');
    const actions = (JSON.parse(cli('audit', '--json')) as { actor: string; action: string }[]).map((e) => e.action);
    expect(actions.slice(-3)).toEqual(['gateway.failsafe', 'gateway.failsafe', 'gateway.failsafe.clear']);
  }, 60_000);

  it('at boot, before the plant bridge exists, holds the fail state on the configured ports: they are guarded the moment they join', () => {
    const sw = (...args: string[]) => spawnSync('ip', ['-n', lan.switchNs, ...args], { encoding: 'utf8' });
    cli('apply', '2', '--by', 'alice'); // fail-closed
    const joinBridge = () => {
      expect(sw('link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0').status).toBe(0);
      expect(sw('link', 'set', 'br0', 'up').status).toBe(0);
      for (const port of ['v-hmi', 'v-plc']) expect(sw('link', 'set', port, 'master', 'br0', 'up').status).toBe(0);
    };
    // As at power-on: no bridge yet, the ports not joined.
    for (const port of ['v-hmi', 'v-plc']) expect(sw('link', 'set', port, 'nomaster').status).toBe(0);
    expect(sw('link', 'del', 'br0').status).toBe(0);
    let boot;
    try {
      boot = spawnSync('ip', ['netns', 'exec', lan.switchNs, process.execPath, CLI, 'failsafe', '--db', db, '--bridge', 'br0', '--ports', 'v-hmi,v-plc', '--queue', '11', '--by', 'boot', '--json'], { encoding: 'utf8' });
    } finally {
      // The network comes up: the bridge, then its ports.
      joinBridge();
    }
    expect(boot.status, boot.stderr).toBe(0);
    expect(boot.stderr).not.toMatch(/every bridge/);
    expect(JSON.parse(boot.stdout)).toMatchObject({ state: 'fail-state', policy: 'version 2', conduits: [{ name: 'Supervisory-Control', failMode: 'closed' }] });
    const table = spawnSync('ip', ['netns', 'exec', lan.switchNs, 'nft', 'list', 'table', 'bridge', 'bulkhead'], { encoding: 'utf8' }).stdout;
    expect(table.match(/iifname != \{ ([^}]*) \}.*"other-bridges"/)?.[1]?.split(', ').sort()).toEqual(['"v-hmi"', '"v-plc"']);
    expect(read()).toMatch(/Timed Out|timeout/);
    // The bridge itself forwards: it was the table that held the read.
    const cleared = spawnSync('ip', ['netns', 'exec', lan.switchNs, process.execPath, CLI, 'failsafe', '--db', db, '--clear', '--by', 'dave'], { encoding: 'utf8' });
    expect(cleared.status, cleared.stderr).toBe(0);
    expect(read()).toBe('answered');
    const bad = spawnSync(process.execPath, [CLI, 'failsafe', '--db', db, '--bridge', 'br0', '--ports', 'v-hmi,no such port'], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--ports: 'no such port' is not an interface name/);
  }, 60_000);

  it('on a new box learns on its bridge until a policy is applied, then hands over to the engine', async () => {
    const fresh = join(dir, 'fresh.db');
    const fcli = (...args: string[]) => cliOn(fresh, ...args);
    gateway = lan.spawnIn('switch', process.execPath, [CLI, 'start', '--bridge', 'br0', '--db', fresh, '--queue', '11', '--mode', 'enforce']);
    let flog = '';
    gateway.stderr!.on('data', (d: Buffer) => (flog += d.toString()));
    await waitForLine(gateway, /learning on br0/, 20_000);
    expect(flog).toMatch(/no policy active yet: learning until one is applied/);
    expect(write()).toBe('answered'); // nothing is enforced while learning
    expect(read()).toBe('answered');
    await new Promise((r) => setTimeout(r, 1500));
    expect((JSON.parse(fcli('status', '--json')) as GatewayStatus).supervisor!.engine.role).toBe('learner');
    fcli('policy', 'import', join(dir, 'closed.yaml'), '--by', 'alice');
    fcli('policy', 'approve', '1', '--by', 'alice');
    fcli('apply', '1', '--by', 'alice');
    await waitForLine(gateway, /enforcing policy version 1/, 20_000);
    expect(flog).toMatch(/learning stops, the engine takes over/);
    expect(write()).toBe('timeout');
    expect(read()).toBe('answered');
    const assets = JSON.parse(fcli('assets', '--json')) as { ip: string }[];
    expect(assets.map((a) => a.ip)).toEqual(expect.arrayContaining([hmi.ip, plc.ip]));
    const actions = (JSON.parse(fcli('audit', '--json')) as { action: string }[]).map((e) => e.action);
    expect(actions).toContain('engine.handover');
    await stopProcess(gateway);
  }, 60_000);

  it('gives a start that ran out of time twice as long the next time: a slow box comes up, not down for good', async () => {
    const slow = join(dir, 'slow.db');
    // No child of ours reports in within 0.4 s: the limit doubles at each kill until one does.
    gateway = lan.spawnIn('switch', process.execPath, [CLI, 'start', '--bridge', 'br0', '--db', slow, '--queue', '11', '--startup-ms', '400', '--mode', 'enforce']);
    let slog = '';
    gateway.stderr!.on('data', (d: Buffer) => (slog += d.toString()));
    try {
      const up = () => (JSON.parse(cliOn(slow, 'status', '--json')) as GatewayStatus).supervisor?.engine.state === 'running';
      await until(() => `the learner up after its slow starts; the log: ${slog}`, up, 80_000, 500);
      expect(slog).toMatch(/did not start within 400 ms: killing it so that its conduits fall to their fail state; its next start may take 0\.8 s/);
      const hangs = (JSON.parse(cliOn(slow, 'audit', '--json')) as { action: string; detail: { watchdogMs?: number; nextStartupMs?: number } }[]).filter((e) => e.action === 'engine.hang');
      expect(hangs.length).toBeGreaterThan(0);
      expect(hangs.map((h) => h.detail.nextStartupMs)).toEqual(hangs.map((h) => h.detail.watchdogMs! * 2));
    } finally {
      await stopProcess(gateway);
    }
  }, 90_000);

  it('warns when the data filesystem passes its warning level (SR 2.9): an alert, and in status', async () => {
    // A small filesystem of the test's own, 10 of its 16 MiB taken.
    const small = join(dir, 'small');
    mkdirSync(small);
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16M', 'tmpfs', small]).status).toBe(0);
    try {
      writeFileSync(join(small, 'filler'), Buffer.alloc(10 * 1048576, 1));
      const cfg = join(dir, 'storage.yaml');
      writeFileSync(cfg, ['bulkheadConfig: 1', `dataDir: ${small}`, 'bridge: { name: br0, ports: [v-hmi, v-plc] }', 'management: { address: 127.0.0.1 }', 'retention: { storageWarnPercent: 50 }', ''].join('\n'));
      const sdb = join(small, 'bulkhead.db');
      gateway = lan.spawnIn('switch', process.execPath, [CLI, 'start', '--config', cfg, '--queue', '11', '--mode', 'enforce']);
      await waitForLine(gateway, /ALERT storage: .* is \d+(\.\d)?% full .*warning at 50%/, 20_000);
      const st = JSON.parse(cliOn(sdb, 'status', '--json')) as GatewayStatus;
      expect(st.supervisor!.storage).toMatchObject({ path: small, warnPercent: 50 });
      expect(st.supervisor!.storage!.usedPercent).toBeGreaterThanOrEqual(50);
      expect(cliOn(sdb, 'status')).toMatch(/storage: .* full, \d+ MiB free: OVER the 50% warning/);
      const store = openDatabase(sdb);
      try {
        const alerts = new EventStore(store).list({ kind: 'alert' }).map((e) => (e.data as { message: string }).message);
        expect(alerts).toEqual([expect.stringMatching(/^storage: .* full/)]);
      } finally {
        store.close();
      }
      await stopProcess(gateway);
    } finally {
      spawnSync('umount', ['-l', small]);
    }
  }, 60_000);
});
