// `bulkhead demo --fleet`: the demo plant as a small fleet on this box. A central site (one
// JetStream server) on the demo's database, and three gateways, one per production cell of the
// demo water works, each with its own copy of the learned plant, its own leaf node and link,
// joined with a token made by the centre exactly as real ones are. Everything on loopback, on
// ports free when it starts, in the demo's temporary directory. No engine runs (the demo has no
// bridge and no root), and the fleet view says so of each gateway.

import { join } from 'node:path';
import { CentralSite } from '../fleet/central-site.js';
import { freePort } from '../fleet/free-port.js';
import { joinFleet, runLink } from '../fleet/gateway-site.js';
import { openDatabase, type Db } from '../store/database.js';

export const DEMO_SITE = 'demo water works';
/** The demo's gateways: the first cell is the pilot group of a staged rollout. */
export const DEMO_GATEWAYS = [1, 2, 3].map((n) => ({ id: `cell-${n}`, site: DEMO_SITE, cell: `production cell ${n}`, group: n === 1 ? 'pilot' : 'rest' }));

export interface DemoFleet {
  /** The central site's state directory, for `bulkhead central rollout --dir`. */
  dir: string;
  site: CentralSite;
  stop: () => Promise<void>;
}

/** Starts the centre on `db` and the three gateways beside it; `db` must hold the learned plant (each gateway gets a copy of it). */
export async function startDemoFleet(o: { temp: string; db: Db; log: (line: string) => void }): Promise<DemoFleet> {
  const dir = join(o.temp, 'central');
  // Copies made before the centre enrols anyone: each gateway's store is the plant it learned, not the fleet.
  const copies = DEMO_GATEWAYS.map((g) => {
    const path = join(o.temp, `${g.id}.db`);
    o.db.prepare('VACUUM INTO ?').run(path);
    return path;
  });
  const layout = { host: '127.0.0.1', servers: 1, clientPort: await freePort(), clusterPort: await freePort(), leafPort: await freePort() };
  const site = await CentralSite.start({ dir, db: o.db, layout, log: o.log });
  const running: { stop: () => Promise<void>; db: Db }[] = [];
  const stop = async () => {
    for (const r of running.splice(0)) {
      await r.stop();
      r.db.close();
    }
    await site.stop();
  };
  try {
    for (const [i, g] of DEMO_GATEWAYS.entries()) {
      const token = await site.central.enrol(g, 'bulkhead demo');
      const gwDir = join(o.temp, g.id);
      joinFleet(gwDir, `nats-leaf://127.0.0.1:${layout.leafPort}`, token, await freePort());
      const db = openDatabase(copies[i]!);
      const run = await runLink({ dir: gwDir, db, runLeaf: true, log: (line) => o.log(`${g.id}: ${line}`) }).catch((err: Error) => {
        db.close();
        throw err;
      });
      running.push({ stop: run.stop, db });
    }
    return { dir, site, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
