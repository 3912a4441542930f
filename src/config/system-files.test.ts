// The system files the shipped configuration implies, written into a scratch root: what they
// say, and that writing them again changes nothing.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from './appliance-config.js';
import { renderSystemFiles, writeSystemFiles } from './system-files.js';

const SHIPPED = loadConfig(join(import.meta.dirname, '..', '..', 'appliance', 'bulkhead.yaml'));

describe('system files from the appliance configuration', () => {
  it('puts the management port and the plant bridge apart, and the bridge without an address', () => {
    const root = mkdtempSync(join(tmpdir(), 'bulkhead-root-'));
    const first = writeSystemFiles(renderSystemFiles(SHIPPED), root);
    expect(first.written.map((f) => f.path)).toEqual([
      '/etc/systemd/network/10-bulkhead-management.network',
      '/etc/systemd/network/20-bulkhead-br0.netdev',
      '/etc/systemd/network/21-bulkhead-br0.network',
      '/etc/systemd/network/22-bulkhead-br0-ports.network',
      '/etc/sysctl.d/60-bulkhead.conf',
      '/etc/modules-load.d/bulkhead.conf',
      '/etc/systemd/journald.conf.d/60-bulkhead.conf',
    ]);
    const read = (p: string) => readFileSync(join(root, p), 'utf8');
    expect(read('/etc/systemd/network/10-bulkhead-management.network')).toMatch(/Name=eth0\n\n\[Network\]\nAddress=192\.168\.250\.1\/24\n/);
    expect(read('/etc/systemd/network/22-bulkhead-br0-ports.network')).toMatch(/Name=eth1 eth2\n[\s\S]*Bridge=br0\nLinkLocalAddressing=no/);
    expect(read('/etc/systemd/network/21-bulkhead-br0.network')).not.toMatch(/Address=/);
    expect(read('/etc/sysctl.d/60-bulkhead.conf')).toMatch(/net\.ipv4\.ip_forward = 0[\s\S]*net\.bridge\.bridge-nf-call-iptables = 0/);
    expect(read('/etc/systemd/journald.conf.d/60-bulkhead.conf')).toMatch(/SystemMaxUse=200M\nSystemKeepFree=10%\nMaxRetentionSec=90day/);
    const again = writeSystemFiles(renderSystemFiles(SHIPPED), root);
    expect(again.written).toEqual([]);
    expect(again.unchanged).toHaveLength(7);
  });

  it('names the plant time servers and no fallback; leaves the network alone when no ports are given', () => {
    const c = parseConfig('bulkheadConfig: 1\ndataDir: /d\nbridge: { name: br1 }\nmanagement: { address: 10.0.0.1 }\nntp: { servers: [10.0.0.254, ntp.plant.example] }\nretention: { journalMaxMB: 64 }\n', 't.yaml');
    const files = renderSystemFiles(c);
    expect(files.some((f) => f.path.includes('/network/'))).toBe(false);
    expect(files.find((f) => f.path.includes('timesyncd'))!.content).toMatch(/NTP=10\.0\.0\.254 ntp\.plant\.example\nFallbackNTP=\n/);
    expect(files.find((f) => f.path.includes('journald'))!.content).toMatch(/SystemMaxUse=64M/);
  });
});
