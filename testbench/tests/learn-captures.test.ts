// Learning the shared captures: the conversations and inventory must match what tshark's
// conversation and endpoint statistics report for the ICS traffic, and identities must match
// the identification PDUs as tshark decodes them.

import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { learnPcaps } from '../../src/app/learn.js';
import type { Asset, Conversation } from '../../src/learn/model.js';
import { openDatabase } from '../../src/store/database.js';
import { LearnStore } from '../../src/store/learn-store.js';
import { tsharkAvailable, tsharkConversations, tsharkEndpoints, tsharkFields } from '../lib/tshark.js';

const PCAPS = join(import.meta.dirname, '..', '..', '..', 'shared', 'pcaps');
const HAVE_TSHARK = tsharkAvailable();
if (!HAVE_TSHARK) console.warn('SKIPPED: tshark is not installed (apt-get install tshark): learning agreement tests cannot run');

async function learn(files: string[]): Promise<{ assets: Asset[]; conversations: Conversation[] }> {
  const store = new LearnStore(openDatabase(join(mkdtempSync(join(tmpdir(), 'bulkhead-learn-')), 'b.db')));
  try {
    await learnPcaps(store, files);
    return { assets: store.assets(), conversations: store.conversations() };
  } finally {
    store.db.close();
  }
}

const captures = ['modbus', 'bacnet', 'opcua'].flatMap((dir) =>
  readdirSync(join(PCAPS, dir))
    .filter((f) => f.endsWith('.pcap'))
    .map((f) => join(PCAPS, dir, f)),
);

describe.skipIf(!HAVE_TSHARK)('learning agrees with tshark conversation and endpoint statistics', () => {
  it.each(captures.map((c) => [c.slice(PCAPS.length + 1), c]))('%s', async (_name, file) => {
    const { assets, conversations } = await learn([file]);
    expect(conversations.length).toBeGreaterThan(0);
    // Per address pair: our packets over its conversations, tshark's frames over its 5-tuples
    // on the service ports we learned for that pair.
    const pair = (x: string, y: string) => [x, y].sort().join(' ');
    const ours = new Map<string, number>();
    const ports = new Map<string, Set<number>>();
    for (const c of conversations) {
      const k = pair(c.client.ip, c.server.ip);
      ours.set(k, (ours.get(k) ?? 0) + c.packets);
      if (!ports.has(k)) ports.set(k, new Set());
      ports.get(k)!.add(c.server.port);
    }
    const theirs = new Map<string, number>();
    for (const r of [...tsharkConversations(file, 'tcp'), ...tsharkConversations(file, 'udp')]) {
      const k = pair(r.a.ip, r.b.ip);
      const p = ports.get(k);
      if (p && (p.has(r.a.port) || p.has(r.b.port))) theirs.set(k, (theirs.get(k) ?? 0) + r.frames);
    }
    expect(Object.fromEntries(theirs)).toEqual(Object.fromEntries(ours));
    // Every asset is an address tshark saw; every address of our conversations is an asset or a group address.
    const endpoints = tsharkEndpoints(file);
    for (const a of assets) expect(endpoints.has(a.ip), a.ip).toBe(true);
    const assetIps = new Set(assets.map((a) => a.ip));
    for (const c of conversations) {
      expect(assetIps.has(c.client.ip), c.client.ip).toBe(true);
      expect(assetIps.has(c.server.ip) || c.server.broadcast === true, c.server.ip).toBe(true);
    }
  });

  it('BACnet I-Am identities match the I-Am PDUs tshark decodes', async () => {
    const file = join(PCAPS, 'bacnet', 'bacnet_example.pcap');
    const { assets } = await learn([file]);
    const expected = new Map<string, { instance: number; vendor: number }>();
    for (const r of tsharkFields(file, 'bacapp.unconfirmed_service == 0 && !bacnet.snet', ['ip.src', 'bacapp.instance_number', 'bacapp.vendor_identifier'])) {
      expected.set(r.values[0]![0]!, { instance: Number(r.values[1]![0]), vendor: Number(r.values[2]![0]) });
    }
    expect(expected.size).toBeGreaterThan(0);
    for (const [ip, id] of expected) {
      const a = assets.find((x) => x.ip === ip);
      expect(a?.identity.bacnet, ip).toMatchObject({ deviceInstance: id.instance, vendorId: id.vendor });
      expect(a?.roles).toContain('bacnet_device');
    }
    expect(assets.filter((a) => a.identity.bacnet).length).toBe(expected.size);
  });

  it('Modbus device identification (FC 43/14) lands on the server that answered it', async () => {
    const file = join(PCAPS, 'modbus', 'modbus_example.pcap');
    const { assets } = await learn([file]);
    const rows = tsharkFields(file, 'modbus.mei == 14 && mbtcp && tcp.srcport == 502', ['ip.src', 'modbus.object_str_value']).filter((r) => r.values[1]!.length > 0);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      const a = assets.find((x) => x.ip === r.values[0]![0]);
      expect(a?.roles).toContain('modbus_server');
      expect(Object.values(a?.identity.modbus ?? {}).sort()).toEqual([...r.values[1]!].sort());
    }
  });

  it.each(['open62541_client-server_mainloop.pcap', 'python_opcua-client-server_minimal.pcap'])('OPC UA application descriptions land on the client and the server they describe: %s', async (name) => {
    const file = join(PCAPS, 'opcua', name);
    const { assets } = await learn([file]);
    // 461 CreateSessionRequest: the client's description; 431 GetEndpointsResponse, 464 CreateSessionResponse: the server's.
    const rows = tsharkFields(file, 'opcua.ApplicationUri', ['ip.src', 'ipv6.src', 'opcua.servicenodeid.numeric', 'opcua.ApplicationUri'], ['tcp.port==4840,opcua']);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      const ip = r.values[0]![0] ?? r.values[1]![0];
      const a = assets.find((x) => x.ip === ip);
      const id = r.values[2]![0] === '461' ? a?.identity.opcuaClient : a?.identity.opcua;
      expect(r.values[3], `${name} ${ip}`).toContain(id?.applicationUri);
    }
  });
});

describe('learning a capture twice', () => {
  it('skips a capture already learned and keeps the baseline unchanged', async () => {
    const file = join(PCAPS, 'modbus', 'modbusSmall.pcap');
    const store = new LearnStore(openDatabase(join(mkdtempSync(join(tmpdir(), 'bulkhead-learn-')), 'b.db')));
    try {
      const first = await learnPcaps(store, [file]);
      const snapshot = JSON.stringify(store.conversations());
      const again = await learnPcaps(store, [file]);
      expect(first.report.files[0]!.packets).toBe(166);
      expect(again.report.files[0]!.skipped).toBe('already_learned');
      expect(JSON.stringify(store.conversations())).toBe(snapshot);
    } finally {
      store.db.close();
    }
  });
});
