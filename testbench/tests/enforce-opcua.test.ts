// OPC UA inline: the historian may read; its Write and Call on a None-mode channel are stopped by
// deep inspection and their connections reset (the server's own log shows neither arrived, not
// even later as a retransmission) while Read keeps working. An
// encrypted channel (SignAndEncrypt) hides its services: under a policy that restricts them it
// is refused with that reason; a policy that allows the channel as a whole lets it through.

import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPolicy } from '../../src/policy/document.js';
import type { Policy } from '../../src/policy/model.js';
import { createLan, type Lan } from '../plant/lan.js';
import { inlineUnavailable, PEERS } from '../lib/inline.js';
import { startGateway, stopProcess, waitForStdout } from '../lib/processes.js';

const server = { name: 'srv', ip: '10.252.4.51', mac: '02:00:00:00:06:51' };
const historian = { name: 'hist', ip: '10.252.4.61', mac: '02:00:00:00:06:61' };
const ENDPOINT = `opc.tcp://${server.ip}:4840`;
const SPEED = 'ns=1;s=Line1.Speed';

const unavailable = inlineUnavailable();
if (unavailable) console.warn(`SKIPPED: inline OPC UA tests: ${unavailable}`);

function linePolicy(kinds: ('session' | 'discovery' | 'read' | 'unknown')[]): Policy {
  return {
    bulkheadPolicy: 1,
    name: 'line',
    defaultAction: 'deny',
    zones: [
      { id: 'control', name: 'Control', securityLevel: 3, members: [server.ip] },
      { id: 'site', name: 'Site operations', securityLevel: 2, members: [historian.ip] },
    ],
    conduits: [
      {
        id: 'site-control',
        name: 'Site-Control',
        zones: ['site', 'control'],
        rules: [{ id: 'historian-reads', protocol: 'opcua', port: 4840, client: { hosts: [historian.ip] }, server: { hosts: [server.ip] }, allow: [{ kinds }] }],
      },
    ],
  };
}

describe.skipIf(unavailable !== undefined)('OPC UA inline', () => {
  let lan: Lan;
  let opcua: ChildProcess;
  let events = '';
  const serverLog: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'bulkhead-opcua-'));

  const probe = (security: 'None' | 'SignAndEncrypt', actions: object[]): string[] => {
    const r = spawnSync('ip', ['netns', 'exec', lan.nsOf('hist'), process.execPath, join(PEERS, 'opcua-probe.js'), JSON.stringify({ endpoint: ENDPOINT, security, actions, timeoutMs: 2000 })], { encoding: 'utf8' });
    // node-opcua writes its own notices to stdout: the answer is the last line.
    const last = r.stdout.trim().split('\n').pop();
    if (!last?.startsWith('[')) throw new Error(`opcua-probe: ${r.stdout} ${r.stderr}`);
    return JSON.parse(last) as string[];
  };
  const gateway = async (kinds: Parameters<typeof linePolicy>[0], queue: string): Promise<ChildProcess> => {
    const file = join(dir, `policy-${queue}.yaml`);
    writeFileSync(file, formatPolicy(linePolicy(kinds)));
    const g = await startGateway(lan, file, ['--db', join(dir, 'b.db'), '--queue', queue]);
    g.stdout!.on('data', (d: Buffer) => (events += d.toString()));
    return g;
  };

  beforeAll(async () => {
    lan = createLan(`bho${process.pid % 100000}`, [server, historian]);
    opcua = lan.spawnIn('srv', process.execPath, [join(PEERS, 'opcua-server.js'), JSON.stringify({ host: server.ip, variables: ['Speed', 'Temperature'] })]);
    await waitForStdout(opcua, /"ready":true/, 60_000);
    opcua.stdout!.on('data', (d: Buffer) => serverLog.push(...d.toString().split('\n').filter((l) => l.includes('"write"'))));
  }, 90_000);

  afterAll(() => {
    opcua?.kill('SIGKILL');
    lan?.destroy();
  });

  it('lets the historian read on a None channel and stops its Write and Call before the server', async () => {
    const g = await gateway(['session', 'discovery', 'read'], '14');
    try {
      expect(probe('None', [{ read: SPEED }, { write: SPEED }, { call: 'ns=1;i=1000', method: 'ns=1;s=Line1.Reset' }, { read: SPEED }])).toEqual(['answered', 'reset', 'reset', 'answered']);
      await new Promise((r) => setTimeout(r, 300));
      expect(serverLog).toEqual([]);
      const denials = events.trim().split('\n').map((l) => JSON.parse(l) as { action: string; code: number; reason: string });
      expect(denials.map((d) => d.code)).toEqual(expect.arrayContaining([673, 712]));
      expect(denials.find((d) => d.code === 673)!.reason).toMatch(/^denied: OPC UA Write \(service 673\) on .*from 10\.252\.4\.61/);
    } finally {
      await stopProcess(g);
    }
  }, 60_000);

  it('refuses an encrypted channel whose services the policy restricts, saying why', async () => {
    events = '';
    const g = await gateway(['session', 'discovery', 'read'], '15');
    try {
      expect(probe('SignAndEncrypt', [{ read: SPEED }])).toEqual(['reset']);
      await new Promise((r) => setTimeout(r, 300));
      expect(events).toMatch(/the channel is encrypted, so its services cannot be inspected/);
    } finally {
      await stopProcess(g);
    }
  }, 60_000);

  it('lets an encrypted channel through where the policy allows it as a whole', async () => {
    const g = await gateway(['session', 'discovery', 'read', 'unknown'], '16');
    try {
      expect(probe('SignAndEncrypt', [{ read: SPEED }])).toEqual(['answered']);
      // On a None channel the services are still seen: the write stays out.
      expect(probe('None', [{ write: SPEED }])).toEqual(['reset']);
      await new Promise((r) => setTimeout(r, 300));
      expect(serverLog).toEqual([]);
    } finally {
      await stopProcess(g);
    }
  }, 60_000);

  it('without enforcement the Write and Call reach the server (the ground truth works)', async () => {
    expect(probe('None', [{ write: SPEED }, { call: 'ns=1;i=1000', method: 'ns=1;s=Line1.Reset' }])).toEqual(['answered', 'answered']);
    await new Promise((r) => setTimeout(r, 300));
    expect(serverLog.map((l) => (JSON.parse(l) as { write: string }).write)).toEqual(['Speed', 'call']);
  }, 60_000);
});
