// VLAN-tagged requests on an enforcing bridge: a frame inside an 802.1Q tag is judged as the
// packet it carries, never walked around inspection; one with two tags (802.1ad / QinQ), which
// the kernel cannot hand to inspection, is refused outright. Frames are put on the wire by hand
// from the HMI's namespace (this kernel family has no VLAN devices); what reaches the PLC's port
// is the ground truth.

import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPolicy } from '../../src/policy/document.js';
import { createLan, type Lan } from '../plant/lan.js';
import { cellPolicy, inlineUnavailable } from '../lib/inline.js';
import { startGateway, waitForLine } from '../lib/processes.js';

const hmi = { name: 'hmi', ip: '10.252.6.21', mac: '02:00:00:00:06:21' };
const plc = { name: 'plc', ip: '10.252.6.11', mac: '02:00:00:00:06:11' };
const SEND_FRAMES = join(import.meta.dirname, '..', 'lib', 'send-frames.py');

const unavailable = inlineUnavailable() ?? (spawnSync('python3', ['--version']).status !== 0 ? 'python3 is needed to put hand-made frames on the wire' : undefined);
if (unavailable) console.warn(`SKIPPED: VLAN-tagged inspection tests: ${unavailable}`);

const Q = 0x8100;
const AD = 0x88a8;
/** Modbus/TCP ADUs: a write of register 5 (denied) and a read of registers 0-9 (allowed). */
const WRITE = '000100000006010600050042';
const READ = '00010000000601030000000a';

describe.skipIf(unavailable !== undefined)('VLAN-tagged requests through an enforcing gateway', () => {
  let lan: Lan;
  let gateway: ChildProcess;
  let events = '';
  let port = 41000;
  const dir = mkdtempSync(join(tmpdir(), 'bulkhead-vlan-'));

  beforeAll(async () => {
    lan = createLan(`bhv${process.pid % 100000}`, [hmi, plc]);
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, formatPolicy(cellPolicy(hmi.ip, plc.ip)));
    gateway = await startGateway(lan, file, ['--db', join(dir, 'b.db'), '--queue', '11']);
    gateway.stdout!.on('data', (d: Buffer) => (events += d.toString()));
  }, 30_000);

  afterAll(() => {
    gateway?.kill('SIGKILL');
    lan?.destroy();
  });

  /** Sends 3 copies of one request with `tags` from the HMI; the frames carrying it that reached the PLC's port, as tcpdump printed them. */
  async function reaching(tags: [number, number][], payloadHex: string): Promise<string[]> {
    const seen = lan.spawnIn('plc', 'tcpdump', ['-i', 'eth0', '-nn', '-e', '-l', 'ether', 'src', hmi.mac]);
    let out = '';
    seen.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await waitForLine(seen, /listening on/, 15_000);
    const frames = { iface: 'eth0', dstMac: plc.mac, srcMac: hmi.mac, src: hmi.ip, dst: plc.ip, sport: port++, dport: 502, seq: 1, payloadHex, tags, count: 3 };
    const sent = spawnSync('ip', ['netns', 'exec', lan.nsOf('hmi'), 'python3', SEND_FRAMES, JSON.stringify(frames)], { encoding: 'utf8' });
    expect(sent.status, sent.stderr).toBe(0);
    // The verdicts are the engine's (microseconds); the wait is for tcpdump to print what it saw.
    await new Promise((r) => setTimeout(r, 1500));
    const done = new Promise((r) => seen.once('exit', r));
    seen.kill('SIGINT');
    await done;
    // Frames carrying the request (its 12 bytes); the gateway's own RST and bare ACKs to the PLC carry none.
    return out.split('\n').filter((l) => l.includes(hmi.mac) && / length 12$/.test(l));
  }

  it('stops a write inside an 802.1Q tag as it stops the same write untagged, saying why', async () => {
    expect(await reaching([], WRITE)).toEqual([]);
    expect(await reaching([[Q, 10]], WRITE)).toEqual([]);
    const denials = events.trim().split('\n').map((l) => JSON.parse(l) as { code: number; reasonCode: string });
    expect(denials.filter((d) => d.code === 6).map((d) => d.reasonCode)).toEqual(['not_allowed_code', 'not_allowed_code']);
  });

  it('passes an allowed read inside the tag, the tag kept', async () => {
    expect(await reaching([], READ)).toHaveLength(3);
    const tagged = await reaching([[Q, 10]], READ);
    expect(tagged).toHaveLength(3);
    expect(tagged.every((l) => /vlan 10\b/.test(l))).toBe(true);
  });

  it('refuses a frame with two tags (802.1ad), which inspection cannot see into, even an allowed read', async () => {
    expect(await reaching([[AD, 10], [Q, 20]], READ)).toEqual([]);
    expect(await reaching([[Q, 10], [Q, 20]], WRITE)).toEqual([]);
  });
});
