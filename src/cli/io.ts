// What every command of the `bulkhead` command line shares: its output, the usage error, the
// database option, the options that take numbers and names, and stopping on a signal.

import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { bypassDriver, type BypassDriver } from '../enforce/bypass-driver.js';
import { defaultQueueCount, MAX_QUEUES } from '../enforce/inspection-pool.js';
import { configDb, type ApplianceConfig } from '../config/appliance-config.js';
import { BulkheadError } from '../errors.js';
import { openDatabase, type Db } from '../store/database.js';
import type { OnStop } from '../gateway/engine.js';

export class UsageError extends BulkheadError {
  constructor(message: string) {
    super('BH_USAGE', message);
    this.name = 'UsageError';
  }
}

/** Where a command writes: results on standard output, progress and warnings on standard error. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** The command holds native bindings that must not be torn down with the runtime: exit at once when done. */
  exitAtOnce(): void;
}

/** The options every command takes. */
export interface Common {
  db?: string;
  json?: boolean;
}

/**
 * A subcommand's options with its parent's. A parent that takes `--db` and `--json` too
 * (`advisories`, `risk`) keeps those given before the subcommand's name (the command line's
 * options are positional): `bulkhead risk --db x confirm ...` must not fall back to the default
 * database.
 */
export const withParents = <T extends Common>(c: Command): T => c.optsWithGlobals<T>();

/** Adds the options every command takes. */
export function common(c: Command): Command {
  return c.option('--db <path>', 'database (default: $BULKHEAD_DB, else ./bulkhead.db)').option('--json', 'machine-readable output');
}

export function dbPath(value: string | undefined): string {
  return value ?? process.env.BULKHEAD_DB ?? 'bulkhead.db';
}

/** Runs `f` on the command's database, closed afterwards whatever happens. */
export async function withDb<T>(path: string | undefined, f: (db: Db) => T | Promise<T>): Promise<T> {
  const db = openDatabase(dbPath(path));
  try {
    return await f(db);
  } finally {
    db.close();
  }
}

/** Who acts, for the audit log: --by, else the login name. */
export function actor(by: string | undefined): string {
  return by ?? process.env.USER ?? 'unknown';
}

export function positiveNumber(command: string, name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`bulkhead ${command}: --${name} must be a positive number, got '${value}'`);
  return n;
}

/** A TCP port option, `fallback` when absent; `lowest` 0 where any free port will do. */
export function portOption(command: string, name: string, value: string | undefined, fallback: number, lowest = 1): number {
  const port = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(port) || port < lowest || port > 65535) throw new UsageError(`bulkhead ${command}: --${name} must be ${lowest}-65535, got '${value}'`);
  return port;
}

export const consolePort = (command: string, value: string | undefined, name = 'port'): number => portOption(command, name, value, 8443, 0);

export function queueNumber(command: string, value: string | undefined): number {
  const queue = value === undefined ? 0 : Number(value);
  if (!Number.isInteger(queue) || queue < 0 || queue > 65535) throw new UsageError(`bulkhead ${command}: --queue must be 0-65535, got '${value}'`);
  return queue;
}

/** How many inspection queues from `first`, a worker thread each: by default one per core (at most 4). */
export function queueCount(command: string, value: string | undefined, first: number): number {
  const count = value === undefined ? defaultQueueCount() : Number(value);
  if (!Number.isInteger(count) || count < 1 || count > MAX_QUEUES) throw new UsageError(`bulkhead ${command}: --queues must be 1-${MAX_QUEUES}, got '${value}'`);
  if (first + count - 1 > 65535) throw new UsageError(`bulkhead ${command}: --queues ${count} from queue ${first} goes past queue 65535`);
  return count;
}

/** The gateway's bridge must exist and be a bridge: a typo must not leave the plant unprotected. */
export function bridgeCheck(command: string, name: string): void {
  if (!/^[\w.-]{1,15}$/.test(name)) throw new UsageError(`bulkhead ${command}: --bridge '${name}' is not an interface name`);
  if (!existsSync(`/sys/class/net/${name}`)) throw new UsageError(`bulkhead ${command}: --bridge ${name}: no such interface in this network namespace`);
  if (!existsSync(`/sys/class/net/${name}/bridge`)) throw new UsageError(`bulkhead ${command}: --bridge ${name} is not a bridge (ip link add ${name} type bridge; ip link set PORT master ${name})`);
}

/** `--ports eth1,eth2`: the bridge's plant ports by name (they need not exist yet). */
export function portsOption(command: string, value: string | undefined, bridge: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  if (bridge === undefined) throw new UsageError(`bulkhead ${command}: --ports goes with --bridge`);
  const ports = value.split(',').map((p) => p.trim());
  const bad = ports.find((p) => !/^[\w.-]{1,15}$/.test(p));
  if (bad !== undefined) throw new UsageError(`bulkhead ${command}: --ports: '${bad}' is not an interface name (a comma-separated list, e.g. eth1,eth2)`);
  return ports;
}

export function onStopOption(command: string, value: string | undefined): OnStop {
  if (value === undefined || value === 'remove' || value === 'fail-state') return value ?? 'remove';
  throw new UsageError(`bulkhead ${command}: --on-stop must be remove or fail-state, got '${value}'`);
}

export function relayDriver(command: string, spec: string | undefined): BypassDriver | undefined {
  try {
    return spec ? bypassDriver(spec) : undefined;
  } catch (e) {
    throw new UsageError(`bulkhead ${command}: ${(e as Error).message}`);
  }
}

/** The gateway's options as the commands that run it take them. */
export interface GatewayValues extends Common {
  bridge?: string;
  ports?: string;
  queue?: string;
  queues?: string;
  bypassDriver?: string;
}

/** What the gateway's commands take from the appliance's configuration file where the command line is silent. */
export function gatewayFromConfig(values: GatewayValues, c: ApplianceConfig): void {
  values.db ??= configDb(c);
  values.bridge ??= c.bridge.name;
  if (c.bridge.ports) values.ports ??= c.bridge.ports.join(',');
  values.queue ??= c.gateway?.queue?.toString();
  values.queues ??= c.gateway?.queues?.toString();
  values.bypassDriver ??= c.gateway?.bypassDriver;
}

/** An abort raised by SIGINT or SIGTERM (and, with `seconds`, by the clock), or by its owner. */
export function stopOnSignals(seconds?: number): AbortController {
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (seconds) setTimeout(stop, seconds * 1000);
  return abort;
}

/** Resolves when `signal` is raised. */
export function until(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** A command that only groups others (policy, report, config): called alone or with an unknown one, it says which there are. */
export function group(c: Command): Command {
  return c
    .argument('[what]')
    .allowUnknownOption()
    .allowExcessArguments()
    .action((what: string | undefined) => {
      const subs = c.commands.map((s) => s.name()).join(', ');
      throw new UsageError(`bulkhead ${c.name()}: ${what && !what.startsWith('-') ? `unknown subcommand '${what}'` : 'name what to do'} (${subs})`);
    });
}
