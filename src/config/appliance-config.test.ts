// The appliance's configuration: the shipped file is valid; unknown keys and bad values are
// refused with their paths; nothing falls back to a default silently.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configDb, loadConfig, parseConfig } from './appliance-config.js';

const SHIPPED = join(import.meta.dirname, '..', '..', 'appliance', 'bulkhead.yaml');

const problems = (text: string): string[] => {
  try {
    parseConfig(text, 'test.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('appliance configuration', () => {
  it('ships a valid default', () => {
    const c = loadConfig(SHIPPED);
    expect(c).toMatchObject({ bulkheadConfig: 1, dataDir: '/var/lib/bulkhead', bridge: { name: 'br0', ports: ['eth1', 'eth2'] }, management: { interface: 'eth0', prefixLength: 24 }, gateway: { mode: 'learn', watchdogMs: 2000, onStop: 'fail-state' } });
    expect(configDb(c)).toBe('/var/lib/bulkhead/bulkhead.db');
  });

  it('names every problem by its path', () => {
    const base = 'bulkheadConfig: 1\ndataDir: /var/lib/bulkhead\nbridge: { name: br0 }\nmanagement: { address: 192.0.2.10 }\n';
    expect(problems(base)).toEqual([]);
    expect(problems(base + 'gateway: { mode: enforcing, watchdogms: 100 }\n')).toEqual(["gateway: unknown key 'watchdogms'", 'gateway.mode: must be one of "learn", "enforce", "bypass"']);
    expect(problems(base.replace('192.0.2.10', 'gw.local'))).toEqual(['management.address: must match format "ip-address"']);
    expect(problems(base.replace('br0', 'br0; rm -rf /'))).toEqual(['bridge.name: must match pattern "^[A-Za-z0-9_.-]{1,15}$"']);
    expect(problems(base.replace('management: { address: 192.0.2.10 }\n', ''))).toEqual(["(document): missing 'management'"]);
    expect(problems(base + 'dataDir: /tmp\n')[0]).toMatch(/Map keys must be unique/);
    expect(problems(base + 'siem: [{ address: 192.0.2.9, transport: quic }]\n')).toEqual(['siem[0].transport: must be one of "udp", "tcp"']);
    expect(problems(base + 'ntp: { servers: [] }\nretention: { storageWarnPercent: 100 }\n')).toEqual(['retention.storageWarnPercent: must be <= 99', 'ntp.servers: must NOT have fewer than 1 items']);
    expect(problems(base.replace('{ address: 192.0.2.10 }', '{ address: 192.0.2.10, interface: eth0 }'))).toEqual(['management: must have property prefixLength when property interface is present']);
    expect(problems(base.replace('{ name: br0 }', '{ name: br0, ports: [eth1, eth1] }'))[0]).toMatch(/^bridge\.ports: must NOT have duplicate items/);
  });

  it('says when the file cannot be read', () => {
    expect(() => loadConfig('/nonexistent/bulkhead.yaml')).toThrow(/\/nonexistent\/bulkhead\.yaml: cannot read: ENOENT/);
  });
});
