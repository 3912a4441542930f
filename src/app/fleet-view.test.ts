// The fleet at a glance from the centre's real store: each gateway's state and the words that
// say why, and one gateway's detail with its audit chain recomputed.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../store/database.js';
import { FleetStore } from '../store/fleet-store.js';
import { fleetGateway, fleetInventory, fleetView, SILENT_SECONDS } from './fleet-view.js';

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

  it("holds the fleet's inventory and conversations from the gateways' discoveries, bounded, with the totals", () => {
    const { db, store } = fleet();
    const discovery = (gateway: string, id: number, data: Record<string, unknown>) => store.receive([{ gateway, kind: 'discovery', localId: String(id), ts: NOW - 100 + id, data }]);
    discovery('gw-ok', 1, { type: 'asset', subject: '10.0.0.2', detail: 'Modbus server', asset: { ip: '10.0.0.2', identity: 'Schneider Electric M221', roles: ['modbus_server'], protocols: ['modbus'], macs: ['00:80:f4:00:00:02'] } });
    discovery('gw-ok', 2, { type: 'conversation', subject: '10.0.0.3>10.0.0.2:502/modbus', detail: '', conversation: { protocol: 'modbus', client: '10.0.0.3', server: '10.0.0.2', port: 502 } });
    discovery('gw-ok', 3, { type: 'operation', subject: '10.0.0.3>10.0.0.2:502/modbus', detail: 'Read Holding Registers (FC 3)' });
    discovery('gw-down', 1, { type: 'asset', subject: '10.1.0.2', detail: '', asset: { ip: '10.1.0.2', identity: '', roles: [], protocols: ['bacnet'], macs: [] } });
    // Delivered twice (a resend after a restart): kept once.
    discovery('gw-down', 1, { type: 'asset', subject: '10.1.0.2', detail: '', asset: { ip: '10.1.0.2', identity: '', roles: [], protocols: ['bacnet'], macs: [] } });
    const inv = fleetInventory(db);
    expect(inv.totals).toEqual({ assets: 2, conversations: 1 });
    expect(inv.assets.map((a) => [a.gateway, a.ip, a.identity])).toEqual([['gw-down', '10.1.0.2', ''], ['gw-ok', '10.0.0.2', 'Schneider Electric M221']]);
    expect(inv.conversations).toEqual([{ gateway: 'gw-ok', protocol: 'modbus', client: '10.0.0.3', server: '10.0.0.2', port: 502, firstSeen: NOW - 98 }]);
    expect(inv.truncated).toBe(false);
    const small = fleetInventory(db, 1);
    expect({ assets: small.assets.length, truncated: small.truncated, totals: small.totals }).toEqual({ assets: 1, truncated: true, totals: { assets: 2, conversations: 1 } });
  });
});
