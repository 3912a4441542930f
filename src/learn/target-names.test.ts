// What the learned devices call their targets, read from the store without parsing every asset:
// only records holding a names slot are read (a string that quotes the slot's name is not one:
// its quotes are escaped in the record's JSON), and the first server to name a target names it.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../store/database.js';
import { LearnStore } from '../store/learn-store.js';
import { learnedTargetNames } from './target-names.js';

const asset = (ip: string, identity: Record<string, unknown>) => ({ key: ip, ip, firstSeen: 1, lastSeen: 2, macs: [], protocols: [], roles: [], identity });

describe('learned target names', () => {
  it('come from the assets that hold names, in address order', () => {
    const store = new LearnStore(openDatabase(join(mkdtempSync(join(tmpdir(), 'bulkhead-names-')), 'b.db')));
    store.flush({
      assets: [
        asset('10.0.0.9', { opcuaNames: { 'ns=2;i=1017': 'Setpoint (second server)', 'ns=2;i=1018': 'Level' } }),
        asset('10.0.0.5', { opcuaNames: { 'ns=2;i=1017': 'Setpoint' } }),
        asset('10.0.0.7', { modbus: { vendorName: 'mentions "opcuaNames": in a string' } }),
        asset('10.0.0.8', { modbus: { vendorName: 'Acme' } }),
      ],
      conversations: [],
      discoveries: [],
      events: [],
      clock: { firstSeen: 1, lastSeen: 2, lastDiscovery: 0 },
    });
    expect(store.assetsMentioning(['opcuaNames']).map((a) => a.ip)).toEqual(['10.0.0.5', '10.0.0.9']);
    const names = learnedTargetNames(store);
    expect(Object.fromEntries(names)).toEqual({ 'ns=2;i=1017': 'Setpoint', 'ns=2;i=1018': 'Level' });
    expect(store.assetsMentioning([])).toEqual([]);
    // Kept until the next flush, which may bring new names.
    expect(learnedTargetNames(store)).toBe(names);
    store.flush({ assets: [asset('10.0.0.4', { opcuaNames: { 'ns=2;i=1019': 'Flow' } })], conversations: [], discoveries: [], events: [], clock: { firstSeen: 1, lastSeen: 3, lastDiscovery: 0 } });
    expect(learnedTargetNames(store).get('ns=2;i=1019')).toBe('Flow');
  });
});
