// The console in headless Chromium for the browser tests: Debian's Chromium driven by
// playwright-core, and the first administrator set up with the one-time token, so each test
// starts on the dashboard.

import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ADMIN = { name: 'alice', password: 'Correct-Horse-42' };

/** Why no browser test can run here, or undefined. */
export const chromiumUnavailable = (): string | undefined => (existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (apt-get install chromium)`);

/** Chromium without the services that reach out of the machine (updates, sync, QUIC). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'] });
}

/** A page on the console at `url` with the first administrator set up by `token`: it lands on the dashboard. */
export async function consoleAsAdmin(browser: Browser, url: string, token: string): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  page.on('dialog', (d) => void d.accept());
  page.on('pageerror', (e) => console.warn(`page error: ${e.message}`));
  await page.goto(url);
  await page.getByRole('heading', { name: 'Set up Bulkhead' }).waitFor();
  await page.fill('input[name=token]', token);
  await page.fill('input[name=name]', ADMIN.name);
  await page.fill('input[name=password]', ADMIN.password);
  await page.click('button[type=submit]');
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  return page;
}

/**
 * The zone map's overlaps: every zone box apart; every text clear of every other text and of
 * every zone box but its own, and inside its own. Run in the page as plain script text (this
 * module is compiled without the DOM's types).
 */
const CLASHES = `(() => {
  const meet = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  const within = (a, b) => a.left >= b.left - 0.5 && a.right <= b.right + 0.5 && a.top >= b.top - 0.5 && a.bottom <= b.bottom + 0.5;
  const zones = [...document.querySelectorAll('svg.zonemap g.zone')].map((g) => ({ id: g.dataset.zone, box: g.querySelector('rect.zone-box').getBoundingClientRect() }));
  const texts = [...document.querySelectorAll('svg.zonemap text')].map((t) => ({ text: t.textContent, owner: t.closest('g.zone')?.dataset.zone, box: t.getBoundingClientRect() }));
  const found = [];
  zones.forEach((a, i) => zones.slice(i + 1).forEach((b) => meet(a.box, b.box) && found.push('zone ' + a.id + ' overlaps zone ' + b.id)));
  texts.forEach((a, i) => texts.slice(i + 1).forEach((b) => meet(a.box, b.box) && found.push('"' + a.text + '" overlaps "' + b.text + '"')));
  for (const t of texts) for (const z of zones) {
    if (t.owner !== z.id && meet(t.box, z.box)) found.push('"' + t.text + '" overlaps zone ' + z.id);
    if (t.owner === z.id && !within(t.box, z.box)) found.push('"' + t.text + '" sticks out of its zone ' + z.id);
  }
  return { found, texts: texts.length };
})()`;

export const mapClashes = (page: Page): Promise<{ found: string[]; texts: number }> => page.evaluate(CLASHES);
