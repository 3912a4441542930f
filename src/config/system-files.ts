// The operating system's side of the appliance, rendered from its configuration file: the
// management port and the plant bridge for systemd-networkd, kernel settings, modules, the
// journal's size and retention, and time sources. `bulkhead config render` writes them (the
// install script and the image build run it); a file already as rendered is left untouched.

import { chownSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RETENTION_DEFAULTS, type ApplianceConfig } from './appliance-config.js';

export interface SystemFile {
  path: string;
  content: string;
  /** What it is for, for the install log. */
  purpose: string;
  /** 0644 unless it holds a secret. */
  mode?: number;
  /** Owned like the directory it is in (a service user's file, written by root), not by root. */
  ownedLikeItsDirectory?: boolean;
}

/**
 * Gives `paths` the owner of `dir` when root writes them: files a service reads as its own user
 * (the fleet link reads its membership, key and leaf configuration as `bulkhead`) are written by
 * root at install or join time into that user's data directory. Not root: they are ours already.
 */
export function ownLike(dir: string, paths: string[]): void {
  if (process.getuid?.() !== 0) return;
  const { uid, gid } = statSync(dir);
  for (const p of paths) chownSync(p, uid, gid);
}

const HEADER = '# Written by bulkhead config render from /etc/bulkhead/bulkhead.yaml: edit that file, not this one.\n';

const noAutoconf = ['LinkLocalAddressing=no', 'IPv6AcceptRA=no'];

function networkd(c: ApplianceConfig): SystemFile[] {
  const files: SystemFile[] = [];
  const m = c.management;
  if (m.interface) {
    files.push({
      path: '/etc/systemd/network/10-bulkhead-management.network',
      purpose: `management port ${m.interface} (${m.address}/${m.prefixLength}): the console listens here only`,
      content: [
        HEADER,
        '[Match]',
        `Name=${m.interface}`,
        '',
        '[Network]',
        `Address=${m.address}/${m.prefixLength}`,
        ...(m.gateway ? [`Gateway=${m.gateway}`] : []),
        ...(m.dns ?? []).map((d) => `DNS=${d}`),
        ...noAutoconf,
        '',
      ].join('\n'),
    });
  }
  const ports = c.bridge.ports;
  if (ports) {
    const br = c.bridge.name;
    files.push(
      {
        path: `/etc/systemd/network/20-bulkhead-${br}.netdev`,
        purpose: `bridge ${br}: transparent, no spanning tree, forwarding at once`,
        content: [HEADER, '[NetDev]', `Name=${br}`, 'Kind=bridge', '', '[Bridge]', '# A transparent gateway takes part in no spanning tree and forwards as soon as a port is up.', 'STP=no', 'ForwardDelaySec=0', ''].join('\n'),
      },
      {
        path: `/etc/systemd/network/21-bulkhead-${br}.network`,
        purpose: `bridge ${br}: no address of its own (invisible on the plant network)`,
        content: [HEADER, '[Match]', `Name=${br}`, '', '[Link]', 'RequiredForOnline=no', '', '[Network]', ...noAutoconf, 'ConfigureWithoutCarrier=yes', ''].join('\n'),
      },
      {
        path: `/etc/systemd/network/22-bulkhead-${br}-ports.network`,
        purpose: `plant ports ${ports.join(', ')} joined to ${br}`,
        content: [HEADER, '[Match]', `Name=${ports.join(' ')}`, '', '[Link]', 'RequiredForOnline=no', '', '[Network]', `Bridge=${br}`, ...noAutoconf, ''].join('\n'),
      },
    );
  }
  return files;
}

export function renderSystemFiles(c: ApplianceConfig, o: { network: boolean } = { network: true }): SystemFile[] {
  const r = { ...RETENTION_DEFAULTS, ...c.retention };
  const files = o.network ? networkd(c) : [];
  files.push(
    {
      path: '/etc/sysctl.d/60-bulkhead.conf',
      purpose: 'kernel settings: no routing between management and plant, bridged traffic off iptables unless inspected, reboot on panic',
      content: [
        HEADER,
        '# The box bridges the plant ports; it never routes between the management port and the plant.',
        'net.ipv4.ip_forward = 0',
        'net.ipv6.conf.all.forwarding = 0',
        'net.ipv4.conf.all.accept_redirects = 0',
        'net.ipv4.conf.default.accept_redirects = 0',
        'net.ipv6.conf.all.accept_redirects = 0',
        'net.ipv4.conf.all.send_redirects = 0',
        'net.ipv4.conf.all.accept_source_route = 0',
        'net.ipv4.conf.all.rp_filter = 1',
        'net.ipv4.conf.all.log_martians = 1',
        'net.ipv4.tcp_syncookies = 1',
        '# Bridged traffic passes the iptables hooks only while the gateway inspects (it switches this itself).',
        'net.bridge.bridge-nf-call-iptables = 0',
        'net.bridge.bridge-nf-call-ip6tables = 0',
        'net.bridge.bridge-nf-call-arptables = 0',
        'net.bridge.bridge-nf-filter-vlan-tagged = 0',
        '# A kernel panic reboots the box after 10 s: back in its configured state rather than hung.',
        'kernel.panic = 10',
        'kernel.panic_on_oops = 1',
        'kernel.kptr_restrict = 2',
        'kernel.dmesg_restrict = 1',
        'kernel.unprivileged_bpf_disabled = 1',
        'fs.protected_symlinks = 1',
        'fs.protected_hardlinks = 1',
        '',
      ].join('\n'),
    },
    {
      path: '/etc/modules-load.d/bulkhead.conf',
      purpose: 'kernel modules loaded at boot (the service may not load modules itself)',
      content: [HEADER, 'br_netfilter', 'nfnetlink_queue', 'nf_tables', ''].join('\n'),
    },
    {
      path: '/etc/systemd/journald.conf.d/60-bulkhead.conf',
      purpose: `journal: at most ${r.journalMaxMB} MB, ${r.eventsDays} days`,
      content: [HEADER, '[Journal]', 'Storage=persistent', `SystemMaxUse=${r.journalMaxMB}M`, 'SystemKeepFree=10%', `MaxRetentionSec=${r.eventsDays}day`, ''].join('\n'),
    },
  );
  if (c.ntp) {
    files.push({
      path: '/etc/systemd/timesyncd.conf.d/60-bulkhead.conf',
      purpose: `time from ${c.ntp.servers.join(', ')} (audit timestamps, SR 2.11)`,
      // No fallback servers: a plant network reaches the ones named here or none.
      content: [HEADER, '[Time]', `NTP=${c.ntp.servers.join(' ')}`, 'FallbackNTP=', ''].join('\n'),
    });
  }
  return files;
}

/** Writes the files under `root` (atomically, each by rename); returns which changed. */
export function writeSystemFiles(files: SystemFile[], root = '/'): { written: SystemFile[]; unchanged: SystemFile[] } {
  const written: SystemFile[] = [];
  const unchanged: SystemFile[] = [];
  for (const f of files) {
    const target = join(root, f.path);
    let current: string | undefined;
    try {
      current = readFileSync(target, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === f.content) {
      unchanged.push(f);
      continue;
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(`${target}.new`, f.content, { mode: f.mode ?? 0o644 });
    renameSync(`${target}.new`, target);
    if (f.ownedLikeItsDirectory) ownLike(dirname(target), [target]);
    written.push(f);
  }
  return { written, unchanged };
}
