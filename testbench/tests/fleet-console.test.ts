// The demo fleet as a new user meets it (`bulkhead demo --fleet`, documented in the README): a
// real central site (nats-server), three gateways with their own leaf nodes, links and copies
// of the demo plant, and the console's Fleet page in Chromium showing sites, cells and gateways
// with their health and why, the fleet's alerts in one queue, its inventory and conversations,
// and one gateway's audit chain recomputed at the centre.

import { spawnSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumUnavailable } from '../lib/console-browser.js';
import { demoInChromium, demoUnavailable, type DemoConsole } from '../lib/demo-console.js';
import { guideShot } from '../lib/guide-shots.js';

const noServer = spawnSync('nats-server', ['--version']).status === 0 ? undefined : 'nats-server is not installed (apt-get install nats-server)';
const unavailable = demoUnavailable() ?? chromiumUnavailable() ?? noServer;
if (unavailable) console.warn(`SKIPPED: the demo fleet in the console: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('the demo fleet in the console', () => {
  let demo: DemoConsole;
  let page: Page;
  let stop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ demo, page, stop } = await demoInChromium(['--fleet']));
  }, 300_000);

  afterAll(async () => {
    await stop?.();
  });

  it('shows the site, its three cells and their gateways heard from, each with why it needs attention, and the fleet alerts in one queue', async () => {
    await page.goto(`${demo.url}#/fleet`);
    await page.getByRole('heading', { name: 'Site demo water works' }).waitFor();
    for (const n of [1, 2, 3]) await page.getByRole('heading', { name: `Cell production cell ${n}` }).waitFor();
    // Health goes up every 5 s and the page asks every 5 s: each gateway is heard within a minute, loaded machine or not.
    const cells = page.locator('div.fleet-cell tbody tr');
    await expect.poll(() => cells.allTextContents(), { timeout: 60_000, intervals: [1000] }).toEqual([
      expect.stringMatching(/^cell-1attentionpilot\d+ s ago/),
      expect.stringMatching(/^cell-2attentionrest\d+ s ago/),
      expect.stringMatching(/^cell-3attentionrest\d+ s ago/),
    ]);
    // No engine runs in the demo: the view says so rather than calling the gateways ok.
    expect(await cells.first().textContent()).toMatch(/its engine is not running: nothing is inspected/);
    expect(await page.textContent('main')).toMatch(/3 gateways: 0 ok, 3 need attention, 0 silent or never heard/);
    // Each gateway's learned alerts arrive in the fleet's one queue, with the gateway beside each.
    await expect.poll(async () => (await page.textContent('main'))?.match(/cell-[123]alert(high|medium|low|critical) \w+ \(new\)/g)?.length ?? 0, { timeout: 60_000, intervals: [1000] }).toBeGreaterThanOrEqual(6);
    await guideShot(page, 'fleet-view');
    // Room for both waits above (a minute each): the test's own limit must not cut them short.
  }, 150_000);

  it("opens one gateway: its records as it sent them and its audit chain verified at the centre", async () => {
    await page.locator('div.fleet-cell a', { hasText: 'cell-2' }).click();
    await page.getByRole('heading', { name: 'Gateway cell-2' }).waitFor();
    const audit = page.locator('.audit-chain');
    await expect.poll(() => audit.textContent(), { timeout: 30_000 }).toMatch(/chain intact\d+ entries, each hash recomputed here/);
    expect(Number(/(\d+) entries/.exec((await audit.textContent())!)![1])).toBeGreaterThan(0);
    expect(await page.textContent('main')).toMatch(/Site demo water works, cell production cell 2, rollout group rest; enrolled by bulkhead demo/);
    expect(await page.locator('main table tbody tr', { hasText: 'audit' }).count()).toBeGreaterThan(0);
  });

  it("shows the fleet's inventory and conversations as the gateways learned them", async () => {
    await page.goto(`${demo.url}#/fleet?view=inventory`);
    await page.getByRole('heading', { name: "The fleet's inventory" }).waitFor();
    // Each gateway holds the whole demo plant (about forty assets); its discoveries go up 200 a second.
    const assets = page.locator('.fleet-assets tbody tr');
    await expect.poll(async () => (await page.reload(), await page.locator('.fleet-assets tbody tr', { hasText: 'cell-3' }).count()), { timeout: 90_000, intervals: [2000] }).toBeGreaterThanOrEqual(30);
    expect(await assets.filter({ hasText: 'cell-1' }).filter({ hasText: /Modicon|SIMATIC|WAGO/ }).count()).toBeGreaterThan(0);
    expect(await page.locator('.fleet-conversations tbody tr', { hasText: 'modbus' }).count()).toBeGreaterThan(0);
    expect(await page.textContent('main')).toMatch(/\d+ assets and \d+ conversations across the fleet/);
  }, 120_000);

  it('answers an unknown or malformed gateway with what was wrong', async () => {
    const answer = (path: string) => page.evaluate(async (p) => {
      const r = await fetch(p);
      return { status: r.status, body: (await r.json()) as { message: string } };
    }, path);
    expect(await answer('/api/fleet/gateways/cell-9')).toEqual({ status: 404, body: { code: 'BH_NOT_FOUND', message: 'no gateway cell-9 is enrolled at this central site' } });
    expect((await answer('/api/fleet/gateways/Not_A_Gateway')).status).toBe(400);
  });
});
