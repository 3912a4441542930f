// The gateway's link to the centre, a process of its own beside the engine: it talks only to the
// leaf node on this box (which holds the connection to the centre, opened from here), sends the
// gateway's telemetry up through its stream and follows its policy bucket's mirror. The centre
// being unreachable changes nothing here: the leaf buffers, the mirror keeps the last policy, and
// enforcement never waits on this process.

import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Db } from '../store/database.js';
import { ensurePolicyMirror, ensureTelemetryStream } from './leaf-streams.js';
import { names, POLICY_KEY } from './names.js';
import { PolicyFollower, type PolicyResult } from './policy-follower.js';
import { Uplink } from './uplink.js';

/** How often new records are looked for and the pending change checked. */
const TICK_MS = 1000;
/** How often the gateway's health goes up. */
export const HEALTH_MS = 5000;

export interface LinkOptions {
  db: Db;
  gateway: string;
  /** The leaf node on this box. */
  leaf: { url: string; user: string; password: string };
  centralKey: string;
  confirmWithin: number;
  log: (line: string) => void;
}

export class GatewayLink {
  private timer?: NodeJS.Timeout;
  private busy = false;
  private lastHealth = 0;

  private constructor(
    private readonly o: LinkOptions,
    private readonly nc: NatsConnection,
    private readonly uplink: Uplink,
    private readonly follower: PolicyFollower,
    private readonly watching: Promise<void>,
  ) {}

  static async open(o: LinkOptions): Promise<GatewayLink> {
    const nc = await connect({ servers: o.leaf.url, user: o.leaf.user, pass: o.leaf.password, name: `bulkhead-link-${o.gateway}`, maxReconnectAttempts: -1 });
    try {
      const jsm = await jetstreamManager(nc);
      await ensureTelemetryStream(jsm, o.gateway);
      await ensurePolicyMirror(jsm, o.gateway);
      const uplink = new Uplink(o.db, jetstream(nc), o.gateway);
      let results = 0;
      const report = (r: PolicyResult) => uplink.publish('policy-result', [{ id: `${Date.now()}-${results++}`, ts: Date.now() / 1000, data: { ...r } }]);
      const follower = new PolicyFollower({ db: o.db, gateway: o.gateway, centralKey: o.centralKey, confirmWithin: o.confirmWithin, report, log: o.log });
      const kv = await new Kvm(nc).open(names.policyBucket(o.gateway));
      const watch = await kv.watch({ key: POLICY_KEY, ignoreDeletes: true });
      const watching = (async () => {
        for await (const e of watch) {
          if (e.operation !== 'PUT' || e.value.length === 0) continue;
          await follower.take(e.value).catch((err: Error) => o.log(`policy from the centre: not taken: ${err.message}`));
        }
      })();
      const link = new GatewayLink(o, nc, uplink, follower, watching);
      link.timer = setInterval(() => void link.tick(), TICK_MS);
      o.log(`fleet link of gateway ${o.gateway}: on the leaf node at ${o.leaf.url}; last policy package taken: ${follower.lastTaken() || 'none'}`);
      return link;
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  /** One round: new records up, health when due, the pending change checked. Never two at once. */
  async tick(now = Date.now()): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      await this.uplink.send();
      if (now - this.lastHealth >= HEALTH_MS) {
        await this.uplink.sendHealth(now);
        this.lastHealth = now;
      }
      await this.follower.check(now / 1000);
    } catch (err) {
      this.o.log(`fleet link: ${(err as Error).message} (trying again in ${TICK_MS} ms)`);
    } finally {
      this.busy = false;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 20));
    await this.nc.drain();
    await this.watching.catch(() => undefined);
  }
}
