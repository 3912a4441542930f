// The inventory's search (asset-search.ts) on a real SQLite store: it finds values anywhere in
// an asset's record in any case, never field names; an identity's numbers count; a record
// rewritten loses what it no longer says; and assets stored before the search column existed
// are found the same once the database is migrated.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './database.js';
import { LearnStore, type StoredAsset } from './learn-store.js';
import { MIGRATIONS } from './migrations.js';

const CLOCK = { firstSeen: 1, lastSeen: 2, lastDiscovery: 2 };

function asset(ip: string, extra: Record<string, unknown> = {}): StoredAsset {
  return { key: ip, ip, firstSeen: 1, lastSeen: 2, macs: [{ mac: '00:1b:1b:02:01:cb', firstSeen: 1, lastSeen: 2, vendor: 'Siemens AG' }], protocols: ['modbus'], roles: ['modbus_server'], identity: {}, ...extra } as StoredAsset;
}

const PLANT = [
  asset('10.2.3.4'),
  asset('10.2.30.1', { identity: { bacnet: { deviceInstance: 260001, vendorName: 'Delta Controls' } }, protocols: ['bacnet'], roles: ['bacnet_device'] }),
  asset('10.9.0.7', { macs: [], identity: { opcua: { applicationName: 'Boiler House SCADA', productUri: 'urn:Vendor:Product' } }, protocols: ['opcua'], roles: ['opcua_server'] }),
];

function found(store: LearnStore, q: string): string[] {
  return store.assetsPage({ q, limit: 100, offset: 0 }).items.map((a) => a.ip);
}

function store(): LearnStore {
  return new LearnStore(openDatabase(join(mkdtempSync(join(tmpdir(), 'bulkhead-search-')), 'b.db')));
}

describe("the inventory's search", () => {
  it('finds any value of the record in any case, and never a field name', () => {
    const s = store();
    s.flush({ assets: PLANT, conversations: [], discoveries: [], events: [], clock: CLOCK });
    expect(found(s, '10.2.3')).toEqual(['10.2.3.4', '10.2.30.1']);
    expect(found(s, 'SIEMENS')).toEqual(['10.2.3.4', '10.2.30.1']);
    expect(found(s, 'boiler house')).toEqual(['10.9.0.7']);
    expect(found(s, 'urn:vendor')).toEqual(['10.9.0.7']);
    expect(found(s, '00:1B:1B')).toEqual(['10.2.3.4', '10.2.30.1']);
    expect(found(s, 'bacnet_device')).toEqual(['10.2.30.1']);
    // A BACnet device instance is a number of its identity; the timestamps are not searched.
    expect(found(s, '260001')).toEqual(['10.2.30.1']);
    expect(found(s, 'firstSeen')).toEqual([]);
    expect(found(s, 'vendor')).toEqual(['10.9.0.7']);
    expect(found(s, '%')).toEqual([]);
    expect(s.assetsPage({ q: '10.', limit: 1, offset: 1, desc: true })).toMatchObject({ total: 3, items: [{ ip: '10.2.30.1' }] });
  });

  it('forgets what a rewritten record no longer says', () => {
    const s = store();
    s.flush({ assets: PLANT, conversations: [], discoveries: [], events: [], clock: CLOCK });
    s.flush({ assets: [asset('10.2.3.4', { macs: [{ mac: '00:0e:8c:00:00:01', firstSeen: 1, lastSeen: 3, vendor: 'Rockwell Automation' }] })], conversations: [], discoveries: [], events: [], clock: CLOCK });
    expect(found(s, 'siemens')).toEqual(['10.2.30.1']);
    expect(found(s, 'rockwell')).toEqual(['10.2.3.4']);
  });

  it('finds assets stored before the search column existed, once migrated', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'bulkhead-search-')), 'old.db');
    const old = new Database(path);
    for (const m of MIGRATIONS.slice(0, 19)) old.exec(m);
    old.pragma('user_version = 19');
    const put = old.prepare('INSERT INTO assets (key, ip, first_seen, last_seen, data) VALUES (?, ?, ?, ?, ?)');
    for (const a of PLANT) put.run(a.key, a.ip, a.firstSeen, a.lastSeen, JSON.stringify(a));
    old.close();
    const migrated = new LearnStore(openDatabase(path));
    const fresh = store();
    fresh.flush({ assets: PLANT, conversations: [], discoveries: [], events: [], clock: CLOCK });
    for (const q of ['10.2.3', 'siemens', '260001', 'boiler', 'vendor', 'firstseen']) expect(found(migrated, q), q).toEqual(found(fresh, q));
    expect(found(migrated, 'delta')).toEqual(['10.2.30.1']);
  });
});
