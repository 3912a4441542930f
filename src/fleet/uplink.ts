// The gateway's telemetry going up: audit entries, events and alert changes, read from its own
// database after a cursor and published into its telemetry stream on the leaf node, and its
// health every few seconds. The leaf is local, so this never waits for the centre; the stream is
// the buffer while the uplink is down, and the centre sources it when the link returns. Each
// record's message id is its id in this gateway's store, so a resend after a restart (published,
// then killed before the cursor was kept) is stored once. Enforcement never waits on any of it:
// this runs in its own process beside the engine.

import type { JetStreamClient } from '@nats-io/jetstream';
import { gatewayStatus } from '../app/status.js';
import { AlertStore } from '../store/alert-store.js';
import { AuditLog } from '../store/audit-log.js';
import type { Db } from '../store/database.js';
import { EventStore } from '../store/event-store.js';
import { PolicyStore } from '../store/policy-store.js';
import { readSetting, writeSetting } from '../store/settings.js';
import { names, type TelemetryKind } from './names.js';

/** Records of each kind published per round: a backlog drains at this pace. */
export const UPLINK_BATCH = 200;
const CURSOR = 'fleet.uplink';

export interface Cursor {
  audit: number;
  event: number;
  /** The alerts' change number. */
  alert: number;
}

/** How far the uplink has sent each kind: the last id of each the leaf has stored. */
export function uplinkCursor(db: Db): Cursor {
  return readSetting<Cursor>(db, CURSOR) ?? { audit: 0, event: 0, alert: 0 };
}

/** One record as it travels: its id in this gateway's store, when, and what. */
export interface TelemetryRecord {
  id: number | string;
  ts: number;
  data: Record<string, unknown>;
}

export class Uplink {
  private readonly audit: AuditLog;
  private readonly events: EventStore;
  private readonly alerts: AlertStore;
  private readonly policies: PolicyStore;

  constructor(
    private readonly db: Db,
    private readonly js: JetStreamClient,
    readonly gateway: string,
  ) {
    this.audit = new AuditLog(db);
    this.events = new EventStore(db);
    this.alerts = new AlertStore(db);
    this.policies = new PolicyStore(db);
  }

  /** Publishes what is new since the cursor, at most UPLINK_BATCH of each kind; returns how many. */
  async send(): Promise<number> {
    const c = uplinkCursor(this.db);
    const audit = this.audit.after(c.audit, UPLINK_BATCH).map((e) => ({ id: e.id, ts: e.ts, data: { ...e } }));
    const events = this.events.list({ after: c.event, limit: UPLINK_BATCH }).map((e) => ({ id: e.id, ts: e.ts, data: { kind: e.kind, ...e.data } }));
    const alerts = this.alerts.changedAfter(c.alert, UPLINK_BATCH).map((a) => ({ id: a.seq, ts: a.alert.lastSeen, data: { ...a.alert } }));
    await this.publish('audit', audit);
    await this.publish('event', events);
    await this.publish('alert', alerts);
    const next: Cursor = { audit: audit.at(-1)?.id ?? c.audit, event: events.at(-1)?.id ?? c.event, alert: alerts.at(-1)?.id ?? c.alert };
    writeSetting(this.db, CURSOR, next);
    return audit.length + events.length + alerts.length;
  }

  /** What the gateway says of itself: mode, policy, engine, pending change, audit chain. */
  async sendHealth(now = Date.now()): Promise<void> {
    const s = gatewayStatus(this.policies, now / 1000);
    await this.publish('health', [{ id: now, ts: now / 1000, data: { ...s } }]);
  }

  /** Publishes records of one kind, all in flight at once; resolves when the leaf has stored each. */
  async publish(kind: TelemetryKind, records: TelemetryRecord[]): Promise<void> {
    const subject = names.telemetry(this.gateway, kind);
    await Promise.all(records.map((r) => this.js.publish(subject, JSON.stringify(r), { msgID: names.messageId(this.gateway, kind, r.id) })));
  }
}
