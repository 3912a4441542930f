// The demo plant (what `npm start` runs) as a new user meets it: the dashboard's guided path
// says where they are and what to do next. And no number-only operation description is left
// where an engineer reads one: the console's policy and conversation pages in Chromium, and
// `bulkhead policy show`, `simulate` (with the reasons of what a stricter policy refuses),
// `conversations` and `alerts` on its database. Every code is named beside its number, every
// register written as a reference number beside its address.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPolicy, parsePolicy } from '../../src/policy/document.js';
import { CLI } from '../../src/test-support/cli.js';
import { chromiumUnavailable, mapClashes } from '../lib/console-browser.js';
import { demoInChromium, demoUnavailable, type DemoConsole } from '../lib/demo-console.js';
import { guideShot } from '../lib/guide-shots.js';

/** What reads as a number standing for an operation without its name (the old wordings among them). */
const NUMBER_ONLY: readonly [string, RegExp][] = [
  ['a bare code list', /\bcodes? \d+/],
  ['a function code outside "Name (FC n)"', /(?<!\()FC \d+/],
  ['a service number outside "name (... service n)"', /(?<!\((?:confirmed |unconfirmed )?)service \d+/],
  ['a register table by its identifier with addresses', /\b(holding_registers|input_registers|discrete_inputs|coils|file_records) \d/],
  ['a BACnet object as type,instance', /\b[a-z]+-[a-z]+,\d+/],
  ['an OPC UA request by its encoding name', /\b[A-Z]\w+Request\b/],
];

/** Each offending phrase in `text`, with what it is. */
function numberOnly(text: string): string[] {
  const found: string[] = [];
  for (const [what, re] of NUMBER_ONLY) {
    const g = new RegExp(re.source, 'g');
    for (const m of text.matchAll(g)) found.push(`${what}: '${text.slice(Math.max(0, m.index - 40), m.index + m[0].length + 20)}'`);
  }
  return found;
}

const unavailable = demoUnavailable() ?? chromiumUnavailable();
if (unavailable) console.warn(`SKIPPED: the demo plant in the plant's words: ${unavailable}`);

describe.skipIf(unavailable !== undefined)("the demo plant in the plant's words", () => {
  let demo: DemoConsole;
  let page: Page;
  let stop: (() => Promise<void>) | undefined;
  const temp = mkdtempSync(join(tmpdir(), 'bulkhead-words-'));
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...args, '--db', demo.db], { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0 && r.status !== 3) throw new Error(`bulkhead ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return r.stdout;
  };

  beforeAll(async () => {
    ({ demo, page, stop } = await demoInChromium());
  }, 300_000);

  afterAll(async () => {
    await stop?.();
    rmSync(temp, { recursive: true, force: true });
  });

  it('answers within a minute, and the dashboard shows the guided path: learned, the draft to approve next', async () => {
    console.log(`bulkhead demo: console answering after ${demo.seconds.toFixed(1)} s`);
    expect(demo.seconds).toBeLessThan(240);
    const guide = page.locator('section.guide');
    await guide.waitFor();
    expect(await guide.locator('li.step').count()).toBe(6);
    expect(await guide.locator('li.step[data-step="learn"]').getAttribute('class')).toMatch(/\bdone\b/);
    const current = guide.locator('li.step.current');
    expect(await current.getAttribute('data-step')).toMatch(/^(review|simulate|approve)$/);
    expect(await current.locator('.next').textContent()).toMatch(/Policy page/);
    expect(await guide.locator('li.step[data-step="learn"]').textContent()).toMatch(/\d+ assets, \d+ conversations in 3 days of traffic/);
    await guideShot(page, 'dashboard-guided-path');
  });

  it("policy show: every rule of the derived draft has its operations in words above it", () => {
    const text = cli('policy', 'show', 'latest');
    const rules = parsePolicy(text, 'the demo draft').conduits.reduce((n, c) => n + c.rules.length, 0);
    const worded = text.match(/^\s*# (allows|denies) /gm)?.length ?? 0;
    expect(rules).toBeGreaterThan(10);
    expect(worded).toBeGreaterThanOrEqual(rules);
    expect(text).toMatch(/# allows Read Holding Registers \(FC 3\) on unit \d+ holding registers 4\d{4}/);
    const comments = text.split('\n').filter((l) => l.trimStart().startsWith('#')).join('\n');
    expect(numberOnly(comments)).toEqual([]);
  });

  it('simulate: a policy without the engineering writes refuses them, each reason naming the operation and what the rule allows', () => {
    const policy = parsePolicy(cli('policy', 'show', 'latest'), 'the demo draft');
    for (const c of policy.conduits) for (const r of c.rules) if (r.allow) r.allow = r.allow.filter((a) => !a.kinds?.includes('write'));
    const file = join(temp, 'no-writes.yaml');
    writeFileSync(file, formatPolicy(policy));
    const out = cli('simulate', '--policy', file, '--since', '4d');
    expect(out).toMatch(/Write (Single|Multiple) Registers? \(FC (6|16)\)/);
    expect(out).toMatch(/\[not_allowed_code\] denied: Modbus Write Single Register \(FC 6\) on unit \d+ holding registers 4\d{4} \(\d+\) from .* allows [A-Z][\w ]+(: [\w ]+)? \(FC \d+(\/\d+)?\)/);
    expect(numberOnly(out)).toEqual([]);
  });

  it('conversations and alerts: operations and targets in words', () => {
    const conversations = cli('conversations');
    expect(conversations).toMatch(/read: Read Holding Registers \(FC 3\) on unit \d+ holding registers 4\d{4}/);
    expect(numberOnly(conversations)).toEqual([]);
    const alerts = cli('alerts');
    expect(alerts.length).toBeGreaterThan(0);
    expect(numberOnly(alerts)).toEqual([]);
  });

  it("the console's policy page and conversations page show rules and operations by name", async () => {
    await page.goto(`${demo.url}#/policy`);
    await page.locator('main table').nth(1).waitFor();
    await expect.poll(() => page.textContent('main')).toMatch(/Read Holding Registers \(FC 3\) on unit \d+ holding registers 4\d{4}/);
    expect(numberOnly((await page.textContent('main')) ?? '')).toEqual([]);
    await page.goto(`${demo.url}#/conversations`);
    await expect.poll(() => page.textContent('main')).toMatch(/Read Holding Registers \(FC 3\) on unit \d+ holding registers 4\d{4}/);
    expect(numberOnly((await page.textContent('main')) ?? '')).toEqual([]);
  });

  // The user guide's pictures of the demo plant (docs/), each taken once the page shows what the guide says it shows.
  it('takes the user guide its screenshots: inventory, a conversation, zone map, review, simulation, an alert, risk', async () => {
    await page.goto(`${demo.url}#/assets`);
    await expect.poll(() => page.locator('main table tbody tr').count()).toBeGreaterThanOrEqual(30);
    await guideShot(page, 'first-learning-inventory');

    await page.goto(`${demo.url}#/conversations`);
    await page.locator('main table tbody tr a').first().click();
    await page.locator('section.operation h2').first().waitFor();
    expect(await page.locator('section.operation h2').first().textContent()).toMatch(/\((FC \d+|[a-z ]*service \d+)/);
    expect(numberOnly((await page.textContent('main')) ?? '')).toEqual([]);
    await guideShot(page, 'conversation-detail');

    await page.goto(`${demo.url}#/zones`);
    await expect.poll(() => page.locator('svg.zonemap g.zone').count()).toBeGreaterThanOrEqual(4);
    // The demo plant's map reads: no zone box, label or conduit name over another.
    const clashes = await mapClashes(page);
    expect(clashes.texts).toBeGreaterThan(20);
    expect(clashes.found).toEqual([]);
    await guideShot(page, 'zone-map');

    await page.goto(`${demo.url}#/policy?v=1`);
    await page.getByRole('heading', { name: /^Lint \(\d+\)$/ }).waitFor();
    await guideShot(page, 'policy-review');
    await page.getByRole('button', { name: 'Simulate' }).click();
    const result = page.getByRole('heading', { name: 'What would this have blocked?' });
    await expect.poll(() => page.textContent('main'), { timeout: 30_000 }).toMatch(/\d+ operations of the learned baseline since 7d: \d+ allowed, 0 would be denied/);
    await result.scrollIntoViewIfNeeded();
    await guideShot(page, 'policy-simulate');

    await page.goto(`${demo.url}#/alerts`);
    const row = page.locator('main table tbody tr', { hasText: 'wrote 4,800' });
    await row.waitFor();
    await row.locator('a.alert-open').click();
    const detail = page.locator('#alert-detail');
    await detail.getByRole('heading', { name: /^Alert \d+: value_write_outside_baseline$/ }).waitFor();
    await detail.scrollIntoViewIfNeeded();
    await guideShot(page, 'alerts-explained');

    await page.goto(`${demo.url}#/risk`);
    await expect.poll(() => page.textContent('main')).toMatch(/ICSA-21-194-02/);
    await guideShot(page, 'risk-page');
  });
});
