// A LAN of network namespaces made by the test itself: one switch namespace with a bridge, and
// one namespace per host with a veth into it. Addresses exist only inside these namespaces.
// The switch namespace is where a mirror-port capture (or, inline, the gateway) runs.

import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';

export interface LanHost {
  name: string;
  ip: string;
  mac: string;
}

export interface Lan {
  /** Namespace of the switch; the bridge inside it is `br0`. */
  switchNs: string;
  nsOf(host: string): string;
  /** Starts a command inside a host's (or, with host 'switch', the switch's) namespace. */
  spawnIn(host: string, command: string, args: string[]): ChildProcess;
  destroy(): void;
}

/** Why namespaces cannot be made here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  if (spawnSync('ip', ['-V'], { stdio: 'ignore' }).status !== 0) return 'iproute2 (ip) is not installed';
  const probe = `bhprobe${process.pid}`;
  const r = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (r.status !== 0) return `cannot create a network namespace: ${r.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

export function createLan(prefix: string, hosts: LanHost[], prefixLength = 24): Lan {
  const switchNs = `${prefix}-sw`;
  const nsOf = (host: string) => (host === 'switch' ? switchNs : `${prefix}-${host}`);
  const made: string[] = [];
  const destroy = () => {
    for (const ns of made.reverse()) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    made.length = 0;
  };
  try {
    ip('netns', 'add', switchNs);
    made.push(switchNs);
    ip('-n', switchNs, 'link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0');
    ip('-n', switchNs, 'link', 'set', 'br0', 'up');
    for (const h of hosts) {
      const ns = nsOf(h.name);
      ip('netns', 'add', ns);
      made.push(ns);
      // No IPv6 chatter (router solicitations, DAD) on the plant: only what the peers send.
      execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      const port = `v-${h.name}`.slice(0, 15);
      ip('-n', switchNs, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      ip('-n', switchNs, 'link', 'set', port, 'master', 'br0', 'up');
      ip('-n', ns, 'link', 'set', 'eth0', 'address', h.mac);
      ip('-n', ns, 'addr', 'add', `${h.ip}/${prefixLength}`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
    }
  } catch (err) {
    destroy();
    throw err;
  }
  return {
    switchNs,
    nsOf,
    spawnIn: (host, command, args) => spawn('ip', ['netns', 'exec', nsOf(host), command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }),
    destroy,
  };
}
