// The centre's read model against a real SQLite file: a record delivered twice is kept once, and a
// cell's backlog arriving after what the gateway said since does not turn its state back.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './database.js';
import { FleetStore } from './fleet-store.js';

function store(): FleetStore {
  const s = new FleetStore(openDatabase(join(mkdtempSync(join(tmpdir(), 'bh-fleet-store-')), 'central.db')));
  s.enrol({ id: 'gw-1', site: 'plant', cell: 'a', group: 'pilot', secretHash: 'x' }, 'alice');
  return s;
}

const result = (localId: string, ts: number, outcome: string) => ({ gateway: 'gw-1', kind: 'policy-result', localId, ts, data: { outcome, version: 3 } });
const health = (localId: string, ts: number, mode: string) => ({ gateway: 'gw-1', kind: 'health', localId, ts, data: { mode: { mode } } });

describe('the fleet store', () => {
  it('keeps a record delivered twice once, and counts only the new ones', () => {
    const s = store();
    expect(s.receive([result('1', 100, 'applied'), result('2', 101, 'confirmed')])).toBe(2);
    expect(s.receive([result('1', 100, 'applied'), result('2', 101, 'confirmed'), result('3', 102, 'applied')])).toBe(1);
    expect(s.records({ kind: 'policy-result' }).map((r) => r.localId)).toEqual(['1', '2', '3']);
  });

  it("keeps the gateway's newest policy result and health when older records arrive late or again", () => {
    const s = store();
    s.receive([result('2', 101, 'confirmed'), health('h2', 201, 'enforce')]);
    // The backlog of a cell whose link was down: older than what is held.
    s.receive([result('1', 100, 'applied'), health('h1', 200, 'monitor')]);
    expect(s.get('gw-1')).toMatchObject({ policy: { outcome: 'confirmed' }, health: { mode: { mode: 'enforce' } }, lastHeard: 201 });
    // A redelivery of the newest changes nothing either; a newer one replaces it.
    s.receive([result('2', 101, 'confirmed')]);
    s.receive([result('3', 150, 'rolled back')]);
    expect(s.get('gw-1')!.policy).toMatchObject({ outcome: 'rolled back' });
  });

  it('says nothing of a gateway from a record for one not enrolled', () => {
    const s = store();
    expect(s.receive([{ ...health('h1', 10, 'enforce'), gateway: 'gw-9' }])).toBe(1);
    expect(s.get('gw-9')).toBeUndefined();
    expect(s.get('gw-1')!.lastHeard).toBeUndefined();
  });
});
