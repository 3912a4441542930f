// The ground-truth plant by hand (root): its namespaces and peers come up and stay until Ctrl-C,
// when everything is removed again. The peers' write logs (what reached each device) are
// printed as they happen. See testbench/README.md.
//
//   npm run plant               normal operation
//   npm run plant -- attacks    normal operation, then each attack once after 10 s
//   npm run plant -- down       remove what a killed run left behind

import { spawnSync } from 'node:child_process';
import { ATTACKER, HOSTS, createPlantLan, startAttacks, startPeers, type Plant } from './ground-truth-plant.js';
import { netnsUnavailable } from './lan.js';

const PREFIX = 'bhplant';
const [what = 'up'] = process.argv.slice(2);

function down(): number {
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  const ours = list.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`${PREFIX}-`));
  for (const ns of ours) spawnSync('ip', ['netns', 'del', ns]);
  console.log(ours.length ? `removed ${ours.join(', ')}` : 'no plant namespaces to remove');
  return ours.length;
}

const why = netnsUnavailable();
if (why) {
  console.error(`cannot run the plant: ${why}`);
  process.exit(2);
}
if (what === 'down') {
  down();
  process.exit(0);
}
if (what !== 'up' && what !== 'attacks') {
  console.error(`usage: npm run plant [-- attacks | down]; got '${what}'`);
  process.exit(1);
}
if (down()) console.log('(left over from an earlier run)');
const lan = createPlantLan(PREFIX);
const plants: Plant[] = [await startPeers(lan)];
const hosts = [...Object.values(HOSTS), ATTACKER];
console.log(`plant up: ${hosts.map((h) => `${h.name} ${h.ip}`).join(', ')}`);
console.log(`the switch (bridge br0) is namespace ${lan.switchNs}; a host's is ${lan.nsOf('hmi')} and so on. Try:`);
console.log(`  ip netns exec ${lan.switchNs} node dist/src/cli.js learn --interface br0 --seconds 120 --db plant.db`);
console.log(`  node dist/src/cli.js derive --db plant.db && node dist/src/cli.js policy approve 1 --by you --db plant.db && node dist/src/cli.js apply 1 --by you --db plant.db`);
console.log(`  ip netns exec ${lan.switchNs} node dist/src/cli.js start --bridge br0 --db plant.db`);
const printed = new Map<string, number>();
const timer = setInterval(() => {
  for (const p of plants) {
    for (const [host, lines] of p.logs) {
      const from = printed.get(host) ?? 0;
      for (const l of lines.slice(from)) if (/"write"|stderr/.test(l)) console.log(`${host}: ${l}`);
      printed.set(host, lines.length);
    }
  }
}, 500);
if (what === 'attacks') {
  setTimeout(() => {
    console.log('attacks: an HMI write, a BACnet DeviceCommunicationControl from the attacker, an OPC UA Write from the historian');
    plants.push(startAttacks(lan));
  }, 10_000);
}
const stop = async () => {
  clearInterval(timer);
  await Promise.all(plants.map((p) => p.stop()));
  lan.destroy();
  console.log('plant down');
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
