// The central site: on the JetStream cluster, it keeps a policy bucket per gateway (mirrored onto
// that gateway's leaf), sources every gateway's telemetry into one fleet stream, reads that stream
// into its read model (store/fleet-store.ts) through a durable consumer, so a restarted centre
// resumes where it stopped, and signs and sends approved policy versions, a rollout group at a
// time. It never opens a connection into a cell: gateways' leaf nodes connect to the cluster.

import { AckPolicy, jetstream, type Consumer, jetstreamManager, type JsMsg, type JetStreamClient, type StreamSource } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { BulkheadError } from '../errors.js';
import type { Db } from '../store/database.js';
import { FleetStore } from '../store/fleet-store.js';
import { PolicyStore } from '../store/policy-store.js';
import type { Pems } from './certificates.js';
import { POLICY_HISTORY } from './leaf-streams.js';
import { FLEET_STREAM, names, POLICY_KEY, TELEMETRY_KINDS, type TelemetryKind } from './names.js';
import { enrolGateway, removeGateway, type NewGateway } from './enrolment.js';
import { signPackage } from './signed-policy.js';

/** The read model's durable consumer on the fleet stream. */
const READ_MODEL = 'read-model';
/** Records read into the store per batch. */
export const READ_BATCH = 500;
/** How long the cluster may take to answer after a configuration reload or its start. */
const RELOAD_MS = 30_000;
/**
 * Request timeouts for each try while the cluster rereads its users: a request sent during the
 * reload gets no answer at all, so the first waits 1 s rather than the client's 5 s; the later
 * ones are longer for a loaded cluster that answers slowly. Every step is safe to repeat.
 */
const ANSWER_MS = [1000, 2000, 5000];
/** How much of the fleet's telemetry the cluster keeps. */
export const FLEET_MAX_BYTES = 4 * 1024 * 1024 * 1024;

export interface CentralOptions {
  db: Db;
  /** The cluster's client addresses. */
  servers: string[];
  user: string;
  password: string;
  signingKey: string;
  /** The centre's certificate authority: each enrolled gateway's certificate comes from it. */
  authority: Pems;
  /** Servers in the cluster: each stream and bucket is replicated on up to three. */
  clusterSize: number;
  /** The cluster's leaf node addresses (host:port), as gateways reach them: they go in each enrolment token. */
  leafAddresses: string[];
  /** Puts the enrolled gateways' credentials in force on every server of the cluster (their configurations, reloaded). */
  onCredentials: (gateways: { id: string; passwordHash: string }[]) => Promise<void>;
  /** Whether this process reads the fleet stream into the store (the running site does; a one-off command does not). */
  read?: boolean;
  log: (line: string) => void;
}

export class Central {
  readonly fleet: FleetStore;
  private readonly policies: PolicyStore;
  private reading = true;
  private reader?: Promise<void>;

  private constructor(
    private readonly o: CentralOptions,
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
  ) {
    this.fleet = new FleetStore(o.db);
    this.policies = new PolicyStore(o.db);
  }

  static async open(o: CentralOptions): Promise<Central> {
    const nc = await connect({ servers: o.servers, user: o.user, pass: o.password, name: 'bulkhead-central', maxReconnectAttempts: -1 });
    try {
      // A cluster just started elects its JetStream leader first.
      await whenJetStreamAnswers((timeout) => jetstreamManager(nc, { timeout }));
      const c = new Central(o, nc, jetstream(nc));
      await c.afterReload((timeout) => c.ensureFleet(timeout));
      if (o.read !== false) c.reader = c.readLoop();
      return c;
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  private get replicas(): number {
    return Math.min(3, this.o.clusterSize);
  }

  /** Every enrolled gateway's bucket exists and the fleet stream sources each one's telemetry, and nothing else of it. */
  async ensureFleet(timeout?: number): Promise<void> {
    const gateways = this.fleet.list();
    const js = jetstream(this.nc, timeout ? { timeout } : {});
    const jsm = await js.jetstreamManager(false);
    const kvm = new Kvm(js);
    for (const g of gateways) await kvm.create(names.policyBucket(g.id), { history: POLICY_HISTORY, replicas: this.replicas, maxValueSize: -1 });
    // Each source is filtered to its own gateway's subjects: a gateway that fills its stream with another's subjects sends nothing.
    const sources: StreamSource[] = gateways.map((g) => ({
      name: names.telemetryStream(g.id),
      filter_subject: names.telemetryAll(g.id),
      external: { api: names.gatewayApi(g.id), deliver: names.deliverUp(g.id) },
    }));
    const config = { name: FLEET_STREAM, sources, max_bytes: FLEET_MAX_BYTES, num_replicas: this.replicas };
    try {
      await jsm.streams.info(FLEET_STREAM);
      await jsm.streams.update(FLEET_STREAM, { sources, max_bytes: FLEET_MAX_BYTES });
    } catch (err) {
      if (!/stream not found/i.test((err as Error).message)) throw err;
      await jsm.streams.add(config);
    }
    await jsm.consumers.add(FLEET_STREAM, { durable_name: READ_MODEL, ack_policy: AckPolicy.Explicit, max_ack_pending: READ_BATCH * 4 });
  }

  /** Enrols a gateway and puts its credentials in force; returns its join token. */
  async enrol(g: NewGateway, by: string): Promise<string> {
    const token = await enrolGateway(this.o.db, g, by, this.o);
    await this.o.onCredentials(this.fleet.credentials());
    await this.afterReload((timeout) => this.ensureFleet(timeout));
    return token;
  }

  /** Removes a gateway: the cluster refuses its credentials from now on; what it sent is kept. */
  async remove(id: string, by: string): Promise<void> {
    removeGateway(this.o.db, id, by);
    await this.o.onCredentials(this.fleet.credentials());
  }

  /** A server that rereads its users answers JetStream a moment later: `f` is tried until it does, with the request timeout it is given. */
  afterReload(f: (timeout: number) => Promise<void>): Promise<void> {
    return whenJetStreamAnswers(f);
  }

  /** Signs an approved policy version for one gateway and puts it in its bucket; returns the package version. */
  async send(gateway: string, policyVersion: number, by: string): Promise<number> {
    const g = this.fleet.get(gateway);
    if (!g || g.removedAt) throw new BulkheadError('BH_NOT_FOUND', `no enrolled gateway ${gateway}`);
    const v = this.policies.get(policyVersion);
    if (v.status === 'draft' || v.status === 'retired' || !v.approvedBy) {
      throw new BulkheadError('BH_CONFLICT', `policy version ${policyVersion} is ${v.status}: only an approved version goes to the fleet (bulkhead policy approve ${policyVersion} --by NAME)`);
    }
    const version = this.fleet.nextPackageVersion(gateway);
    const approvedBy = [v.approvedBy, ...(v.secondApprover ? [v.secondApprover] : [])];
    const bytes = signPackage({ gateway, version, policyVersion, name: v.name, approvedBy, signedAt: Date.now() / 1000, document: v.document }, this.o.signingKey);
    const kv = await new Kvm(this.nc).open(names.policyBucket(gateway));
    await kv.put(POLICY_KEY, bytes);
    this.fleet.recordPackage(gateway, version, policyVersion, by);
    this.policies.audit.append(by, 'fleet.send', `gateway ${gateway}`, { policyVersion, package: version });
    return version;
  }

  /** Reads until closed. A cluster rereading its users or electing a leader answers nothing for a while: the loop waits and looks its consumer up again. */
  private async readLoop(): Promise<void> {
    let consumer: Consumer | undefined;
    while (this.reading) {
      const msgs: JsMsg[] = [];
      try {
        consumer ??= await this.js.consumers.get(FLEET_STREAM, READ_MODEL);
        const batch = await consumer.fetch({ max_messages: READ_BATCH, expires: 1000 });
        for await (const m of batch) msgs.push(m);
        if (!msgs.length) continue;
        const records = msgs.flatMap((m) => {
          const [, , gateway, kind] = m.subject.split('.');
          if (!gateway || !TELEMETRY_KINDS.includes(kind as TelemetryKind)) return [];
          try {
            const r = m.json<{ id: number | string; ts: number; data: Record<string, unknown> }>();
            return [{ gateway, kind: kind!, localId: String(r.id), ts: r.ts, data: r.data }];
          } catch {
            this.o.log(`fleet: a record from ${gateway} on ${m.subject} is not JSON; dropped`);
            return [];
          }
        });
        this.fleet.receive(records);
        for (const m of msgs) m.ack();
      } catch (err) {
        if (!this.reading) break;
        // What was pulled but not stored goes back now, not after the consumer's ack wait (30 s).
        // On a closed connection nak cannot be sent; the ack wait brings the messages back then.
        if (!this.nc.isClosed()) for (const m of msgs) m.nak();
        consumer = undefined;
        this.o.log(`fleet: reading the fleet stream: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  async close(): Promise<void> {
    this.reading = false;
    await this.reader?.catch(() => undefined);
    await this.nc.drain();
  }
}

/**
 * Tries `f` until JetStream answers (a server rereading its users, a cluster electing its leader), for RELOAD_MS at most.
 * A server rereading its accounts says so itself for a moment ("JetStream not enabled for account", nats-server 2.9).
 */
async function whenJetStreamAnswers<T>(f: (timeout: number) => Promise<T>): Promise<T> {
  const deadline = Date.now() + RELOAD_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return await f(ANSWER_MS[Math.min(attempt, ANSWER_MS.length - 1)]!);
    } catch (err) {
      if (!/jetstream (is )?not enabled|no responders|timeout|temporarily unavailable|no suitable peers|insufficient resources/i.test((err as Error).message) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
