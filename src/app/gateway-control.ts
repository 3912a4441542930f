// The running gateway as the console sees and steers it: status with the alerts nobody has
// acknowledged, learning progress, the mode, island mode, and the events the engine reports.

import { guidedPath } from './guided-path.js';
import { AlertStore } from '../store/alert-store.js';
import type { Db } from '../store/database.js';
import { EventStore, type GatewayEvent } from '../store/event-store.js';
import { LearnStore } from '../store/learn-store.js';
import { PolicyStore } from '../store/policy-store.js';
import { BulkheadError } from '../errors.js';
import type { GatewayMode } from '../gateway/health.js';
import { isolate } from './isolation.js';
import { progressOf } from './learn.js';
import { gatewayStatus } from './status.js';

export class GatewayControl {
  private readonly policies: PolicyStore;
  private readonly learn: LearnStore;
  private readonly events: EventStore;
  private readonly alerts: AlertStore;

  constructor(db: Db) {
    this.policies = new PolicyStore(db);
    this.learn = new LearnStore(db);
    this.events = new EventStore(db);
    this.alerts = new AlertStore(db);
  }

  status() {
    return {
      ...gatewayStatus(this.policies),
      unacknowledgedAlerts: this.events.unacknowledged(),
      openAlerts: this.alerts.open(),
      root: process.getuid?.() === 0,
    };
  }

  learning() {
    return progressOf(this.learn);
  }

  /** The new user's path to enforcement, from what the store says now. */
  guide() {
    return guidedPath(this.policies.db);
  }

  setMode(mode: GatewayMode, by: string): void {
    this.policies.setMode(mode, by);
  }

  isolations() {
    return this.policies.isolations();
  }

  isolate(target: string, by: string, reason: string): string[] {
    return isolate(this.policies, target, by, reason);
  }

  release(target: string, by: string): void {
    this.policies.release(target, by);
  }

  /** Events after an id, or the newest `limit`. */
  eventsAfter(o: { after?: number; kind?: GatewayEvent['kind']; limit?: number }): GatewayEvent[] {
    return this.events.list(o);
  }

  /** An operator has seen an event and dealt with it (audited). */
  acknowledge(id: number, by: string): void {
    if (!this.events.acknowledge(id, by, this.policies.audit)) throw new BulkheadError('BH_CONFLICT', `event ${id} does not exist or was acknowledged already`);
  }

  /** The audit log: the newest `limit` entries (since a time), and its chain verified. */
  auditEntries(o: { since?: number; limit: number }) {
    return this.policies.audit.list(o);
  }

  verifyAudit() {
    return this.policies.audit.verify();
  }
}
