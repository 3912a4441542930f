#!/usr/bin/env -S node --max-semi-space-size=4 --max-old-space-size=512
// The `bulkhead` command.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { decodeFiles } from './app/decode.js';
import { formatSummary } from './cli/format/decode.js';
import { learnInterface, learnPcaps, progressOf } from './app/learn.js';
import { formatLearnReport, formatProgress } from './cli/format/learn.js';
import { formatAssets, formatConversations } from './cli/format/inventory.js';
import { openDatabase } from './store/database.js';
import { LearnStore } from './store/learn-store.js';
import type { Asset, Conversation } from './learn/model.js';
import { derive, importPolicy, loadPolicy, parseSince, simulateBaseline, simulatePcaps } from './app/policy.js';
import { formatComparison, formatFindings, formatSimulation } from './cli/format/policy.js';
import { PolicyStore } from './store/policy-store.js';
import { diffPolicies } from './policy/diff.js';
import { parseMember } from './policy/addresses.js';
import { complianceHtml, type ComplianceReport } from './policy/compliance.js';
import { formatTable, formatTime } from './cli/format/table.js';
import type { SecurityLevel } from './policy/model.js';
import { writeFileSync } from 'node:fs';
import { enforce, type EnforceOptions, type OnStop } from './gateway/engine.js';
import { writeEngineHealth, type EngineHealth } from './gateway/health.js';
import { EnforceError } from './enforce/ruleset.js';
import { EventStore } from './store/event-store.js';
import { nftUnavailable } from './enforce/nft-apply.js';
import { supervise } from './gateway/supervisor.js';
import { bypassDriver, type BypassDriver } from './enforce/bypass-driver.js';
import { serviceManager } from './gateway/sd-notify.js';
import { failsafe } from './gateway/failsafe.js';
import { formatFailState } from './cli/format/failsafe.js';
import { renderSystemFiles, writeSystemFiles } from './config/system-files.js';
import { formatAudit } from './cli/format/audit.js';
import { backup, checkBackup, restore } from './app/backup.js';
import { configDb, loadConfig, readConfig, RETENTION_DEFAULTS, type ApplianceConfig, type SiemTarget } from './config/appliance-config.js';
import { complianceFor, lintInContext } from './app/report.js';
import { gatewayStatus } from './app/status.js';
import { formatStatus } from './cli/format/status.js';
import { isProtocol, PROTOCOLS } from '../protocols/registry.js';
import { BulkheadError, toBulkheadError } from './errors.js';

const USAGE = `usage: bulkhead <command> [options]

commands:
  decode FILE...          decode pcap/pcapng captures into Operations and stream events (JSON lines, tagged by record)
      --summary           counts per protocol, kind and code instead of records
  learn --pcap FILE...    learn captures into the baseline (in time order; resumes an interrupted import)
  learn --interface IF    learn live from an interface (mirror port or bridge) until Ctrl-C
      --until-policy      stop once a policy is active (the gateway learns on its bridge until then)
      --filter BPF        capture filter (default: TCP, BACnet/IP ports, IP fragments, also VLAN-tagged)
      --seconds N         stop after N seconds
  learn --status          learning progress and convergence
      --quiet-hours N     hours without new behaviour that count as converged (default 72)
  assets                  the asset inventory
  conversations           the conversation baseline
      --ip ADDR           only conversations of this address
      --protocol P        only modbus, opcua or bacnet
  derive                  derive a zone-and-conduit policy from the baseline (stored as a draft version)
      --sl N              one target security level (0-4) for every zone instead of the default by Purdue level
      --name NAME         the policy's name
      --out FILE          also write the YAML document to FILE
  policy list             stored policy versions
  policy show [V]         a version's document (V: number, latest, active; default latest)
  policy export [V] --out FILE
  policy import FILE      validate a YAML/JSON policy and store it as a draft
  policy lint [V|FILE]    findings with severity and the standard clause
  policy diff A B         what changes from A to B (versions or files)
  policy approve V --by NAME   approve (a second approval by another person is recorded too)
  policy retire V --by NAME   take a version out of use for good
  simulate --policy P (--pcap FILE... | --since T)   what P would deny (T: 7d, 24h, or a date)
      --against Q         compare with policy Q: what applying P instead of Q changes
  enforce --policy V      enforce a policy inline on this gateway's bridge until stopped (root);
                          with --policy active it follows apply, confirm and rollback
  apply V --by NAME       make an approved version the active policy
      --confirm-within S  unless confirmed within S seconds, the previous version returns by itself
  confirm --by NAME       confirm the pending change
  rollback --by NAME      put the previous active version back
  mode learn|enforce|bypass --by NAME   switch a running gateway's mode (enforce --policy active follows it)
  isolate [TARGET] --by NAME   island mode: cut an address, CIDR block or zone off at once (no TARGET: list)
      --reason TEXT
  release TARGET --by NAME     end an isolation
      --mode learn        monitor only: nothing is dropped, would-deny events are reported
      --queue N           NFQUEUE number for deep inspection (default 0)
      --seconds N         stop after N seconds
  audit                   the audit log (policy changes, modes, isolations, engine events), oldest first
      --since T           only entries since T (7d, 24h, or a date); --limit N: the newest N
      --format F          text (default), syslog (RFC 5424) or cef, for a SIEM
      --verify            check the hash chain; exit 3 and name the first bad entry if it is broken
  backup --out FILE       a consistent snapshot of the store (policies, audit log, accounts, baseline) and FILE.sha256
      --config FILE       carry the appliance's configuration file in it too (and back up the database it names)
  restore FILE --by NAME  replace the database with a checked backup (stop the gateway first; the old one is kept)
      --check             only check it: checksum, integrity, schema, audit chain, the configuration it carries
      --config FILE       also write the configuration it carries to FILE (the old one is kept), into the database FILE names
  report compliance       IEC 62443 / NIST SP 800-82 items, met / partly / not met, with this deployment's evidence
      --policy V          the policy version (default: active, else latest)
      --html              an HTML page instead of text (--json for JSON); --out FILE to write it
  start                   learn the bundled demo plant into a fresh database, derive a draft policy, show both,
                          and serve the console on https://127.0.0.1:8443/ until Ctrl-C (--no-console: exit)
  console                 the web console for this database, until Ctrl-C
      --host H --port P   where it listens (default 127.0.0.1:8443); --http: plain HTTP instead of HTTPS
      --config FILE       listen where the appliance's configuration says (management address and port)
      --log-level L       requests and errors as JSON lines on standard output: info (default), warn, error, silent
  start --bridge BR       the gateway: the active policy inline on bridge BR, supervised, until stopped (root);
                          with no policy active yet, it learns on BR until one is applied
      --mode M            learn, enforce or bypass (recorded in the store; default: as last set, else enforce)
      --watchdog-ms N     an engine silent this long is killed and restarted (default 2000)
      --bypass-driver D   hardware bypass relay engaged while the engine is down: simulated:FILE,
                          gpio:PATH[:active-low], sysfs:PATH:ON:OFF or watchdog:PATH:SECONDS
      --config FILE       the appliance's configuration (database, bridge, ports, mode, watchdog, bypass; flags win)
      --ports P1,P2       the bridge's plant ports: guarded from the start, even before they join the bridge
      --on-stop S         what stopping leaves: remove (the rules go, a plain bridge; the default) or
                          fail-state (each conduit in its fail state; the appliance's service)
  failsafe                put the active policy's rules in the kernel with nobody inspecting: each conduit in its
                          fail state, the bypass relay engaged where none is fail-closed (run after the gateway stops)
      --config FILE       database, bridge, ports, queue and relay from the appliance's configuration
      --bridge BR --ports P1,P2   the table for these plant ports, whether or not BR exists yet (at boot)
      --clear             remove every rule instead (a plain bridge) and release the relay
  config check FILE       validate an appliance configuration file (unknown keys and bad values named by path)
  config render FILE      write the system files it implies: networkd (management port, plant bridge), sysctl,
                          modules, journal size and retention, NTP servers
      --root DIR          under DIR instead of / (an image being built)
      --no-network        all but the networkd files (a box whose network is configured otherwise)
  status                  the gateway: mode, active policy, pending confirmation, isolations, engine health

options for all commands:
  --db PATH               database (default: $BULKHEAD_DB, else ./bulkhead.db)
  --json                  machine-readable output
`;

/** Shipped demo captures: testbench/fixtures/demo, next to the built package. */
function demoCaptures(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const root of [join(here, '..', '..'), join(here, '..')]) {
    const dir = join(root, 'testbench', 'fixtures', 'demo');
    try {
      return readdirSync(dir)
        .filter((f) => f.endsWith('.pcap') || f.endsWith('.pcapng'))
        .sort()
        .map((f) => join(dir, f));
    } catch {
      /* try the next layout */
    }
  }
  return [];
}

class UsageError extends BulkheadError {
  constructor(message: string) {
    super('BH_USAGE', message);
    this.name = 'UsageError';
  }
}

/** Set by commands whose native bindings must not be torn down with the runtime. */
let exitAtOnce = false;

const COMMON = { db: { type: 'string' }, json: { type: 'boolean' } } as const;

function parse<O extends NonNullable<ParseArgsConfig['options']>>(command: string, args: string[], options: O, positionals = false) {
  try {
    return parseArgs({ args, allowPositionals: positionals, options: { ...COMMON, ...options }, strict: true });
  } catch (err) {
    throw new UsageError(`bulkhead ${command}: ${(err as Error).message}`);
  }
}

function positiveNumber(command: string, name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`bulkhead ${command}: --${name} must be a positive number, got '${value}'`);
  return n;
}

function formatCompliance(r: ComplianceReport): string {
  const lines = [`compliance for policy ${r.policy}: ${r.summary.met} met, ${r.summary.partly} partly, ${r.summary['not met']} not met`, ''];
  for (const i of r.items) lines.push(`${i.status.toUpperCase().padEnd(8)} ${i.id}: ${i.title}`, ...i.evidence.map((e) => `         - ${e}`));
  return lines.join('\n');
}

function consolePort(command: string, value: string | undefined): number {
  const port = value === undefined ? 8443 : Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`bulkhead ${command}: --port must be 0-65535, got '${value}'`);
  return port;
}

/** Resolves on SIGINT or SIGTERM. */
function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

function queueNumber(command: string, value: string | undefined): number {
  const queue = value === undefined ? 0 : Number(value);
  if (!Number.isInteger(queue) || queue < 0 || queue > 65535) throw new UsageError(`bulkhead ${command}: --queue must be 0-65535, got '${value}'`);
  return queue;
}

/** The gateway's bridge must exist and be a bridge: a typo must not leave the plant unprotected. */
function bridgeCheck(command: string, name: string): void {
  if (!/^[\w.-]{1,15}$/.test(name)) throw new UsageError(`bulkhead ${command}: --bridge '${name}' is not an interface name`);
  if (!existsSync(`/sys/class/net/${name}`)) throw new UsageError(`bulkhead ${command}: --bridge ${name}: no such interface in this network namespace`);
  if (!existsSync(`/sys/class/net/${name}/bridge`)) throw new UsageError(`bulkhead ${command}: --bridge ${name} is not a bridge (ip link add ${name} type bridge; ip link set PORT master ${name})`);
}

/** `--ports eth1,eth2`: the bridge's plant ports by name (they need not exist yet). */
function portsOption(command: string, value: string | undefined, bridge: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  if (bridge === undefined) throw new UsageError(`bulkhead ${command}: --ports goes with --bridge`);
  const ports = value.split(',').map((p) => p.trim());
  const bad = ports.find((p) => !/^[\w.-]{1,15}$/.test(p));
  if (bad !== undefined) throw new UsageError(`bulkhead ${command}: --ports: '${bad}' is not an interface name (a comma-separated list, e.g. eth1,eth2)`);
  return ports;
}

function onStopOption(command: string, value: string | undefined): OnStop {
  if (value === undefined || value === 'remove' || value === 'fail-state') return value ?? 'remove';
  throw new UsageError(`bulkhead ${command}: --on-stop must be remove or fail-state, got '${value}'`);
}

function relayDriver(command: string, spec: string | undefined): BypassDriver | undefined {
  try {
    return spec ? bypassDriver(spec) : undefined;
  } catch (e) {
    throw new UsageError(`bulkhead ${command}: ${(e as Error).message}`);
  }
}

/** What the gateway's commands take from the appliance's configuration file where the command line is silent. */
function gatewayFromConfig(values: { db?: string; bridge?: string; ports?: string; queue?: string; 'bypass-driver'?: string }, c: ApplianceConfig): void {
  values.db ??= configDb(c);
  values.bridge ??= c.bridge.name;
  if (c.bridge.ports) values.ports ??= c.bridge.ports.join(',');
  values.queue ??= c.gateway?.queue?.toString();
  values['bypass-driver'] ??= c.gateway?.bypassDriver;
}

function dbPath(value: string | undefined): string {
  return value ?? process.env.BULKHEAD_DB ?? 'bulkhead.db';
}

/** `bulkhead start --bridge BR`: the supervised gateway on this box, until SIGTERM or Ctrl-C. */
async function startGateway(
  values: { db?: string; bridge?: string; ports?: string; mode?: string; queue?: string; 'watchdog-ms'?: string; 'startup-ms'?: string; 'bypass-driver'?: string; 'on-stop'?: string; by?: string },
  retention: Required<NonNullable<ApplianceConfig['retention']>>,
  siem: SiemTarget[] = [],
): Promise<number> {
  const bridge = values.bridge!;
  bridgeCheck('start', bridge);
  const ports = portsOption('start', values.ports, bridge);
  const queue = queueNumber('start', values.queue);
  const watchdogMs = positiveNumber('start', 'watchdog-ms', values['watchdog-ms']) ?? 2000;
  const startupMs = positiveNumber('start', 'startup-ms', values['startup-ms']) ?? 20_000;
  if (values.mode !== undefined && !['learn', 'enforce', 'bypass'].includes(values.mode)) throw new UsageError(`bulkhead start: --mode must be learn, enforce or bypass, got '${values.mode}'`);
  const onStop = onStopOption('start', values['on-stop']);
  const bypass = relayDriver('start', values['bypass-driver']);
  const notify = serviceManager();
  const missing = nftUnavailable();
  if (missing) throw new EnforceError(`cannot enforce: ${missing}`);
  const path = dbPath(values.db);
  const db = openDatabase(path);
  try {
    const store = new PolicyStore(db);
    if (values.mode !== undefined && values.mode !== store.mode()) store.setMode(values.mode, values.by ?? 'bulkhead start');
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    process.once('SIGTERM', () => abort.abort());
    const err = (line: string) => process.stderr.write(`${line}\n`);
    const active = store.latest('active');
    err(`bulkhead gateway on ${bridge}: mode ${store.mode() ?? 'enforce'}, ${active ? `policy ${active.version}` : 'no policy active yet: learning until one is applied'}, watchdog ${watchdogMs} ms${bypass ? `, hardware bypass ${bypass.spec}` : ''}`);
    const s = await supervise({
      engineArgs: ['--db', path, '--queue', String(queue), '--bridge', bridge, ...(ports ? ['--ports', ports.join(',')] : [])],
      learnArgs: ['--db', path, '--interface', bridge],
      watchdogMs,
      startupMs,
      onStop,
      housekeeping: { dataDir: dirname(resolve(path)), storageWarnPercent: retention.storageWarnPercent, eventsDays: retention.eventsDays },
      ...(bypass ? { bypass } : {}),
      ...(notify ? { notify } : {}),
      ...(siem.length ? { siem } : {}),
      store,
      signal: abort.signal,
      log: err,
    });
    err(`stopped after ${s.restarts} engine restart${s.restarts === 1 ? '' : 's'}`);
    return 0;
  } finally {
    db.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command ? 0 : 1;
  }
  const out = (line: string) => process.stdout.write(line + '\n');
  const err = (line: string) => process.stderr.write(line + '\n');
  switch (command) {
    case 'decode': {
      const { values, positionals } = parse(command, rest, { summary: { type: 'boolean' } }, true);
      if (positionals.length === 0) throw new UsageError('bulkhead decode: name at least one capture file');
      const { summary: s, failed } = await decodeFiles(positionals, { summary: values.summary === true, json: values.json === true, write: out });
      if (values.summary) out(values.json ? JSON.stringify(s) : formatSummary(s));
      return failed ? 2 : 0;
    }
    case 'learn': {
      const { values, positionals } = parse(
        command,
        rest,
        { pcap: { type: 'boolean' }, interface: { type: 'string' }, filter: { type: 'string' }, seconds: { type: 'string' }, status: { type: 'boolean' }, 'quiet-hours': { type: 'string' }, 'until-policy': { type: 'boolean' } },
        true,
      );
      const modes = [values.pcap, values.interface !== undefined, values.status].filter(Boolean).length;
      if (modes !== 1) throw new UsageError('bulkhead learn: give exactly one of --pcap FILE..., --interface IF, --status');
      if (values.pcap && positionals.length === 0) throw new UsageError('bulkhead learn --pcap: name at least one capture file');
      if (!values.pcap && positionals.length > 0) throw new UsageError(`bulkhead learn: unexpected argument '${positionals[0]}' (capture files go after --pcap)`);
      const quietHours = positiveNumber(command, 'quiet-hours', values['quiet-hours']);
      const seconds = positiveNumber(command, 'seconds', values.seconds);
      const store = new LearnStore(openDatabase(dbPath(values.db)));
      try {
        if (values.status) {
          const p = progressOf(store, quietHours);
          out(values.json ? JSON.stringify(p) : formatProgress(p));
          return 0;
        }
        if (values.pcap) {
          const { report, failed } = await learnPcaps(store, positionals, {}, values.json ? () => {} : err);
          out(values.json ? JSON.stringify(report) : formatLearnReport(report));
          return failed ? 2 : 0;
        }
        const abort = new AbortController();
        const stop = () => abort.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        // Under the gateway's supervisor: heartbeats for its watchdog, and the hand-over to the
        // engine once a policy has been applied.
        const beat = process.send ? setInterval(() => process.send!({ type: 'heartbeat' }), 250) : undefined;
        const policies = new PolicyStore(store.db);
        const watch = values['until-policy']
          ? setInterval(() => {
              const active = policies.latest('active');
              if (!active) return;
              err(`policy version ${active.version} is active: learning stops, the engine takes over`);
              stop();
            }, 1000)
          : undefined;
        const report = await learnInterface(store, values.interface!, values.filter, { ...(seconds ? { seconds } : {}), signal: abort.signal }, values.json ? () => {} : err);
        clearInterval(beat);
        clearInterval(watch);
        out(values.json ? JSON.stringify(report) : formatLearnReport(report));
        // The libpcap binding can abort in its destructor during teardown: everything is
        // committed and printed, so leave without tearing the runtime down.
        exitAtOnce = true;
        return 0;
      } finally {
        store.db.close();
      }
    }
    case 'assets':
    case 'conversations': {
      const { values } = parse(command, rest, { ip: { type: 'string' }, protocol: { type: 'string' } });
      if (values.protocol && !isProtocol(values.protocol)) throw new UsageError(`bulkhead ${command}: --protocol must be one of ${PROTOCOLS.map((m) => m.name).join(', ')}, got '${values.protocol}'`);
      const store = new LearnStore(openDatabase(dbPath(values.db)));
      try {
        if (command === 'assets') {
          const assets = store.assets<Asset>().filter((a) => !values.ip || a.ip === values.ip);
          out(values.json ? JSON.stringify(assets) : formatAssets(assets));
        } else {
          const convs = store.conversations<Conversation>({ ...(values.ip ? { ip: values.ip } : {}), ...(values.protocol ? { protocol: values.protocol } : {}) });
          out(values.json ? JSON.stringify(convs) : formatConversations(convs));
        }
        return 0;
      } finally {
        store.db.close();
      }
    }
    case 'derive': {
      const { values } = parse(command, rest, { sl: { type: 'string' }, name: { type: 'string' }, out: { type: 'string' }, by: { type: 'string' } });
      let sl: SecurityLevel | undefined;
      if (values.sl !== undefined) {
        if (!/^[0-4]$/.test(values.sl)) throw new UsageError(`bulkhead derive: --sl must be 0, 1, 2, 3 or 4, got '${values.sl}'`);
        sl = Number(values.sl) as SecurityLevel;
      }
      const db = openDatabase(dbPath(values.db));
      try {
        const r = derive(new LearnStore(db), new PolicyStore(db), { ...(sl !== undefined ? { securityLevel: sl } : {}), ...(values.name ? { name: values.name } : {}) }, values.by ?? process.env.USER ?? 'unknown');
        if (values.out) writeFileSync(values.out, r.text);
        if (values.json) out(JSON.stringify({ version: r.version, policy: r.policy, findings: r.findings }));
        else {
          const rules = r.policy.conduits.reduce((n, c) => n + c.rules.length, 0);
          out(`policy version ${r.version} (draft): ${r.policy.zones.length} zones, ${r.policy.conduits.length} conduits, ${rules} rules${values.out ? `; written to ${values.out}` : ''}`);
          out(formatTable(['zone', 'SL-T', 'Purdue', 'members'], r.policy.zones.map((z) => [`${z.id} (${z.name})`, String(z.securityLevel), String(z.purdueLevel ?? '-'), String(z.members.length)])));
          out('\nlint:');
          out(formatFindings(r.findings));
        }
        return 0;
      } finally {
        db.close();
      }
    }
    case 'policy': {
      const [sub, ...args] = rest;
      const { values, positionals } = parse(`policy ${sub ?? ''}`.trim(), args, { out: { type: 'string' }, by: { type: 'string' } }, true);
      const db = openDatabase(dbPath(values.db));
      const policies = new PolicyStore(db);
      try {
        switch (sub) {
          case 'list': {
            const list = policies.list();
            if (values.json) out(JSON.stringify(list));
            else out(list.length ? formatTable(['version', 'status', 'name', 'source', 'created', 'by', 'approved by'], list.map((v) => [String(v.version), v.status, v.name, v.source, formatTime(v.createdAt), v.createdBy, [v.approvedBy, v.secondApprover].filter(Boolean).join(' + ') || '-'])) : 'no policy stored yet');
            return 0;
          }
          case 'show':
          case 'export': {
            const p = loadPolicy(policies, positionals[0] ?? 'latest');
            const text = values.json ? JSON.stringify(p.policy, null, 2) : p.text;
            if (values.out) writeFileSync(values.out, text);
            else out(text.trimEnd());
            return 0;
          }
          case 'import': {
            if (!positionals[0]) throw new UsageError('bulkhead policy import: name the file');
            const r = importPolicy(policies, positionals[0], values.by ?? process.env.USER ?? 'unknown');
            out(values.json ? JSON.stringify({ version: r.version }) : `stored as policy version ${r.version} (draft)`);
            return 0;
          }
          case 'lint': {
            const findings = lintInContext(new LearnStore(db), loadPolicy(policies, positionals[0] ?? 'latest').policy);
            out(values.json ? JSON.stringify(findings) : formatFindings(findings));
            return findings.some((f) => f.severity === 'error') ? 3 : 0;
          }
          case 'diff': {
            if (positionals.length !== 2) throw new UsageError('bulkhead policy diff: name two versions or files');
            const d = diffPolicies(loadPolicy(policies, positionals[0]!).policy, loadPolicy(policies, positionals[1]!).policy);
            out(values.json ? JSON.stringify(d) : d.changes.length ? d.changes.join('\n') : 'no differences');
            return 0;
          }
          case 'approve': {
            if (!positionals[0] || !/^\d+$/.test(positionals[0])) throw new UsageError('bulkhead policy approve: name the version number');
            if (!values.by) throw new UsageError('bulkhead policy approve: say who approves with --by NAME');
            const v = policies.approve(Number(positionals[0]), values.by);
            out(values.json ? JSON.stringify({ version: v.version, status: v.status, approvedBy: v.approvedBy, secondApprover: v.secondApprover }) : `policy version ${v.version} ${v.status}: approved by ${v.approvedBy}${v.secondApprover ? ` and ${v.secondApprover}` : ''}`);
            return 0;
          }
          case 'retire': {
            if (!positionals[0] || !/^\d+$/.test(positionals[0])) throw new UsageError('bulkhead policy retire: name the version number');
            if (!values.by) throw new UsageError('bulkhead policy retire: say who retires it with --by NAME');
            policies.retire(Number(positionals[0]), values.by);
            out(`policy version ${positionals[0]} retired`);
            return 0;
          }
          default:
            throw new UsageError(`bulkhead policy: unknown subcommand '${sub ?? ''}' (list, show, export, import, lint, diff, approve, retire)`);
        }
      } finally {
        db.close();
      }
    }
    case 'simulate': {
      const { values, positionals } = parse(command, rest, { policy: { type: 'string' }, pcap: { type: 'boolean' }, since: { type: 'string' }, against: { type: 'string' } }, true);
      if (!values.policy) throw new UsageError('bulkhead simulate: name the policy with --policy (a version, latest, active, or a file)');
      if (Boolean(values.pcap) === (values.since !== undefined)) throw new UsageError('bulkhead simulate: give exactly one of --pcap FILE... or --since T');
      if (values.pcap && positionals.length === 0) throw new UsageError('bulkhead simulate --pcap: name at least one capture');
      const db = openDatabase(dbPath(values.db));
      try {
        const policies = new PolicyStore(db);
        const candidate = loadPolicy(policies, values.policy);
        const current = values.against ? loadPolicy(policies, values.against) : undefined;
        const list = current ? [candidate.policy, current.policy] : [candidate.policy];
        let reports;
        const isolated = policies.isolations().flatMap((i) => i.addresses);
        if (values.pcap) reports = await simulatePcaps(list, positionals, { isolated });
        else {
          const learn = new LearnStore(db);
          const since = parseSince(values.since!, learn.clock()?.lastSeen ?? Date.now() / 1000);
          if (since === undefined) throw new UsageError(`bulkhead simulate: --since must be like 7d, 24h, 90m or a date, got '${values.since}'`);
          const conversations = learn.conversations<Conversation>();
          reports = list.map((p) => simulateBaseline(p, conversations, since, isolated));
        }
        if (values.json) out(JSON.stringify(current ? { candidate: reports[0], current: reports[1] } : reports[0]));
        else {
          out(formatSimulation(reports[0]!, `policy ${candidate.label}`));
          if (current) out('\n' + formatComparison(reports[1]!, reports[0]!));
        }
        return reports[0]!.denied > 0 ? 3 : 0;
      } finally {
        db.close();
      }
    }
    case 'enforce': {
      const { values } = parse(command, rest, { policy: { type: 'string' }, mode: { type: 'string' }, queue: { type: 'string' }, seconds: { type: 'string' }, bridge: { type: 'string' }, ports: { type: 'string' }, 'on-stop': { type: 'string' } });
      const onStop = onStopOption(command, values['on-stop']);
      const ports = portsOption(command, values.ports, values.bridge);
      if (!values.policy) throw new UsageError('bulkhead enforce: name the policy with --policy (a version, latest, active, or a file)');
      const queue = queueNumber(command, values.queue);
      const seconds = positiveNumber(command, 'seconds', values.seconds);
      if (values.bridge !== undefined) bridgeCheck(command, values.bridge);
      const db = openDatabase(dbPath(values.db));
      const policies = new PolicyStore(db);
      const follow = values.policy === 'active';
      let loaded;
      let mode: string;
      try {
        policies.expirePending(Date.now() / 1000);
        loaded = loadPolicy(policies, values.policy);
        // Following the store, the mode last set there wins (a restarted engine resumes it).
        mode = values.mode ?? (follow ? policies.mode() : undefined) ?? 'enforce';
        if (mode !== 'enforce' && mode !== 'learn' && mode !== 'bypass') throw new UsageError(`bulkhead enforce: --mode must be enforce, learn or bypass, got '${mode}'`);
      } catch (e) {
        db.close();
        throw e;
      }
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort());
      process.once('SIGTERM', () => abort.abort());
      if (seconds) setTimeout(() => abort.abort(), seconds * 1000);
      // Under a supervisor: heartbeats over the IPC channel; for `bulkhead status`, the health in the store once a second.
      let stored = 0;
      const heartbeat = (h: EngineHealth) => {
        process.send?.({ type: 'heartbeat', health: h });
        if (h.ts - stored < 1) return;
        stored = h.ts;
        writeEngineHealth(db, h);
      };
      // Denials and alerts for the console: batched into the store once a second, bounded in between.
      const events = new EventStore(db);
      const pending: { ts: number; kind: string; data: Record<string, unknown> }[] = [];
      let dropped = 0;
      const record = (kind: string, data: Record<string, unknown>) => {
        if (pending.length < 10_000) pending.push({ ts: Date.now() / 1000, kind, data });
        else dropped++;
      };
      const flush = () => {
        if (dropped) pending.push({ ts: Date.now() / 1000, kind: 'alert', data: { source: 'engine', message: `${dropped} events not recorded: more than 10,000 in one second` } });
        dropped = 0;
        events.append(pending.splice(0));
      };
      const flusher = setInterval(flush, 1000);
      let r;
      try {
        r = await enforce(loaded, {
          mode: mode as EnforceOptions['mode'],
          queue,
          signal: abort.signal,
          log: err,
          heartbeat,
          onEvent: (e) => {
            out(JSON.stringify({ ts: new Date().toISOString(), ...e }));
            record(e.action, { ...e });
          },
          onAlert: (message) => record('alert', { source: 'engine', message }),
          onStop,
          ...(values.bridge ? { bridge: values.bridge } : {}),
          ...(ports ? { ports } : {}),
          ...(follow ? { follow: policies } : {}),
        });
      } finally {
        clearInterval(flusher);
        flush();
        writeEngineHealth(db, null);
        db.close();
      }
      err(`inspected ${r.inspected} packets, ${r.denied} ${mode === 'enforce' ? 'denied' : 'would have been denied'}`);
      return 0;
    }
    case 'apply':
    case 'confirm':
    case 'rollback': {
      const { values, positionals } = parse(command, rest, { by: { type: 'string' }, 'confirm-within': { type: 'string' } }, command === 'apply');
      if (!values.by) throw new UsageError(`bulkhead ${command}: say who with --by NAME`);
      const within = positiveNumber(command, 'confirm-within', values['confirm-within']);
      const db = openDatabase(dbPath(values.db));
      try {
        const policies = new PolicyStore(db);
        if (command === 'apply') {
          if (!positionals[0] || !/^\d+$/.test(positionals[0])) throw new UsageError('bulkhead apply: name the version number');
          const r = policies.apply(Number(positionals[0]), values.by, within);
          out(values.json ? JSON.stringify({ version: Number(positionals[0]), ...r }) : `policy version ${positionals[0]} is active${r.previous !== undefined ? ` (was ${r.previous})` : ''}${r.deadline ? `; confirm before ${new Date(r.deadline * 1000).toISOString()} (bulkhead confirm --by NAME) or it rolls back` : ''}`);
        } else if (command === 'confirm') {
          const v = policies.confirm(values.by);
          out(values.json ? JSON.stringify({ version: v }) : `policy version ${v} confirmed`);
        } else {
          const r = policies.rollback(values.by, 'requested');
          out(values.json ? JSON.stringify(r) : `policy version ${r.from} rolled back${r.to !== undefined ? `: version ${r.to} is active again` : ': no policy is active'}`);
        }
        return 0;
      } finally {
        db.close();
      }
    }
    case 'mode': {
      const { values, positionals } = parse(command, rest, { by: { type: 'string' } }, true);
      const wanted = positionals[0];
      const db = openDatabase(dbPath(values.db));
      try {
        const policies = new PolicyStore(db);
        if (!wanted) {
          out(values.json ? JSON.stringify({ mode: policies.mode() ?? null }) : (policies.mode() ?? 'not set (a gateway runs in the mode it was started with)'));
          return 0;
        }
        if (!['learn', 'enforce', 'bypass'].includes(wanted)) throw new UsageError(`bulkhead mode: must be learn, enforce or bypass, got '${wanted}'`);
        if (!values.by) throw new UsageError('bulkhead mode: say who with --by NAME');
        policies.setMode(wanted, values.by);
        out(`mode ${wanted}: a gateway following the store switches within a second, without interrupting allowed traffic`);
        return 0;
      } finally {
        db.close();
      }
    }
    case 'isolate':
    case 'release': {
      const { values, positionals } = parse(command, rest, { by: { type: 'string' }, reason: { type: 'string' } }, true);
      const db = openDatabase(dbPath(values.db));
      try {
        const policies = new PolicyStore(db);
        const target = positionals[0];
        if (!target) {
          if (command === 'release') throw new UsageError('bulkhead release: name the isolated target');
          const list = policies.isolations();
          out(values.json ? JSON.stringify(list) : list.length ? formatTable(['target', 'addresses', 'since', 'by', 'reason'], list.map((i) => [i.target, i.addresses.join(','), formatTime(i.since), i.by, i.reason || '-'])) : 'nothing is isolated');
          return 0;
        }
        if (!values.by) throw new UsageError(`bulkhead ${command}: say who with --by NAME`);
        if (command === 'release') {
          policies.release(target, values.by);
          out(`${target} released (an enforcing gateway restores its traffic within a second)`);
          return 0;
        }
        let addresses: string[];
        if (typeof parseMember(target) !== 'string') addresses = [target];
        else {
          const ref = policies.latest('active') ? 'active' : 'latest';
          const zone = loadPolicy(policies, ref).policy.zones.find((z) => z.id === target);
          if (!zone) throw new UsageError(`bulkhead isolate: '${target}' is neither an address, a CIDR block nor a zone of the ${ref} policy`);
          addresses = zone.members.filter((m) => { const p = parseMember(m); return typeof p !== 'string' && p.kind !== 'mac'; });
        }
        policies.isolate(target, addresses, values.by, values.reason ?? '');
        out(`${target} isolated (${addresses.join(', ')}): an enforcing gateway cuts it off within a second, in every mode`);
        return 0;
      } finally {
        db.close();
      }
    }
    case 'console': {
      const { values } = parse(command, rest, { host: { type: 'string' }, port: { type: 'string' }, http: { type: 'boolean' }, 'log-level': { type: 'string' }, config: { type: 'string' } });
      if (values.config) {
        const c = loadConfig(values.config);
        values.db ??= configDb(c);
        values.host ??= c.management.address;
        values.port ??= c.management.port?.toString();
      }
      const port = consolePort(command, values.port);
      const logLevel = values['log-level'] ?? 'info';
      if (!['info', 'warn', 'error', 'silent'].includes(logLevel)) throw new UsageError(`bulkhead console: --log-level must be info, warn, error or silent, got '${logLevel}'`);
      const notify = serviceManager();
      const path = dbPath(values.db);
      const db = openDatabase(path);
      try {
        const { serveConsole } = await import('./cli/serve-console.js');
        const { app, url } = await serveConsole({ db, dbPath: path, host: values.host ?? '127.0.0.1', port, http: values.http === true, log: err, logLevel: logLevel as 'info' });
        notify?.ready(`console on ${url}`);
        await untilStopped();
        // A listening server keeps the process alive: a stop must end it, not just close the store.
        await app.close();
        return 0;
      } finally {
        db.close();
      }
    }
    case 'config': {
      const [sub, ...args] = rest;
      const { values, positionals } = parse(`config ${sub ?? ''}`.trim(), args, { root: { type: 'string' }, 'no-network': { type: 'boolean' } }, true);
      if ((sub !== 'check' && sub !== 'render') || !positionals[0] || (sub === 'check' && (values.root !== undefined || values['no-network']))) {
        throw new UsageError('bulkhead config check FILE | config render FILE [--root DIR] [--no-network]: validate an appliance configuration file, or write the system files it implies');
      }
      const c = loadConfig(positionals[0]);
      if (sub === 'check') {
        out(values.json ? JSON.stringify(c) : `${positionals[0]}: valid (data in ${c.dataDir}, bridge ${c.bridge.name}, console on ${c.management.address}:${c.management.port ?? 8443}, mode ${c.gateway?.mode ?? 'as last set, else enforce'})`);
        return 0;
      }
      const root = values.root ?? '/';
      const r = writeSystemFiles(renderSystemFiles(c, { network: values['no-network'] !== true }), root);
      if (values.json) out(JSON.stringify({ root, written: r.written.map((f) => f.path), unchanged: r.unchanged.map((f) => f.path) }));
      else for (const [what, list] of [['written', r.written], ['unchanged', r.unchanged]] as const) for (const f of list) out(`${what.padEnd(9)} ${f.path}: ${f.purpose}`);
      return 0;
    }
    case 'failsafe': {
      const { values } = parse(command, rest, { config: { type: 'string' }, bridge: { type: 'string' }, ports: { type: 'string' }, queue: { type: 'string' }, 'bypass-driver': { type: 'string' }, clear: { type: 'boolean' }, by: { type: 'string' } });
      if (values.config) gatewayFromConfig(values, loadConfig(values.config));
      const queue = queueNumber(command, values.queue);
      const bypass = relayDriver(command, values['bypass-driver']);
      const ports = portsOption(command, values.ports, values.bridge);
      // At boot the bridge is not there yet: its configured ports are guarded by name. A bridge that
      // is gone with no ports named still gets a table, for every bridge of this box.
      const bridge = values.bridge !== undefined && (ports || existsSync(`/sys/class/net/${values.bridge}/brif`)) ? values.bridge : undefined;
      if (values.bridge !== undefined && !bridge) err(`bulkhead failsafe: bridge ${values.bridge} is not here and no ports are named: the rules apply to every bridge of this box`);
      const db = openDatabase(dbPath(values.db));
      try {
        const s = failsafe({ store: new PolicyStore(db), queue, by: values.by ?? 'bulkhead failsafe', ...(bridge ? { bridge } : {}), ...(ports ? { ports } : {}), ...(bypass ? { bypass } : {}), ...(values.clear ? { clear: true } : {}) });
        bypass?.close?.(values.clear === true);
        out(values.json ? JSON.stringify(s) : formatFailState(s));
        return 0;
      } finally {
        db.close();
      }
    }
    case 'backup': {
      const { values } = parse(command, rest, { out: { type: 'string' }, by: { type: 'string' }, config: { type: 'string' } });
      if (!values.out) throw new UsageError('bulkhead backup: name the new backup file with --out FILE');
      // The configuration goes in as it is on disk, once its schema has accepted it.
      const read = values.config ? readConfig(values.config) : undefined;
      const configuration = read ? { file: resolve(values.config!), text: read.text } : undefined;
      const db = openDatabase(values.db ?? (read ? configDb(read.config) : dbPath(undefined)));
      try {
        const r = await backup(db, values.out, values.by ?? process.env.USER ?? 'unknown', configuration);
        out(values.json ? JSON.stringify(r) : `backup written: ${r.file} (${r.bytes} bytes, ${r.policies} policy versions, ${r.auditEntries} audit entries${r.configuration ? `, configuration ${r.configuration}` : ''}), SHA-256 ${r.sha256} in ${r.file}.sha256`);
        return 0;
      } finally {
        db.close();
      }
    }
    case 'restore': {
      const { values, positionals } = parse(command, rest, { by: { type: 'string' }, check: { type: 'boolean' }, config: { type: 'string' } }, true);
      if (!positionals[0]) throw new UsageError('bulkhead restore: name the backup file');
      if (values.check) {
        const r = checkBackup(positionals[0]);
        out(values.json ? JSON.stringify({ ok: true, policies: r.policies, auditEntries: r.auditEntries, configuration: r.configuration?.file ?? null }) : `backup ${positionals[0]} is sound: checksum, integrity and audit chain verified (${r.policies} policy versions, ${r.auditEntries} audit entries)${r.configuration ? `; it carries the configuration ${r.configuration.file}, valid` : '; it carries no configuration'}`);
        return 0;
      }
      if (!values.by) throw new UsageError('bulkhead restore: say who restores with --by NAME');
      // With --config, the database is the one the configuration there names (the restored one must agree).
      const target = values.db ?? (values.config && existsSync(values.config) ? configDb(loadConfig(values.config)) : dbPath(undefined));
      const r = restore(positionals[0], target, values.by, values.config);
      out(
        values.json
          ? JSON.stringify(r)
          : `restored ${positionals[0]} into ${target} (${r.policies} policy versions, ${r.auditEntries} audit entries)${r.previous ? `; the previous database is kept as ${r.previous}` : ''}${r.configuration ? `; configuration written to ${r.configuration.file}${r.configuration.previous ? ` (the previous one kept as ${r.configuration.previous})` : ''}: run bulkhead config render and restart the services` : ''}`,
      );
      return 0;
    }
    case 'status': {
      const { values } = parse(command, rest, {});
      const db = openDatabase(dbPath(values.db));
      try {
        const s = gatewayStatus(new PolicyStore(db));
        out(values.json ? JSON.stringify(s) : formatStatus(s));
        return 0;
      } finally {
        db.close();
      }
    }
    case 'audit': {
      const { values } = parse(command, rest, { verify: { type: 'boolean' }, since: { type: 'string' }, limit: { type: 'string' }, format: { type: 'string' } });
      const format = values.format ?? 'text';
      if (format !== 'text' && format !== 'syslog' && format !== 'cef') throw new UsageError(`bulkhead audit: --format must be text, syslog or cef, got '${format}'`);
      const limit = positiveNumber(command, 'limit', values.limit);
      const db = openDatabase(dbPath(values.db));
      try {
        const audit = new PolicyStore(db).audit;
        if (values.verify) {
          const v = audit.verify();
          out(values.json ? JSON.stringify(v) : v.ok ? `audit log verified: ${v.entries} entries, chain intact` : `audit log BROKEN at entry ${v.broken!.id}: ${v.broken!.reason}`);
          return v.ok ? 0 : 3;
        }
        let since: number | undefined;
        if (values.since !== undefined) {
          since = parseSince(values.since, Date.now() / 1000);
          if (since === undefined) throw new UsageError(`bulkhead audit: --since must be like 7d, 24h, 90m or a date, got '${values.since}'`);
        }
        const entries = audit.list({ ...(since !== undefined ? { since } : {}), ...(limit !== undefined ? { limit: Math.floor(limit) } : {}) });
        out(values.json ? JSON.stringify(entries) : formatAudit(entries, format));
        return 0;
      } finally {
        db.close();
      }
    }
    case 'report': {
      const [kind, ...args] = rest;
      if (kind !== 'compliance') throw new UsageError(`bulkhead report: unknown report '${kind ?? ''}' (compliance)`);
      const { values } = parse('report compliance', args, { policy: { type: 'string' }, html: { type: 'boolean' }, out: { type: 'string' } });
      const db = openDatabase(dbPath(values.db));
      try {
        const report = complianceFor(db, values.policy);
        const text = values.json ? JSON.stringify(report) : values.html ? complianceHtml(report) : formatCompliance(report);
        if (values.out) writeFileSync(values.out, text);
        else out(text.trimEnd());
        return 0;
      } finally {
        db.close();
      }
    }
    case 'start': {
      const { values } = parse(command, rest, {
        bridge: { type: 'string' },
        ports: { type: 'string' },
        mode: { type: 'string' },
        queue: { type: 'string' },
        'watchdog-ms': { type: 'string' },
        'startup-ms': { type: 'string' },
        'bypass-driver': { type: 'string' },
        'on-stop': { type: 'string' },
        by: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        http: { type: 'boolean' },
        'no-console': { type: 'boolean' },
        config: { type: 'string' },
      });
      let retention: Required<NonNullable<ApplianceConfig['retention']>> = { ...RETENTION_DEFAULTS };
      let siem: SiemTarget[] = [];
      if (values.config) {
        // The appliance's file gives what the command line does not.
        const c = loadConfig(values.config);
        gatewayFromConfig(values, c);
        values.mode ??= c.gateway?.mode;
        values['watchdog-ms'] ??= c.gateway?.watchdogMs?.toString();
        // The appliance's service leaves each conduit in its fail state unless the file says otherwise.
        values['on-stop'] ??= c.gateway?.onStop ?? 'fail-state';
        retention = { ...RETENTION_DEFAULTS, ...c.retention };
        siem = c.siem ?? [];
      }
      if (values.bridge !== undefined) return startGateway(values, retention, siem);
      const stray = (['ports', 'mode', 'queue', 'watchdog-ms', 'startup-ms', 'bypass-driver', 'on-stop'] as const).find((k) => values[k] !== undefined);
      if (stray) throw new UsageError(`bulkhead start: --${stray} goes with --bridge (without it, start runs the demo plant)`);
      const port = consolePort('start', values.port);
      const files = demoCaptures();
      if (files.length === 0) throw new UsageError('bulkhead start: the bundled demo captures are missing (testbench/fixtures/demo)');
      const path = values.db ?? join(mkdtempSync(join(tmpdir(), 'bulkhead-demo-')), 'bulkhead.db');
      const db = openDatabase(path);
      const store = new LearnStore(db);
      try {
        const { report } = await learnPcaps(store, files);
        const derived = derive(store, new PolicyStore(db), { name: 'Demo plant' }, 'bulkhead start');
        if (values.json) {
          out(JSON.stringify({ db: path, report, assets: store.assets(), conversations: store.conversations(), policy: { version: derived.version, policy: derived.policy, findings: derived.findings } }));
          return 0;
        }
        out(`Bulkhead demo plant learned into ${path}\n`);
        out(formatLearnReport(report));
        out('\nAssets\n');
        out(formatAssets(store.assets<Asset>()));
        const rules = derived.policy.conduits.reduce((n, c) => n + c.rules.length, 0);
        out(`\nDraft policy (version ${derived.version}): ${derived.policy.zones.length} zones, ${derived.policy.conduits.length} conduits, ${rules} rules, ${derived.findings.filter((f) => f.severity !== 'info').length} lint warnings`);
        out(formatTable(['zone', 'SL-T', 'Purdue', 'members'], derived.policy.zones.map((z) => [`${z.id} (${z.name})`, String(z.securityLevel), String(z.purdueLevel ?? '-'), z.members.join(', ')])));
        out(`\nExplore further: bulkhead conversations --db ${path}; bulkhead policy show --db ${path}; bulkhead report compliance --db ${path}`);
        if (values['no-console']) return 0;
        // Enforcement needs root and a bridge: the demo console reviews and monitors, and says so.
        const { serveConsole } = await import('./cli/serve-console.js');
        const { app } = await serveConsole({ db, dbPath: path, host: values.host ?? '127.0.0.1', port, http: values.http === true, log: out });
        out('Ctrl-C stops the console.');
        await untilStopped();
        await app.close();
        return 0;
      } finally {
        db.close();
      }
    }
    default:
      throw new UsageError(`bulkhead: unknown command '${command}'`);
  }
}

// Output piped into `head` and closed early is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    if (exitAtOnce) process.exit(code);
  },
  (e: unknown) => {
    // By code, from the one registry: a usage error adds the manual (an internal one carries its stack).
    const err = toBulkheadError(e);
    process.stderr.write(err.code === 'BH_USAGE' ? `${err.message}\n${USAGE}` : `bulkhead: ${err.message}\n`);
    process.exitCode = err.exitStatus;
  },
);
