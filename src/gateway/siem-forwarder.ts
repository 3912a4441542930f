// Live forwarding to a SIEM: every audit entry, gateway event and alert change, as RFC 5424 syslog
// or CEF (in an RFC 5424 envelope), over UDP (one datagram each, RFC 5426) or TCP (octet-counted
// frames, RFC 6587). The database is the buffer: each target's cursor (last audit entry, event
// and alert change sent) is stored, so a target that is down or a restarted gateway resumes where
// it stopped, losing nothing the store still holds (the audit log is never pruned; events within
// their retention). Alerts change in place: a repeat or a status change gives the alert the next
// change number and it is sent again as it now is (changes between two sends arrive as one).
// A newly configured target, or one that had no alert cursor yet, starts at the present.

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import type { SiemTarget } from '../config/appliance-config.js';
import type { Db } from '../store/database.js';
import { EventStore, type GatewayEvent } from '../store/event-store.js';
import type { AuditEntry, AuditLog } from '../store/audit-log.js';
import { AlertStore } from '../store/alert-store.js';
import { readSetting, writeSetting } from '../store/settings.js';
import { cefLine, eventCefLine, eventSyslogLine, syslogLine } from './audit-lines.js';
import { alertCefLine, alertEnds, alertSyslogLine } from './alert-lines.js';
import { alertRisk, RiskAssessment, type AlertRisk } from '../risk/assessment.js';
import type { Alert } from '../store/records.js';

/** How old (ms) the risk assessment SIEM lines read may be: it changes with imports and decisions, not per alert. */
const SIEM_RISK_REUSE_MS = 60_000;

/** Lines sent per target per tick: a backlog drains at this pace without starving the loop. */
const BATCH = 500;
/** After a failed connection, wait this long before the next attempt. */
const RETRY_MS = 5000;

interface Cursor {
  audit: number;
  event: number;
  /** The alerts' change number (seq). */
  alert: number;
}

interface Link {
  target: Required<SiemTarget>;
  key: string;
  udp?: UdpSocket;
  tcp?: Socket;
  connected: boolean;
  retryAt: number;
  /** Whether the target's outage has been logged (once per outage). */
  down: boolean;
}

function envelope(line: string, format: 'syslog' | 'cef', ts: number, host: string): string {
  // CEF travels inside a syslog header, as SIEMs' syslog receivers expect.
  return format === 'syslog' ? line : `<110>1 ${new Date(ts * 1000).toISOString()} ${host} bulkhead - cef - ${line}`;
}

export class SiemForwarder {
  private readonly links: Link[];
  private readonly events: EventStore;
  private readonly alerts: AlertStore;
  private readonly host = hostname();
  private busy = false;
  private risk?: RiskAssessment;
  private riskFailed = false;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    targets: SiemTarget[],
    private readonly log: (line: string) => void,
  ) {
    this.events = new EventStore(db);
    this.alerts = new AlertStore(db);
    this.links = targets.map((t) => {
      const target = { port: 514, transport: 'udp' as const, format: 'syslog' as const, ...t };
      return { target, key: `siem.cursor:${target.transport}:${target.address}:${target.port}`, connected: false, retryAt: 0, down: false };
    });
    // A new target starts at the present; so do alerts for a target kept from before them.
    for (const l of this.links) {
      const c = readSetting<Partial<Cursor>>(db, l.key);
      if (c?.alert === undefined) writeSetting(db, l.key, { ...this.head(), ...c, alert: this.alerts.lastSeq() });
    }
  }

  /** The vulnerable asset an alert touches, from an assessment a few seconds old at most; a failing assessment never stops forwarding. */
  private riskOf(a: Alert): AlertRisk | undefined {
    try {
      this.risk ??= new RiskAssessment(this.db);
      const report = this.risk.recent(Date.now(), false, SIEM_RISK_REUSE_MS);
      this.riskFailed = false;
      return alertRisk(report, alertEnds(a));
    } catch (err) {
      if (!this.riskFailed) this.log(`risk assessment for SIEM lines failed (alerts go out without it): ${(err as Error).message}`);
      this.riskFailed = true;
      return undefined;
    }
  }

  private head(): Cursor {
    return { audit: this.audit.lastId(), event: this.events.lastId(), alert: this.alerts.lastSeq() };
  }

  /** Sends what is new to every target; called once a second. */
  async tick(now = Date.now()): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const l of this.links) await this.forward(l, now);
    } finally {
      this.busy = false;
    }
  }

  private async forward(l: Link, now: number): Promise<void> {
    if (now < l.retryAt) return;
    const cursor = readSetting<Cursor>(this.db, l.key) ?? this.head();
    const entries: AuditEntry[] = this.audit.after(cursor.audit, BATCH);
    const events: GatewayEvent[] = this.events.list({ after: cursor.event, limit: BATCH });
    const alerts = this.alerts.changedAfter(cursor.alert, BATCH);
    if (!entries.length && !events.length && !alerts.length) return;
    const { format } = l.target;
    const lines = [
      ...entries.map((e) => envelope(format === 'syslog' ? syslogLine(e, this.host) : cefLine(e, this.host), format, e.ts, this.host)),
      ...events.map((e) => envelope(format === 'syslog' ? eventSyslogLine(e, this.host) : eventCefLine(e, this.host), format, e.ts, this.host)),
      ...alerts.map(({ alert: a }) => envelope(format === 'syslog' ? alertSyslogLine(a, this.host, this.riskOf(a)) : alertCefLine(a, this.host, this.riskOf(a)), format, a.lastSeen, this.host)),
    ];
    try {
      await this.send(l, lines);
    } catch (err) {
      l.retryAt = now + RETRY_MS;
      if (!l.down) this.log(`SIEM ${l.target.transport}://${l.target.address}:${l.target.port} unreachable (${(err as Error).message}): holding ${lines.length}+ records, retrying every ${RETRY_MS / 1000} s`);
      l.down = true;
      this.drop(l);
      return;
    }
    if (l.down) this.log(`SIEM ${l.target.transport}://${l.target.address}:${l.target.port} reachable again: resuming`);
    l.down = false;
    writeSetting(this.db, l.key, { audit: entries.at(-1)?.id ?? cursor.audit, event: events.at(-1)?.id ?? cursor.event, alert: alerts.at(-1)?.seq ?? cursor.alert });
  }

  private send(l: Link, lines: string[]): Promise<void> {
    const { address, port, transport } = l.target;
    if (transport === 'udp') {
      l.udp ??= createSocket(address.includes(':') ? 'udp6' : 'udp4');
      const udp = l.udp;
      return lines.reduce<Promise<void>>((p, line) => p.then(() => new Promise((resolve, reject) => udp.send(line, port, address, (err) => (err ? reject(err) : resolve())))), Promise.resolve());
    }
    return new Promise((resolve, reject) => {
      const write = (s: Socket) => {
        const frames = lines.map((line) => `${Buffer.byteLength(line)} ${line}`).join('');
        s.write(frames, (err) => (err ? reject(err) : resolve()));
      };
      if (l.tcp && l.connected) return write(l.tcp);
      const s = connect({ host: address, port, timeout: 5000 });
      l.tcp = s;
      s.once('connect', () => {
        l.connected = true;
        s.setTimeout(0);
        write(s);
      });
      s.once('timeout', () => s.destroy(new Error('connection timed out')));
      s.once('error', (err) => reject(err));
      s.once('close', () => {
        l.connected = false;
        if (l.tcp === s) l.tcp = undefined;
      });
    });
  }

  private drop(l: Link): void {
    l.tcp?.destroy();
    l.tcp = undefined;
    l.connected = false;
  }

  close(): void {
    for (const l of this.links) {
      this.drop(l);
      l.udp?.close();
      l.udp = undefined;
    }
  }
}
