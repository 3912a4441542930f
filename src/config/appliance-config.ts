// The appliance's configuration file (/etc/bulkhead/bulkhead.yaml): where the data lives, which
// bridge the gateway guards and its plant ports, the management interface the console listens on
// (and only there, SR 7.7), how the gateway runs and stops, how long logs and events are kept,
// time sources, and SIEM targets. Validated by one JSON Schema at start: an unknown key or a bad
// value is refused with its path, never silently replaced by a default.

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parseDocument } from 'yaml';
import { describeSchemaError } from '../policy/document.js';
import { BulkheadError } from '../errors.js';
import { GATEWAY_MODES, type GatewayMode } from '../store/records.js';

export interface SiemTarget {
  address: string;
  port?: number;
  transport?: 'udp' | 'tcp';
  format?: 'syslog' | 'cef';
}

export interface ApplianceConfig {
  bulkheadConfig: 1;
  /** The database, the console's certificate and backups live here. */
  dataDir: string;
  /** The bridge and, for the appliance's network setup, the plant ports it joins. */
  bridge: { name: string; ports?: string[] };
  /** The console listens on this address only (the management port, not the plant ports). */
  management: { address: string; port?: number; interface?: string; prefixLength?: number; gateway?: string; dns?: string[] };
  gateway?: { mode?: GatewayMode; watchdogMs?: number; queue?: number; queues?: number; bypassDriver?: string; onStop?: 'fail-state' | 'remove' };
  retention?: { eventsDays?: number; journalMaxMB?: number; storageWarnPercent?: number };
  ntp?: { servers: string[] };
  siem?: SiemTarget[];
}

/** What an absent retention key means (the shipped file spells them out). */
export const RETENTION_DEFAULTS = { eventsDays: 90, journalMaxMB: 200, storageWarnPercent: 80 } as const;

const ifname = { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,15}$' } as const;
const ip = { type: 'string', format: 'ip-address', maxLength: 45 } as const;
const port = { type: 'integer', minimum: 1, maximum: 65535 } as const;

export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['bulkheadConfig', 'dataDir', 'bridge', 'management'],
  properties: {
    bulkheadConfig: { const: 1 },
    dataDir: { type: 'string', pattern: '^/', maxLength: 1024 },
    bridge: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: { name: ifname, ports: { type: 'array', items: ifname, minItems: 1, maxItems: 16, uniqueItems: true } },
    },
    management: {
      type: 'object',
      additionalProperties: false,
      required: ['address'],
      properties: {
        address: ip,
        port: port,
        interface: ifname,
        prefixLength: { type: 'integer', minimum: 1, maximum: 128 },
        gateway: ip,
        dns: { type: 'array', items: ip, maxItems: 4 },
      },
      // The network setup needs the prefix to configure the interface.
      dependencies: { interface: ['prefixLength'] },
    },
    gateway: {
      type: 'object',
      additionalProperties: false,
      properties: {
        mode: { enum: [...GATEWAY_MODES] },
        watchdogMs: { type: 'integer', minimum: 250, maximum: 60000 },
        queue: { type: 'integer', minimum: 0, maximum: 65535 },
        // At most enforce/inspection-pool.ts MAX_QUEUES (the command line says so too).
        queues: { type: 'integer', minimum: 1, maximum: 16 },
        bypassDriver: { type: 'string', pattern: '^(simulated|gpio|sysfs|watchdog):', maxLength: 300 },
        onStop: { enum: ['fail-state', 'remove'] },
      },
    },
    retention: {
      type: 'object',
      additionalProperties: false,
      properties: {
        eventsDays: { type: 'integer', minimum: 1, maximum: 3650 },
        journalMaxMB: { type: 'integer', minimum: 16, maximum: 65536 },
        storageWarnPercent: { type: 'integer', minimum: 50, maximum: 99 },
      },
    },
    ntp: {
      type: 'object',
      additionalProperties: false,
      required: ['servers'],
      properties: { servers: { type: 'array', minItems: 1, maxItems: 8, items: { type: 'string', pattern: '^[A-Za-z0-9.:-]{1,253}$' } } },
    },
    siem: {
      type: 'array',
      maxItems: 8,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['address'],
        properties: { address: ip, port: port, transport: { enum: ['udp', 'tcp'] }, format: { enum: ['syslog', 'cef'] } },
      },
    },
  },
} as const;

// Compiled on first use, not at load: only the commands given --config read the file.
let validate: ValidateFunction<ApplianceConfig> | undefined;
function validator(): ValidateFunction<ApplianceConfig> {
  if (validate) return validate;
  const ajv = new Ajv({ allErrors: true, strict: true });
  // An IPv4 or IPv6 address, as the operating system reads one.
  ajv.addFormat('ip-address', (text: string) => isIP(text) !== 0);
  return (validate = ajv.compile<ApplianceConfig>(CONFIG_SCHEMA));
}

export class ConfigError extends BulkheadError {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super('BH_CONFIG_INVALID', `${file}: ${problems.length === 1 ? problems[0] : `${problems.length} problems:\n  ${problems.join('\n  ')}`}`);
    this.name = 'ConfigError';
  }
}

export function parseConfig(text: string, file: string): ApplianceConfig {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length) throw new ConfigError(file, doc.errors.map((e) => e.message.split('\n')[0]!));
  const value: unknown = doc.toJS({ maxAliasCount: 10 });
  const valid = validator();
  if (!valid(value)) throw new ConfigError(file, (valid.errors ?? []).map(describeSchemaError));
  return value;
}

/** Reads and checks a configuration file; its text as it is on disk comes with it. */
export function readConfig(file: string): { config: ApplianceConfig; text: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read: ${(err as Error).message}`]);
  }
  return { config: parseConfig(text, file), text };
}

export function loadConfig(file: string): ApplianceConfig {
  return readConfig(file).config;
}

/** The database of a configured appliance. */
export function configDb(c: ApplianceConfig): string {
  return join(c.dataDir, 'bulkhead.db');
}

/** The gateway's fleet membership and leaf node store (bulkhead fleet join writes it). */
export function fleetDir(c: ApplianceConfig): string {
  return join(c.dataDir, 'fleet');
}
