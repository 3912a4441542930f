// The appliance's configuration file (/etc/bulkhead/bulkhead.yaml): where the data lives, which
// bridge the gateway guards, where the console listens (the management interface only, SR 7.7),
// and how the gateway runs. Validated by one JSON Schema at start: an unknown key or a bad value
// is refused with its path, never silently replaced by a default.

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parseDocument } from 'yaml';
import { describeSchemaError } from '../policy/document.js';

export interface ApplianceConfig {
  bulkheadConfig: 1;
  /** The database, the console's certificate and backups live here. */
  dataDir: string;
  bridge: { name: string };
  /** The console listens on this address only (the management port, not the plant ports). */
  management: { address: string; port?: number };
  gateway?: { mode?: 'learn' | 'enforce' | 'bypass'; watchdogMs?: number; queue?: number; bypassDriver?: string };
}

const ifname = { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,15}$' } as const;

export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['bulkheadConfig', 'dataDir', 'bridge', 'management'],
  properties: {
    bulkheadConfig: { const: 1 },
    dataDir: { type: 'string', pattern: '^/', maxLength: 1024 },
    bridge: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: ifname } },
    management: {
      type: 'object',
      additionalProperties: false,
      required: ['address'],
      properties: { address: { type: 'string', format: 'ip-address', maxLength: 45 }, port: { type: 'integer', minimum: 1, maximum: 65535 } },
    },
    gateway: {
      type: 'object',
      additionalProperties: false,
      properties: {
        mode: { enum: ['learn', 'enforce', 'bypass'] },
        watchdogMs: { type: 'integer', minimum: 250, maximum: 60000 },
        queue: { type: 'integer', minimum: 0, maximum: 65535 },
        bypassDriver: { type: 'string', pattern: '^(simulated|gpio|sysfs):', maxLength: 300 },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true });
// An IPv4 or IPv6 address, as the operating system reads one.
ajv.addFormat('ip-address', (text: string) => isIP(text) !== 0);
const validate = ajv.compile<ApplianceConfig>(CONFIG_SCHEMA);

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.length === 1 ? problems[0] : `${problems.length} problems:\n  ${problems.join('\n  ')}`}`);
    this.name = 'ConfigError';
  }
}

export function parseConfig(text: string, file: string): ApplianceConfig {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length) throw new ConfigError(file, doc.errors.map((e) => e.message.split('\n')[0]!));
  const value: unknown = doc.toJS({ maxAliasCount: 10 });
  if (!validate(value)) throw new ConfigError(file, (validate.errors ?? []).map(describeSchemaError));
  return value;
}

export function loadConfig(file: string): ApplianceConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read: ${(err as Error).message}`]);
  }
  return parseConfig(text, file);
}

/** The database of a configured appliance. */
export function configDb(c: ApplianceConfig): string {
  return join(c.dataDir, 'bulkhead.db');
}
