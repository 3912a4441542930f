// The two streams a gateway keeps on its leaf node: its telemetry, which the centre sources and
// which is the buffer while the uplink is down (bounded, oldest dropped first, resends within the
// hour deduplicated by message id), and the mirror of its policy bucket at the centre, read
// locally whether or not the centre is reachable.

import type { JetStreamManager, StreamConfig } from '@nats-io/jetstream';
import { names } from './names.js';

/** How much telemetry a gateway holds for the centre while its uplink is down. */
export const TELEMETRY_MAX_BYTES = 256 * 1024 * 1024;
/** Resends within this window (a restart between sending and keeping the cursor) are stored once. */
export const DUPLICATE_WINDOW_NS = 3600 * 1e9;
/** Policy versions each bucket keeps. */
export const POLICY_HISTORY = 5;

/** Creates a stream, or brings an existing one to this configuration. */
async function ensure(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<void> {
  try {
    await jsm.streams.info(config.name);
    await jsm.streams.update(config.name, config);
  } catch (err) {
    if (!/stream not found/i.test((err as Error).message)) throw err;
    await jsm.streams.add(config);
  }
}

export async function ensureTelemetryStream(jsm: JetStreamManager, gw: string): Promise<void> {
  await ensure(jsm, {
    name: names.telemetryStream(gw),
    subjects: [names.telemetryAll(gw)],
    max_bytes: TELEMETRY_MAX_BYTES,
    duplicate_window: DUPLICATE_WINDOW_NS,
  });
}

/** The leaf's copy of the gateway's bucket at the centre, delivered under the gateway's own prefix. */
export async function ensurePolicyMirror(jsm: JetStreamManager, gw: string): Promise<void> {
  const stream = names.policyStream(gw);
  await ensure(jsm, {
    name: stream,
    mirror: { name: stream, external: { api: names.centralApi, deliver: names.deliverDown(gw) } },
    max_msgs_per_subject: POLICY_HISTORY,
    allow_rollup_hdrs: true,
    deny_delete: true,
    allow_direct: true,
  });
}
