// The kernel fast path on a bridge of network namespaces: the compiled table lets exactly the
// policy's conversations through, is read back equal to what was intended, counts per rule,
// only logs in learn mode, and leaves nothing behind when removed.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileNft } from '../../src/enforce/nft-compiler.js';
import { applyNft, nftQueueSupported, nftUnavailable, readRules, removeNft, verifyNft, type NftRunner } from '../../src/enforce/nft-apply.js';
import type { Policy } from '../../src/policy/model.js';
import { createLan, netnsUnavailable, type Lan } from '../plant/lan.js';

const PEERS = join(import.meta.dirname, '..', '..', 'dist', 'testbench', 'plant', 'peers');
const hosts = {
  hmi: { name: 'hmi', ip: '10.251.1.21', mac: '02:00:00:00:02:21' },
  plc1: { name: 'plc1', ip: '10.251.1.11', mac: '02:00:00:00:02:11' },
  plc2: { name: 'plc2', ip: '10.251.1.12', mac: '02:00:00:00:02:12' },
  attacker: { name: 'attacker', ip: '10.251.1.66', mac: '02:00:00:00:02:66' },
};

const unavailable = netnsUnavailable() ?? nftUnavailable();
if (unavailable) console.warn(`SKIPPED: nftables enforcement tests: ${unavailable}`);

const policy: Policy = {
  bulkheadPolicy: 1,
  name: 'cell',
  defaultAction: 'deny',
  zones: [
    { id: 'control', name: 'Control', securityLevel: 3, members: [hosts.plc1.ip, hosts.plc2.ip] },
    { id: 'supervisory', name: 'Supervisory', securityLevel: 2, members: [hosts.hmi.ip] },
  ],
  conduits: [
    {
      id: 'sup-ctl',
      name: 'Supervisory-Control',
      zones: ['control', 'supervisory'],
      rules: [{ id: 'hmi-reads-plc1', protocol: 'modbus', port: 502, client: { hosts: [hosts.hmi.ip] }, server: { hosts: [hosts.plc1.ip] }, allow: [{ kinds: ['read'], codes: [3] }] }],
    },
  ],
};

describe.skipIf(unavailable !== undefined)('nftables fast path on a namespace bridge', () => {
  let lan: Lan;
  let run: NftRunner;
  const servers: ReturnType<Lan['spawnIn']>[] = [];

  const probe = (from: string, to: string): string => {
    const r = spawnSync('ip', ['netns', 'exec', lan.nsOf(from), process.execPath, join(PEERS, 'tcp-probe.js'), JSON.stringify({ host: to, port: 502, timeoutMs: 1500 })], { encoding: 'utf8' });
    return r.stdout.trim();
  };

  beforeAll(async () => {
    lan = createLan(`bhe${process.pid % 100000}`, Object.values(hosts));
    run = (args, input) => {
      const r = spawnSync('ip', ['netns', 'exec', lan.switchNs, 'nft', ...args], { input, encoding: 'utf8' });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    for (const h of [hosts.plc1, hosts.plc2]) servers.push(lan.spawnIn(h.name, process.execPath, [join(PEERS, 'modbus-plc.js'), JSON.stringify({ host: h.ip, unit: 1 })]));
    await new Promise((r) => setTimeout(r, 1500));
  }, 30_000);

  afterAll(() => {
    for (const s of servers) s.kill('SIGKILL');
    lan?.destroy();
  });

  it('without a policy everything is reachable', () => {
    expect(probe('hmi', hosts.plc2.ip)).toBe('open');
    expect(probe('attacker', hosts.plc1.ip)).toBe('open');
  });

  it('in enforce mode lets exactly the policy through, counts it, and reads back as intended', async () => {
    const program = compileNft(policy, { mode: 'enforce' });
    expect(program.needsInspection).toEqual(['hmi-reads-plc1']);
    await applyNft(program, run);
    expect(await verifyNft(program, run)).toEqual([]);
    expect(probe('hmi', hosts.plc1.ip)).toBe('open');
    expect(probe('hmi', hosts.plc2.ip)).toBe('blocked');
    expect(probe('attacker', hosts.plc1.ip)).toBe('blocked');
    const counters = Object.fromEntries((await readRules(program.table, run)).map((r) => [r.comment, r.packets]));
    expect(counters['hmi-reads-plc1']).toBeGreaterThan(0);
    expect(counters['hmi-reads-plc1:reply']).toBeGreaterThan(0);
    expect(counters.default).toBeGreaterThan(0);
  });

  it('notices a ruleset changed behind its back', async () => {
    const program = compileNft(policy, { mode: 'enforce' });
    await applyNft(program, run);
    run(['delete', 'rule', 'bridge', program.table, 'forward', 'handle', String(JSON.parse(run(['-j', '-a', 'list', 'chain', 'bridge', program.table, 'forward']).stdout).nftables.find((x: { rule?: { comment?: string } }) => x.rule?.comment === 'hmi-reads-plc1').rule.handle)]);
    expect((await verifyNft(program, run))[0]).toMatch(/rule 2: expected hmi-reads-plc1, kernel has hmi-reads-plc1:reply/);
  });

  it('in learn mode drops nothing but counts what it would deny', async () => {
    const program = compileNft(policy, { mode: 'learn' });
    await applyNft(program, run);
    expect(probe('hmi', hosts.plc2.ip)).toBe('open');
    expect(probe('attacker', hosts.plc1.ip)).toBe('open');
    const counters = Object.fromEntries((await readRules(program.table, run)).map((r) => [r.comment, r.packets]));
    expect(counters.default).toBeGreaterThan(0);
  });

  it('limits the table to its bridge\'s ports: traffic of other bridges is not its business', async () => {
    const program = compileNft(policy, { mode: 'enforce', bridgePorts: ['v-elsewhere'] });
    await applyNft(program, run);
    expect(await verifyNft(program, run)).toEqual([]);
    expect(probe('attacker', hosts.plc1.ip)).toBe('open');
    await applyNft(compileNft(policy, { mode: 'enforce', bridgePorts: ['v-hmi', 'v-attacker', 'v-plc1', 'v-plc2'] }), run);
    expect(probe('attacker', hosts.plc1.ip)).toBe('blocked');
  });

  it('steers inspected rules with the table\'s own queue expression where the kernel has it', async () => {
    const program = compileNft(policy, { mode: 'enforce', queue: { num: 3, rules: new Map([['hmi-reads-plc1', true]]) } });
    expect(program.script).toMatch(/tcp dport 502 counter queue num 3 bypass comment "hmi-reads-plc1"/);
    expect(program.script).toMatch(/tcp sport 502 counter accept comment "hmi-reads-plc1:reply"/);
    const closed = compileNft(policy, { mode: 'enforce', queue: { num: 3, rules: new Map([['hmi-reads-plc1', false]]) } });
    expect(closed.script).toMatch(/counter queue num 3 comment "hmi-reads-plc1"/);
    if (!nftQueueSupported(run)) {
      console.warn('SKIPPED: applying a table with the nftables queue expression: this kernel lacks it (the gateway steers with the xtables NFQUEUE target instead)');
      await expect(applyNft(program, run)).rejects.toThrow(/nft refused the ruleset/);
      return;
    }
    // Nobody listens on queue 3: bypass lets the fail-open rule's traffic through.
    await applyNft(program, run);
    expect(await verifyNft(program, run)).toEqual([]);
    expect(probe('hmi', hosts.plc1.ip)).toBe('open');
    await applyNft(closed, run);
    expect(probe('hmi', hosts.plc1.ip)).toBe('blocked');
  });

  it('refuses a broken ruleset whole and removes cleanly', async () => {
    const program = compileNft(policy, { mode: 'enforce' });
    await applyNft(program, run);
    await expect(applyNft({ ...program, script: program.script.replace('counter accept comment "hmi-reads-plc1"', 'counter acept comment "x"') }, run)).rejects.toThrow(/nft refused the ruleset \(nothing was changed\)/);
    expect(await verifyNft(program, run)).toEqual([]);
    await removeNft(program.table, run);
    await removeNft(program.table, run);
    expect(run(['list', 'tables']).stdout).not.toMatch(/bulkhead/);
    expect(probe('attacker', hosts.plc1.ip)).toBe('open');
  });
});
