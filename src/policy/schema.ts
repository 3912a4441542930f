// JSON Schema of the policy document: the one definition the YAML loader, the API and the
// console validate against. Unknown keys are errors, so a typo never silently widens a rule.

import { PROTOCOLS } from '../../protocols/registry.js';

const id = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' } as const;
const securityLevel = { type: 'integer', minimum: 0, maximum: 4 } as const;
const failMode = { enum: ['open', 'closed'] } as const;
const range = { type: 'array', items: { type: 'integer', minimum: 0 }, minItems: 2, maxItems: 2 } as const;
const kinds = { enum: ['read', 'write', 'control', 'program', 'diagnostic', 'discovery', 'session', 'unknown'] } as const;

const hostSelector = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    zone: id,
    hosts: { type: 'array', minItems: 1, maxItems: 4096, items: { type: 'string', minLength: 2, maxLength: 64 } },
    broadcast: { type: 'boolean' },
  },
} as const;

const allowance = {
  type: 'object',
  additionalProperties: false,
  properties: {
    kinds: { type: 'array', minItems: 1, uniqueItems: true, items: kinds },
    codes: { type: 'array', minItems: 1, maxItems: 4096, uniqueItems: true, items: { type: 'integer', minimum: 0 } },
    subCodes: { type: 'array', minItems: 1, maxItems: 256, uniqueItems: true, items: { type: 'integer', minimum: 0 } },
    modbus: {
      type: 'array',
      minItems: 1,
      maxItems: 1024,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['unit'],
        properties: {
          unit: { type: 'integer', minimum: 0, maximum: 255 },
          table: { enum: ['coils', 'discrete_inputs', 'holding_registers', 'input_registers', 'file_records', 'fifo'] },
          ranges: { type: 'array', minItems: 1, maxItems: 1024, items: range },
        },
      },
    },
    bacnet: {
      type: 'array',
      minItems: 1,
      maxItems: 4096,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['objectType'],
        properties: {
          objectType: { type: 'integer', minimum: 0, maximum: 1023 },
          instances: { type: 'array', minItems: 1, maxItems: 1024, items: range },
          properties: { type: 'array', minItems: 1, maxItems: 1024, items: { type: 'string', minLength: 1, maxLength: 64 } },
        },
      },
    },
    opcua: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        nodes: { type: 'array', minItems: 1, maxItems: 16384, items: { type: 'string', minLength: 1, maxLength: 512 } },
        namespaces: { type: 'array', minItems: 1, items: { type: 'integer', minimum: 0, maximum: 65535 } },
      },
    },
  },
} as const;

const rule = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'protocol', 'client', 'server'],
  properties: {
    id,
    action: { enum: ['allow', 'deny'] },
    protocol: { enum: PROTOCOLS.map((m) => m.name) },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    client: hostSelector,
    server: hostSelector,
    allow: { type: 'array', minItems: 1, maxItems: 1024, items: allowance },
    ratePerSecond: { type: 'number', exclusiveMinimum: 0 },
    comment: { type: 'string', maxLength: 4096 },
    evidence: {
      type: 'object',
      additionalProperties: false,
      required: ['conversations', 'transactions'],
      properties: {
        conversations: { type: 'array', items: { type: 'string', maxLength: 256 } },
        transactions: { type: 'integer', minimum: 0 },
        firstSeen: { type: 'number' },
        lastSeen: { type: 'number' },
        events: { type: 'array', maxItems: 64, items: { type: 'integer', minimum: 1 } },
        alerts: { type: 'array', maxItems: 64, items: { type: 'integer', minimum: 1 } },
      },
    },
  },
} as const;

export const POLICY_SCHEMA = {
  $id: 'https://bulkhead.invalid/schemas/policy-1.json',
  title: 'Bulkhead zone-and-conduit policy',
  type: 'object',
  additionalProperties: false,
  required: ['bulkheadPolicy', 'name', 'defaultAction', 'zones', 'conduits'],
  properties: {
    bulkheadPolicy: { const: 1 },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    description: { type: 'string', maxLength: 8192 },
    defaultAction: { enum: ['deny', 'allow'] },
    zones: {
      type: 'array',
      maxItems: 1024,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'name', 'securityLevel', 'members'],
        properties: {
          id,
          name: { type: 'string', minLength: 1, maxLength: 200 },
          description: { type: 'string', maxLength: 8192 },
          owner: { type: 'string', maxLength: 200 },
          securityLevel,
          purdueLevel: { type: 'number', minimum: 0, maximum: 5 },
          safety: { type: 'boolean' },
          failMode,
          members: { type: 'array', maxItems: 65536, items: { type: 'string', minLength: 2, maxLength: 64 } },
          vlans: { type: 'array', minItems: 1, maxItems: 4094, uniqueItems: true, items: { type: 'integer', minimum: 1, maximum: 4094 } },
          assumptions: { type: 'string', maxLength: 8192 },
        },
      },
    },
    conduits: {
      type: 'array',
      maxItems: 4096,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'name', 'zones', 'rules'],
        properties: {
          id,
          name: { type: 'string', minLength: 1, maxLength: 200 },
          description: { type: 'string', maxLength: 8192 },
          zones: { type: 'array', items: id, minItems: 2, maxItems: 2 },
          securityLevel,
          failMode,
          onDeny: { enum: ['drop', 'reset'] },
          latencyBudgetMs: { type: 'number', exclusiveMinimum: 0, maximum: 10000 },
          rules: { type: 'array', maxItems: 100000, items: rule },
        },
      },
    },
    link: {
      type: 'object',
      additionalProperties: false,
      properties: {
        etherTypes: { type: 'array', maxItems: 256, uniqueItems: true, items: { type: 'string', pattern: '^([a-z][a-z0-9-]{1,31}|0x[0-9A-Fa-f]{4})$' } },
        bindings: {
          type: 'array',
          maxItems: 65536,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['ip', 'mac'],
            properties: {
              ip: { type: 'string', minLength: 2, maxLength: 64 },
              mac: { type: 'string', pattern: '^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$' },
              name: { type: 'string', maxLength: 200 },
            },
          },
        },
      },
    },
  },
} as const;
