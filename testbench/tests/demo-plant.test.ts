// The demo plant `bulkhead demo` generates: learned by the real pipeline into a real store, it
// is a plant worth looking at (30-60 assets, several vendors, zones named for their level,
// evidence of the last days), and the same seed at the same time writes the same bytes.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { learnPcaps } from '../../src/app/learn.js';
import { derive } from '../../src/app/policy.js';
import { AlertStore } from '../../src/store/alert-store.js';
import { openDatabase } from '../../src/store/database.js';
import { LearnStore } from '../../src/store/learn-store.js';
import { PolicyStore } from '../../src/store/policy-store.js';
import { CLI } from '../../src/test-support/cli.js';
import { CONTROLLERS } from '../demo/building.js';
import { writeDemoPlant } from '../demo/generate.js';
import { HISTORIAN, LINE_SERVER, LINE_SERVER_APPLICATION, TAGS } from '../demo/historian.js';

/** The first engineering station: the one that downloads the program (testbench/eval/plant.ts). */
const plantEws = '10.10.100.30';

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'bulkhead-demo-plant-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const built = existsSync(CLI) && existsSync(join(CLI, '..', '..', 'testbench', 'demo', 'generate.js'));
if (!built) console.warn('SKIPPED: bulkhead demo --no-console: the command and its demo plant generator are not built (npm run build)');

const sha = (files: string[]) => files.map((f) => createHash('sha256').update(readFileSync(f)).digest('hex')).join(',');

describe('the generated demo plant', () => {
  const now = Date.now() / 1000;

  it('learns into 30-60 assets of >= 3 vendors, >= 4 named zones, evidence of the last 4 days, alerts on its suspicious moments', async () => {
    const dir = temp();
    const plant = writeDemoPlant(dir, now);
    const db = openDatabase(join(dir, 'bulkhead.db'));
    try {
      const store = new LearnStore(db);
      const t0 = performance.now();
      await learnPcaps(store, plant.files);
      console.log(`demo plant: ${plant.packets} packets written in ${plant.seconds.toFixed(1)} s, learned in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const assets = store.assets();
      expect(assets.length).toBeGreaterThanOrEqual(30);
      expect(assets.length).toBeLessThanOrEqual(60);
      const vendors = new Set(assets.map((a) => a.identity.modbus?.vendorName).filter(Boolean));
      expect(vendors.size).toBeGreaterThanOrEqual(3);
      expect(assets.find((a) => a.identity.modbus?.productCode === 'BMX P34 2020')?.identity.modbus?.revision).toBe('v2.70');
      const fourDaysAgo = now - 4 * 86_400;
      for (const a of assets) {
        expect(a.firstSeen).toBeGreaterThanOrEqual(fourDaysAgo);
        expect(a.lastSeen).toBeLessThanOrEqual(now);
      }
      // The suspicious moments woven in: a rogue laptop, a setpoint far out of range, a write at night, an impossible reading.
      const types = new Set(new AlertStore(db).list({ limit: 100 }).map((a) => a.type));
      for (const t of ['new_asset', 'value_write_outside_baseline', 'operation_outside_hours', 'value_reading_outside_baseline']) expect(types).toContain(t);
      const { policy } = derive(store, new PolicyStore(db), { name: 'Demo plant' }, 'test');
      console.log(`demo plant zones: ${policy.zones.map((z) => `${z.name} (${z.members.length})`).join('; ')}`);
      expect(policy.zones.length).toBeGreaterThanOrEqual(4);
      for (const z of policy.zones) expect(z.name).not.toMatch(/127\.0\.0\.0|::\/64/);
      // The building next door: six BACnet controllers of six vendors, each named by model and firmware.
      const controllers = assets.filter((a) => a.identity.bacnet?.modelName);
      expect(controllers.map((a) => [a.key, a.identity.bacnet?.vendorName, a.identity.bacnet?.modelName, a.identity.bacnet?.firmwareRevision])).toEqual(
        CONTROLLERS.map((c) => [c.ip, expect.any(String), c.model, c.firmware]),
      );
      // The DMZ historian reads the line server, which says what it is and names its tags in its Browse.
      const server = assets.find((a) => a.key === LINE_SERVER.ip)!;
      expect(server.identity.opcua).toMatchObject({ applicationName: LINE_SERVER_APPLICATION.name, applicationUri: LINE_SERVER_APPLICATION.uri, manufacturerName: 'PTC', productName: 'KEPServerEX', softwareVersion: '6.14.263.0' });
      expect(server.identity.opcuaNames).toMatchObject(Object.fromEntries(TAGS.map((t) => [t.nodeId, t.name])));
      expect(assets.find((a) => a.key === HISTORIAN.ip)?.roles).toEqual(['opcua_client']);
      const rules = policy.conduits.flatMap((c) => c.rules);
      expect(rules.some((r) => r.protocol === 'bacnet' && r.allow?.some((a) => a.codes?.includes(12)))).toBe(true);
      // The conduit from the historian's zone (SL-T 2: operation kinds) lets it read.
      expect(rules.some((r) => r.protocol === 'opcua' && r.allow?.some((a) => a.kinds?.includes('read')))).toBe(true);
      // The maintenance window's program download (UMAS, FC 90) falls in learning: the station's rule to the Modicon allows it.
      expect(rules.some((r) => r.client.hosts?.includes(plantEws) && r.allow?.some((a) => a.codes?.includes(90)))).toBe(true);
      // A burst of UMAS blocks is no poll: its end is not a poll that stopped.
      expect(new AlertStore(db).list({ limit: 100 }).filter((a) => a.type === 'poll_stopped')).toEqual([]);
    } finally {
      db.close();
    }
  }, 300_000);

  it('writes the same bytes from the same seed at the same time, other bytes from another seed', () => {
    const [a, b, c] = [temp(), temp(), temp()];
    const first = sha(writeDemoPlant(a, now).files);
    expect(sha(writeDemoPlant(b, now).files)).toBe(first);
    expect(sha(writeDemoPlant(c, now, 7).files)).not.toBe(first);
  }, 300_000);

  it.skipIf(!built)('bulkhead demo --no-console learns the generated plant and says how long it took', () => {
    const r = spawnSync(process.execPath, [CLI, 'demo', '--no-console', '--db', join(temp(), 'bulkhead.db')], { encoding: 'utf8', timeout: 240_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Bulkhead demo: the demo plant \(a water works of three production cells of ten PLCs, a building of six BACnet controllers, a DMZ historian reading OPC UA; the last three days\) generated in [\d.]+ s \(\d+ packets\), learned in [\d.]+ s/);
    expect(r.stdout).toContain('Schneider Electric');
    expect(r.stdout).toMatch(/Advisories: 5 CISA advisories imported/);
    expect(r.stdout).not.toContain('127.0.0.0/24');
  }, 300_000);
});
