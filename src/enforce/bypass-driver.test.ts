// Bypass relay drivers on files standing in for the hardware (a real watchdog device would reset
// or bypass this machine): what each writes, reads back, and refuses.

import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bypassDriver } from './bypass-driver.js';

const dir = mkdtempSync(join(tmpdir(), 'bulkhead-relay-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('bypass drivers', () => {
  it('gpio active-low writes 0 to engage and reads it back', () => {
    const f = join(dir, 'gpio');
    writeFileSync(f, '1\n');
    const d = bypassDriver(`gpio:${f}:active-low`);
    expect(d.engaged()).toBe(false);
    d.engage();
    expect(readFileSync(f, 'utf8')).toBe('0\n');
    expect(d.engaged()).toBe(true);
    d.release();
    expect(d.engaged()).toBe(false);
  });

  it('a watchdog relay is kept alive while released, let go when engaged, disarmed on a clean stop', async () => {
    const f = join(dir, 'watchdog');
    writeFileSync(f, '');
    const d = bypassDriver(`watchdog:${f}:1`);
    expect(d.engaged()).toBe(true);
    d.release();
    await sleep(1100);
    const alive = statSync(f).size;
    // One keep-alive at release, then every third of a second.
    expect(alive).toBeGreaterThanOrEqual(3);
    d.engage();
    await sleep(700);
    expect(statSync(f).size).toBe(alive);
    expect(d.engaged()).toBe(true);
    d.release();
    d.close!(true);
    expect(readFileSync(f, 'utf8').endsWith('.V')).toBe(true);
  });

  it('a watchdog relay left in its fail state is not disarmed', () => {
    const f = join(dir, 'watchdog2');
    writeFileSync(f, '');
    const d = bypassDriver(`watchdog:${f}:5`);
    d.release();
    d.close!(false);
    expect(readFileSync(f, 'utf8')).toBe('.');
  });

  it('refuses specs it cannot honour, saying what they take', () => {
    expect(() => bypassDriver('watchdog:/dev/watchdog1')).toThrow(/watchdog takes PATH:SECONDS/);
    expect(() => bypassDriver('relay:/x')).toThrow(/unknown kind 'relay' \(simulated, gpio, sysfs, watchdog\)/);
    expect(() => bypassDriver('sysfs:/x:1:1')).toThrow(/two different values/);
    expect(() => bypassDriver(`watchdog:${join(dir, 'missing', 'dev')}:5`).release()).toThrow(/cannot open .*ENOENT/);
  });
});
