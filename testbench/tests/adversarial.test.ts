// The gateway tried as an attacker on the cell would try it: a namespace plant (an HMI that may
// read holding registers 0-9 of a PLC, a historian that may read an OPC UA server and write one
// recipe, a BMS that may write one BACnet setpoint, and a rogue host on the same LAN), enforcing
// with deep inspection, its policy's link section binding every device to its MAC. Each attack
// is put on the wire by hand (send-frames.py) or by a real client; the ground truth of whether it
// got through is the target's own view: tcpdump on its port, or the device's own log. The suite
// ends with the table: attack, whether it reached the device, what the gateway said.

import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPolicy } from '../../src/policy/document.js';
import type { Policy } from '../../src/policy/model.js';
import { createLan, type Lan } from '../plant/lan.js';
import { inlineUnavailable, PEERS } from '../lib/inline.js';
import { startGateway, waitForLine, waitForStdout } from '../lib/processes.js';

const hmi = { name: 'hmi', ip: '10.252.8.21', mac: '02:00:00:00:08:21' };
const plc = { name: 'plc', ip: '10.252.8.11', mac: '02:00:00:00:08:11' };
const srv = { name: 'srv', ip: '10.252.8.12', mac: '02:00:00:00:08:12' };
const dev = { name: 'dev', ip: '10.252.8.13', mac: '02:00:00:00:08:13' };
const hist = { name: 'hist', ip: '10.252.8.22', mac: '02:00:00:00:08:22' };
const bms = { name: 'bms', ip: '10.252.8.23', mac: '02:00:00:00:08:23' };
const rogue = { name: 'rogue', ip: '10.252.8.66', mac: '02:00:00:00:08:66' };
const HOSTS = [hmi, plc, srv, dev, hist, bms, rogue];
const SEND_FRAMES = join(import.meta.dirname, '..', 'lib', 'send-frames.py');
const RECIPE = 'ns=1;s=Line1.Recipe';
const NOTES = 'ns=1;s=Line1.Notes';

const unavailable = inlineUnavailable() ?? (spawnSync('python3', ['--version']).status !== 0 ? 'python3 is needed to put hand-made frames on the wire' : undefined);
if (unavailable) console.warn(`SKIPPED: adversarial suite: ${unavailable}`);

/** What an attack has to get through before it is looked for; how long to wait for what is expected. */
const SETTLE_MS = 1200;
const WAIT_MS = 15_000;
/** Kernel rules that pass traffic (their counters are not refusals). */
const PASSING = /^(hmi-reads|historian|bms-setpoint|ether-types|vlan-ether-types|llc|vlan-llc)$/;
const Q = 0x8100;
const AD = 0x88a8;
/** Modbus/TCP ADUs: a write of register 5 (denied) and a read of registers 0-9 (allowed). */
const WRITE = '000100000006010600050042';
const READ = '00010000000601030000000a';
/** BACnet WriteProperty present-value := 42.0 of analog-value `instance`, in two segments. */
const bacnetSegments = (instance: number, invoke: number): string[] => {
  const data = [`0c0080000${instance} 1955`, '3e 4442280000 3f'];
  return data.map((d, seq) => {
    const apdu = `${seq < data.length - 1 ? '0e' : '0a'}05${invoke.toString(16).padStart(2, '0')}${seq.toString(16).padStart(2, '0')}020f${d.replace(/\s/g, '')}`;
    const npdu = `0104${apdu}`;
    return `810a${(4 + npdu.length / 2).toString(16).padStart(4, '0')}${npdu}`;
  });
};

const policy: Policy = {
  bulkheadPolicy: 1,
  name: 'cell under attack',
  defaultAction: 'deny',
  zones: [
    { id: 'control', name: 'Control', securityLevel: 3, members: [plc.ip, srv.ip, dev.ip], vlans: [10] },
    { id: 'supervisory', name: 'Supervisory', securityLevel: 2, members: [hmi.ip, hist.ip, bms.ip], vlans: [10] },
  ],
  conduits: [
    {
      id: 'sup-ctl',
      name: 'Supervisory-Control',
      zones: ['control', 'supervisory'],
      rules: [
        { id: 'hmi-reads', protocol: 'modbus', port: 502, client: { hosts: [hmi.ip] }, server: { hosts: [plc.ip] }, allow: [{ kinds: ['read'], codes: [3], modbus: [{ unit: 1, table: 'holding_registers', ranges: [[0, 9]] }] }] },
        { id: 'historian', protocol: 'opcua', port: 4840, client: { hosts: [hist.ip] }, server: { hosts: [srv.ip] }, allow: [{ kinds: ['session', 'discovery', 'read'] }, { kinds: ['write'], opcua: { nodes: [RECIPE] } }] },
        { id: 'bms-setpoint', protocol: 'bacnet', client: { hosts: [bms.ip] }, server: { hosts: [dev.ip] }, allow: [{ kinds: ['write'], codes: [15], bacnet: [{ objectType: 2, instances: [[1, 1]], properties: ['present-value'] }] }] },
      ],
    },
  ],
  link: { etherTypes: ['arp', 'lldp'], bindings: HOSTS.filter((h) => h !== rogue).map((h) => ({ ip: h.ip, mac: h.mac, name: h.name.toUpperCase() })) },
};

interface Row {
  attack: string;
  reached: boolean;
  said: string;
}

describe.skipIf(unavailable !== undefined)('an attacker on the cell against the enforcing gateway', () => {
  let lan: Lan;
  const procs: ChildProcess[] = [];
  let events: { reasonCode: string; reason: string }[] = [];
  /** What each host's port saw (tcpdump -e), and what the servers logged. */
  const wire: Record<string, string[]> = {};
  const logs: Record<string, string[]> = { srv: [], dev: [] };
  const rows: Row[] = [];
  let sport = 42000;
  const dir = mkdtempSync(join(tmpdir(), 'bulkhead-adversarial-'));

  const send = (from: typeof hmi, frame: object) => {
    const r = spawnSync('ip', ['netns', 'exec', lan.nsOf(from.name), 'python3', SEND_FRAMES, JSON.stringify({ iface: 'eth0', srcMac: from.mac, count: 1, ...frame })], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  };
  /**
   * Runs one attack and reports whether it reached its target (`seen` on `host`'s wire, or a
   * device log's say) and what the gateway said meanwhile. It waits at least SETTLE_MS (what did
   * not arrive by then did not get through: a verdict takes microseconds), and on a loaded
   * machine until what `expected` names has shown up, up to WAIT_MS.
   */
  async function attack(name: string, host: string, seen: RegExp | (() => boolean), act: () => void | Promise<void>, expected: { reached?: boolean; said?: RegExp } = {}): Promise<Row> {
    events = [];
    const from = wire[host]!.length;
    const before = counters();
    const reached = () => (typeof seen === 'function' ? seen() : wire[host]!.slice(from).some((l) => seen.test(l)));
    const said = () => {
      const kernel = [...counters()].filter(([c, n]) => n > (before.get(c) ?? 0) && !/:reply$/.test(c) && !PASSING.test(c)).map(([c]) => `refused in the kernel by rule ${c}`);
      return [...new Set(events.map((e) => `${e.reasonCode}: ${e.reason}`)), ...kernel].join(' / ') || '(nothing refused)';
    };
    const started = Date.now();
    await act();
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      const waited = Date.now() - started;
      const shown = (expected.reached !== true || reached()) && (!expected.said || expected.said.test(said()));
      if ((waited >= SETTLE_MS && shown) || waited >= WAIT_MS) break;
    }
    const row = { attack: name, reached: reached(), said: said() };
    rows.push(row);
    return row;
  }
  /** The gateway table's packet counters by rule comment. */
  const counters = (): Map<string, number> => {
    const r = spawnSync('ip', ['netns', 'exec', lan.switchNs, 'nft', '-j', 'list', 'table', 'bridge', 'bulkhead'], { encoding: 'utf8' });
    const out = new Map<string, number>();
    for (const x of (JSON.parse(r.stdout) as { nftables: { rule?: { comment?: string; expr: { counter?: { packets: number } }[] } }[] }).nftables) {
      const c = x.rule?.comment;
      const n = x.rule?.expr.find((e) => e.counter)?.counter?.packets;
      if (c && n !== undefined) out.set(c, (out.get(c) ?? 0) + n);
    }
    return out;
  };
  const tcp = (from: typeof hmi, payloadHex: string, extra: object = {}) => ({ dstMac: plc.mac, src: from.ip, dst: plc.ip, sport: sport++, dport: 502, seq: 1000, payloadHex, ...extra });

  beforeAll(async () => {
    lan = createLan(`bha${process.pid % 100000}`, HOSTS);
    for (const h of ['plc', 'hmi', 'dev', 'srv']) {
      wire[h] = [];
      const t = lan.spawnIn(h, 'tcpdump', ['-i', 'eth0', '-nn', '-e', '-l', '-x']);
      procs.push(t);
      let partial = '';
      t.stdout!.on('data', (d: Buffer) => {
        // One entry per frame: its header line, its hex dump lines joined on as they come.
        const lines = (partial + d.toString()).split('\n');
        partial = lines.pop()!;
        const seen = wire[h]!;
        for (const l of lines) {
          if (/^\s+0x[0-9a-f]+:/.test(l) && seen.length) seen[seen.length - 1] += ` ${l.replace(/^\s+0x[0-9a-f]+:\s+/, '')}`;
          else if (l) seen.push(l);
        }
      });
      await waitForLine(t, /listening on/, 15_000);
    }
    const opcua = lan.spawnIn('srv', process.execPath, [join(PEERS, 'opcua-server.js'), JSON.stringify({ host: srv.ip, variables: ['Speed'], texts: ['Recipe', 'Notes'] })]);
    const device = lan.spawnIn('dev', process.execPath, [join(PEERS, 'bacnet-device.js'), JSON.stringify({ broadcast: '10.252.8.255', deviceInstance: 1301, vendorId: 7 })]);
    // The BMS's BACnet port is open, as a real client's is: the device's answers are not refused by it.
    const bmsPort = lan.spawnIn('bms', 'python3', ['-c', 'import socket,time\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind(("0.0.0.0",47808))\nwhile True: s.recv(2048)']);
    procs.push(opcua, device, bmsPort);
    opcua.stdout!.on('data', (d: Buffer) => logs.srv!.push(...d.toString().split('\n').filter((l) => l.includes('"write"'))));
    device.stdout!.on('data', (d: Buffer) => logs.dev!.push(...d.toString().split('\n').filter((l) => l.includes('"write"'))));
    await Promise.all([waitForStdout(opcua, /"ready":true/, 90_000), waitForStdout(device, /"ready":true/, 30_000)]);
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, formatPolicy(policy));
    const gateway = await startGateway(lan, file, ['--db', join(dir, 'b.db'), '--queue', '21', '--queues', '2']);
    procs.push(gateway);
    gateway.stdout!.on('data', (d: Buffer) => {
      for (const l of d.toString().split('\n')) if (l.startsWith('{')) events.push(JSON.parse(l) as { reasonCode: string; reason: string });
    });
    // The HMI knows the PLC's MAC before anyone lies about it (ARP passes; the ping itself is not allowed).
    spawnSync('ip', ['netns', 'exec', lan.nsOf('hmi'), 'ping', '-c', '1', '-W', '1', plc.ip]);
  }, 150_000);

  afterAll(() => {
    for (const p of procs) p.kill('SIGKILL');
    lan?.destroy();
    if (rows.length) {
      const table = ['| attack | reached the device | what the gateway said |', '|---|---|---|', ...rows.map((r) => `| ${r.attack} | ${r.reached ? 'yes' : 'no'} | ${r.said.replace(/\|/g, '/')} |`)];
      console.log(`\nAdversarial suite (${rows.length} attacks):\n${table.join('\n')}\n`);
    }
  });

  it('judges 802.1Q-tagged requests as their packets, on the zones\' VLAN only; never passes two tags', async () => {
    expect(await attack('Modbus write (FC 6) in an 802.1Q tag, VLAN 10 (the cell\'s)', 'plc', /length 12\b.*0106/, () => send(hmi, tcp(hmi, WRITE, { tags: [[Q, 10]] })), { said: /^not_allowed_code/ })).toMatchObject({ reached: false, said: expect.stringMatching(/^not_allowed_code/) });
    expect((await attack('allowed Modbus read in an 802.1Q tag, VLAN 10 (control case)', 'plc', /vlan 10\b.*length 12\b/, () => send(hmi, tcp(hmi, READ, { tags: [[Q, 10]] })), { reached: true })).reached).toBe(true);
    const unknown = /unknown_vlan: denied: frames tagged VLAN 20, which no zone of the policy lives on/;
    expect(await attack('allowed Modbus read tagged VLAN 20, which no zone lives on', 'plc', /vlan 20\b/, () => send(hmi, tcp(hmi, READ, { tags: [[Q, 20]] })), { said: unknown })).toMatchObject({ reached: false, said: expect.stringMatching(unknown) });
    const twoTags = /ether_type: denied: double-tagged frames/;
    expect(await attack('allowed Modbus read double-tagged (802.1ad 10, 802.1Q 10)', 'plc', /length 12\b/, () => send(hmi, tcp(hmi, READ, { tags: [[AD, 10], [Q, 10]] })), { said: twoTags })).toMatchObject({ reached: false, said: expect.stringMatching(twoTags) });
  }, 60_000);

  it('passes only the EtherTypes the policy lists', async () => {
    const profinet = /ether_type: denied: PROFINET \(0x8892\) frames are not in the policy's list/;
    expect(await attack('PROFINET frame (0x8892) from the rogue, not listed', 'plc', /0x8892/, () => send(rogue, { kind: 'raw', dstMac: plc.mac, etherType: 0x8892, payloadHex: 'fefe0501' }), { said: profinet })).toMatchObject({ reached: false, said: expect.stringMatching(profinet) });
    expect((await attack('LLDP frame (0x88cc), listed (control case)', 'plc', /LLDP|0x88cc/, () => send(hmi, { kind: 'raw', dstMac: plc.mac, etherType: 0x88cc, payloadHex: '0207046c6c64700000' }), { reached: true })).reached).toBe(true);
  }, 30_000);

  it('drops ARP and IP claiming a bound device\'s address from another MAC, and says who claimed what', async () => {
    const arp = { kind: 'arp', op: 2, dstMac: hmi.mac, senderMac: rogue.mac, senderIp: plc.ip, targetMac: hmi.mac, targetIp: hmi.ip };
    const claim = new RegExp(`address_spoofing: denied: ${rogue.mac} claims PLC \\(${plc.ip}\\), which the policy binds to ${plc.mac}`);
    expect(await attack('ARP reply from the rogue: "the PLC\'s IP is at my MAC"', 'hmi', new RegExp(`${plc.ip} is-at ${rogue.mac}`), () => send(rogue, arp), { said: claim })).toMatchObject({ reached: false, said: expect.stringMatching(claim) });
    const neigh = spawnSync('ip', ['-n', lan.nsOf('hmi'), 'neigh', 'show', plc.ip], { encoding: 'utf8' }).stdout;
    expect(neigh).not.toContain(rogue.mac);
    const gratuitous = { ...arp, op: 1, dstMac: 'ff:ff:ff:ff:ff:ff', targetMac: '00:00:00:00:00:00', targetIp: plc.ip };
    expect((await attack('gratuitous ARP from the rogue claiming the PLC\'s IP', 'hmi', new RegExp(`${rogue.mac} .*ARP`), () => send(rogue, gratuitous))).reached).toBe(false);
    const asHmi = new RegExp(`address_spoofing: denied: ${rogue.mac} claims HMI \\(${hmi.ip}\\)`);
    expect(await attack('Modbus read from the rogue with the HMI\'s IP (spoofed source)', 'plc', new RegExp(`${rogue.mac} .*length 12\\b`), () => send(rogue, tcp(hmi, READ)), { said: asHmi })).toMatchObject({ reached: false, said: expect.stringMatching(asHmi) });
  }, 30_000);

  it('refuses IP fragments of inspected traffic, a tiny first one and overlapping ones alike', async () => {
    // The write's TCP segment (20 header bytes + 12) cut by hand: 8 bytes, then the rest.
    const seg = (extra: object) => ({ ...tcp(hmi, WRITE), ipId: 77, ...extra });
    // tcpdump -x shows the IP header: identification 77 (004d) with MF (2000) or offset 1 (0001).
    const fragment = /uninspectable: denied: an IP fragment/;
    const row = await attack('Modbus write in a tiny first IP fragment (8 bytes: ports only) and the rest', 'plc', / 004d (2000|0001) /, () => {
      send(hmi, seg({ moreFragments: true, ipPayloadHex: tcpHeaderHex(hmi.ip, plc.ip, sport, WRITE).slice(0, 16) }));
      send(hmi, seg({ fragOffset: 1, ipPayloadHex: tcpHeaderHex(hmi.ip, plc.ip, sport, WRITE).slice(16) }));
    }, { said: fragment });
    expect(row.reached).toBe(false);
    expect(row.said).toMatch(fragment);
    const overlap = await attack('overlapping IP fragments (the second rewrites the first\'s bytes)', 'plc', / 004e (2000|0002) /, () => {
      const h = tcpHeaderHex(hmi.ip, plc.ip, sport + 1, READ);
      send(hmi, seg({ sport: sport + 1, ipId: 78, moreFragments: true, ipPayloadHex: h.slice(0, 48) }));
      send(hmi, seg({ sport: sport + 1, ipId: 78, fragOffset: 2, ipPayloadHex: `0001000000060106${h.slice(48 + 16)}` }));
    }, { said: fragment });
    expect(overlap.reached).toBe(false);
  }, 30_000);

  it('refuses TCP segments the server would read differently: overlaps, out of window, urgent data; judges a connection picked up midway', async () => {
    const port = sport++;
    const overlap = await attack('allowed read, then a TCP segment overlapping it with a write\'s bytes', 'plc', new RegExp(`\\.${port} > .*seq 1006:1018`), () => {
      send(hmi, tcp(hmi, READ, { sport: port, seq: 1000 }));
      send(hmi, tcp(hmi, `0000000601060005${'0042'}0000`, { sport: port, seq: 1006 }));
    }, { said: /stream_integrity/ });
    expect(overlap.reached).toBe(false);
    expect(overlap.said).toMatch(/stream_integrity/);
    const next = sport++;
    send(hmi, tcp(hmi, READ, { sport: next, seq: 1000 }));
    const ahead = /stream_integrity: denied: a TCP segment ahead of the inspected stream/;
    expect(await attack('Modbus read 1 MB ahead of its stream (out of window)', 'plc', new RegExp(`\\.${next} > .*seq 1001000:`), () => send(hmi, tcp(hmi, READ, { seq: 1_001_000, sport: next })), { said: ahead })).toMatchObject({ reached: false, said: expect.stringMatching(ahead) });
    const urgent = /stream_integrity: denied: a TCP segment with urgent data/;
    expect(await attack('Modbus write hidden behind TCP urgent data (URG)', 'plc', /length 13\b/, () => send(hmi, tcp(hmi, `${WRITE}ff`, { urgent: 13 })), { said: urgent })).toMatchObject({ reached: false, said: expect.stringMatching(urgent) });
    expect(await attack('Modbus write on a connection the gateway never saw open (picked up midway)', 'plc', /length 12\b/, () => send(hmi, tcp(hmi, WRITE, { seq: 555_555 })), { said: /^not_allowed_code/ })).toMatchObject({ reached: false, said: expect.stringMatching(/^not_allowed_code/) });
  }, 60_000);

  it('reassembles a multi-chunk OPC UA Write: the allowed one passes whole, its twin to another node is refused', async () => {
    const probe = (actions: object[]): string[] => {
      const r = spawnSync('ip', ['netns', 'exec', lan.nsOf('hist'), process.execPath, join(PEERS, 'opcua-probe.js'), JSON.stringify({ endpoint: `opc.tcp://${srv.ip}:4840`, security: 'None', actions, timeoutMs: 3000, chunkBytes: 8192 })], { encoding: 'utf8' });
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as string[];
    };
    let answers: string[] = [];
    const allowed = await attack('OPC UA Write of 40,000 characters to the Recipe node, in 8 KiB chunks (allowed)', 'srv', () => logs.srv!.some((l) => l.includes('"Recipe"') && l.includes('40000')), () => void (answers = probe([{ writeText: RECIPE, length: 40_000 }])), { reached: true });
    expect(answers).toEqual(['answered']);
    expect(allowed.reached).toBe(true);
    // It went in pieces: intermediate chunks ("MSGC") reached the server's port.
    expect(wire.srv!.filter((l) => / 4d53 4743 /.test(l)).length).toBeGreaterThanOrEqual(4);
    const notes = /denied: OPC UA Write \(service 673\) on ns=1;s=Line1\.Notes/;
    const twin = await attack('the same Write to the Notes node, in 8 KiB chunks (not allowed)', 'srv', () => logs.srv!.some((l) => l.includes('"Notes"')), () => void (answers = probe([{ writeText: NOTES, length: 40_000 }])), { said: notes });
    expect(answers).toEqual(['reset']);
    expect(twin).toMatchObject({ reached: false, said: expect.stringMatching(notes) });
  }, 90_000);

  it('judges a segmented BACnet WriteProperty once all segments are in: the allowed one passes, its twin is refused', async () => {
    const writes = (instance: number, invoke: number) => () => {
      for (const payloadHex of bacnetSegments(instance, invoke)) send(bms, { kind: 'udp', dstMac: dev.mac, src: bms.ip, dst: dev.ip, sport: 47808, dport: 47808, payloadHex });
    };
    const allowed = await attack('BACnet WriteProperty to analog-value 1 in two segments (allowed)', 'dev', () => logs.dev!.some((l) => l.includes('"2:1"')), writes(1, 31), { reached: true });
    expect(allowed.reached).toBe(true);
    const refused = /denied: BACnet writeProperty \(confirmed service 15\) on analog-value 2/;
    const twin = await attack('the same segmented WriteProperty to analog-value 2 (not allowed)', 'dev', () => logs.dev!.some((l) => l.includes('"2:2"')), writes(2, 32), { said: refused });
    expect(twin).toMatchObject({ reached: false, said: expect.stringMatching(refused) });
  }, 30_000);
});

/** The hex of a TCP segment (header and payload, checksum right) from `src` to `dst`:502. */
function tcpHeaderHex(src: string, dst: string, port: number, payloadHex: string): string {
  const payload = Buffer.from(payloadHex, 'hex');
  const seg = Buffer.alloc(20 + payload.length);
  seg.writeUInt16BE(port, 0);
  seg.writeUInt16BE(502, 2);
  seg.writeUInt32BE(1000, 4);
  seg[12] = 0x50;
  seg[13] = 0x18;
  seg.writeUInt16BE(65535, 14);
  payload.copy(seg, 20);
  const pseudo = Buffer.concat([Buffer.from(src.split('.').map(Number)), Buffer.from(dst.split('.').map(Number)), Buffer.from([0, 6, 0, seg.length]), seg]);
  let sum = 0;
  for (let i = 0; i < pseudo.length; i += 2) sum += (pseudo[i]! << 8) | (pseudo[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  seg.writeUInt16BE(~sum & 0xffff, 16);
  return seg.toString('hex');
}
