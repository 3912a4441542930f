// `bulkhead config check FILE` and `bulkhead config render FILE`: the appliance's configuration.

import { fleetDir, loadConfig } from '../../config/appliance-config.js';
import { leafConfigFile } from '../../fleet/gateway-site.js';
import { renderSystemFiles, writeSystemFiles } from '../../config/system-files.js';
import { common, group, type Common } from '../io.js';
import type { Register } from '../register.js';

export const registerConfig: Register = (root, io, act) => {
  const config = group(root.command('config').description("the appliance's configuration file: check, render"));
  common(config.command('check'))
    .description('validate an appliance configuration file (unknown keys and bad values named by path)')
    .argument('<file>')
    .action(
      act((file: string, o: Common) => {
        const c = loadConfig(file);
        io.out(o.json ? JSON.stringify(c) : `${file}: valid (data in ${c.dataDir}, bridge ${c.bridge.name}, console on ${c.management.address}:${c.management.port ?? 8443}, mode ${c.gateway?.mode ?? 'as last set, else enforce'})`);
        return 0;
      }),
    );
  common(config.command('render'))
    .description("write the system files it implies: networkd (management port, plant bridge), sysctl, modules, journal size and retention, NTP servers, and the fleet's leaf node once the gateway joined one")
    .argument('<file>')
    .option('--root <dir>', 'under DIR instead of / (an image being built)')
    .option('--no-network', 'all but the networkd files (a box whose network is configured otherwise)')
    .action(
      act((file: string, o: Common & { root?: string; network?: boolean }) => {
        const root = o.root ?? '/';
        const c = loadConfig(file);
        // A gateway that joined a fleet: its leaf node's configuration too, from its membership (it holds the gateway's secret).
        const leaf = leafConfigFile(fleetDir(c), root);
        const fleet = leaf ? [{ path: leaf.path, content: leaf.content, mode: 0o600, ownedLikeItsDirectory: true, purpose: `the leaf node of gateway ${leaf.gateway}: it connects out to the centre at ${leaf.hub.join(', ')}` }] : [];
        const r = writeSystemFiles([...renderSystemFiles(c, { network: o.network !== false }), ...fleet], root);
        if (o.json) io.out(JSON.stringify({ root, written: r.written.map((f) => f.path), unchanged: r.unchanged.map((f) => f.path) }));
        else for (const [what, list] of [['written', r.written], ['unchanged', r.unchanged]] as const) for (const f of list) io.out(`${what.padEnd(9)} ${f.path}: ${f.purpose}`);
        return 0;
      }),
    );
};
