// The fleet at a glance from the centre's real store: each gateway's state and the words that
// say why, and one gateway's detail with its audit chain recomputed.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../store/database.js';
import { FleetStore } from '../store/fleet-store.js';
import { fleetGateway, fleetView, SILENT_SECONDS } from './fleet-view.js';

const NOW = 1_800_000_000;

function fleet() {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'bh-fleet-view-')), 'central.db'));
  const store = new FleetStore(db);
  for (const id of ['gw-ok', 'gw-down', 'gw-silent', 'gw-new']) store.enrol({ id, site: 'plant', cell: id === 'gw-new' ? 'b' : 'a', group: 'g', secretHash: 'x' }, 'alice');
  const health = (gateway: string, ts: number, running: boolean, extra: Record<string, unknown> = {}) =>
    store.receive([{ gateway, kind: 'health', localId: String(ts), ts, data: { mode: { mode: 'enforce' }, policy: { version: 4, name: 'cell' }, engine: { running, health: { conduits: [{ name: 'HMI to PLCs', latencyBudgetMs: 1, p99Us: running ? 400 : 5000 }] } }, audit: { entries: 1, ok: true }, ...extra } }]);
  health('gw-ok', NOW - 2, true);
  health('gw-down', NOW - 2, false, { supervisor: { bypass: { engaged: true, driver: 'gpio' } } });
  health('gw-silent', NOW - SILENT_SECONDS - 5, true);
  store.receive([{ gateway: 'gw-ok', kind: 'policy-result', localId: 'p1', ts: NOW - 1, data: { outcome: 'confirmed', version: 3, reason: 'the engine enforces version 4' } }]);
  return { db, store };
}

describe('the fleet view', () => {
  it('says of each gateway whether it is ok, needs attention, is silent or was never heard, and why', () => {
    const v = fleetView(fleet().db, NOW);
    const byId = new Map(v.sites.flatMap((s) => s.cells.flatMap((c) => c.gateways)).map((g) => [g.id, g]));
    expect(byId.get('gw-ok')).toMatchObject({ state: 'ok', engine: 'running', policy: 'version 4 (cell)', overBudget: [], lastHeardAgo: 1, lastPolicyResult: { outcome: 'confirmed', version: 3 } });
    expect(byId.get('gw-down')).toMatchObject({ state: 'attention', engine: 'down', relay: 'engaged', overBudget: ['HMI to PLCs'] });
    expect(byId.get('gw-down')!.why).toBe('its engine is not running: nothing is inspected; its bypass relay is engaged: traffic passes uninspected; over latency budget on HMI to PLCs');
    expect(byId.get('gw-silent')).toMatchObject({ state: 'silent', why: expect.stringMatching(/^not heard from for 35 s: its link or the way to the centre is down/) });
    expect(byId.get('gw-new')).toMatchObject({ state: 'never heard' });
    expect({ gateways: v.gateways, silent: v.silent, attention: v.attention }).toEqual({ gateways: 4, silent: 2, attention: 1 });
    expect(v.sites.map((s) => s.cells.map((c) => c.cell))).toEqual([['a', 'b']]);
  });

  it("gives one gateway's records without its health, and refuses a gateway not enrolled", () => {
    const { db } = fleet();
    const d = fleetGateway(db, 'gw-ok', NOW);
    expect(d.records.map((r) => [r.kind, r.summary])).toEqual([['policy-result', 'policy package 3 confirmed: the engine enforces version 4']]);
    expect(d.audit).toEqual({ entries: 0, ok: true });
    expect(() => fleetGateway(db, 'gw-gone', NOW)).toThrow(/no gateway gw-gone is enrolled at this central site/);
  });
});
