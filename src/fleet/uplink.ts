// The gateway's telemetry going up: audit entries, events, alert changes and the baseline's
// discoveries (new assets and conversations with their record), read from its own
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
import { LearnStore, type StoredDiscovery } from '../store/learn-store.js';
import { identityWords } from '../../protocols/registry.js';
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
  discovery: number;
}

/** How far the uplink has sent each kind: the last id of each the leaf has stored (a kind added since the cursor was kept starts at 0). */
export function uplinkCursor(db: Db): Cursor {
  return { audit: 0, event: 0, alert: 0, discovery: 0, ...readSetting<Partial<Cursor>>(db, CURSOR) };
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
  private readonly learned: LearnStore;

  constructor(
    private readonly db: Db,
    private readonly js: JetStreamClient,
    readonly gateway: string,
  ) {
    this.audit = new AuditLog(db);
    this.events = new EventStore(db);
    this.alerts = new AlertStore(db);
    this.policies = new PolicyStore(db);
    this.learned = new LearnStore(db);
  }

  /** Publishes what is new since the cursor, at most UPLINK_BATCH of each kind; returns how many. */
  async send(): Promise<number> {
    const c = uplinkCursor(this.db);
    const audit = this.audit.after(c.audit, UPLINK_BATCH).map((e) => ({ id: e.id, ts: e.ts, data: { ...e } }));
    const events = this.events.list({ after: c.event, limit: UPLINK_BATCH }).map((e) => ({ id: e.id, ts: e.ts, data: { kind: e.kind, ...e.data } }));
    const alerts = this.alerts.changedAfter(c.alert, UPLINK_BATCH).map((a) => ({ id: a.seq, ts: a.alert.lastSeen, data: { ...a.alert } }));
    const discoveries = this.learned.discoveriesAfter(c.discovery, UPLINK_BATCH).map((d) => ({ id: d.id, ts: d.ts, data: this.discovery(d) }));
    await this.publish('audit', audit);
    await this.publish('event', events);
    await this.publish('alert', alerts);
    await this.publish('discovery', discoveries);
    const last = (r: TelemetryRecord[], was: number) => (r.at(-1)?.id as number | undefined) ?? was;
    const next: Cursor = { audit: last(audit, c.audit), event: last(events, c.event), alert: last(alerts, c.alert), discovery: last(discoveries, c.discovery) };
    writeSetting(this.db, CURSOR, next);
    return audit.length + events.length + alerts.length + discoveries.length;
  }

  /** A discovery as the centre keeps it: a new asset or conversation with what it is, so the centre holds the fleet's inventory. */
  private discovery(d: StoredDiscovery): Record<string, unknown> {
    const base = { type: d.type, subject: d.subject, detail: d.detail };
    if (d.type === 'asset') {
      const a = this.learned.asset(d.subject);
      return a ? { ...base, asset: { ip: a.ip, macs: a.macs.map((m) => m.mac), roles: a.roles, protocols: a.protocols, identity: identityWords(a).join('; ') } } : base;
    }
    if (d.type === 'conversation') {
      const c = this.learned.conversation(d.subject);
      return c ? { ...base, conversation: { protocol: c.protocol, client: c.client.ip, server: c.server.ip, port: c.server.port } } : base;
    }
    return base;
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
