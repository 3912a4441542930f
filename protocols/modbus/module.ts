// Modbus/TCP as the registry knows it: TCP port 502, MBAP framing, stateless decoding,
// identification from Read Device Identification (FC 43 / MEI 14) responses.

import type { Operation } from '../operation.js';
import { NO_CLAIMS, NO_TRANSACTION_KEY, type IdentityClaim, type ProtocolChannel, type ProtocolModule } from '../protocol.js';
import { fieldText } from '../identity-fields.js';
import { allowedCodeWords, codeWords, targetWords } from './words.js';
import { decodeModbus, frameModbus, looksLikeModbus, MODBUS_PORT } from './modbus.js';

const ENCAPSULATED_INTERFACE = 43;
const READ_DEVICE_IDENTIFICATION = 14;
const IDENTITY_FIELDS = ['vendorName', 'productCode', 'revision', 'vendorUrl', 'productName', 'modelName', 'userApplicationName'] as const;

/** Every ADU stands alone: one channel serves every connection. */
const CHANNEL: ProtocolChannel = { decode: (buf, off, len, fromClient) => decodeModbus(buf, off, len, fromClient ? 'request' : 'response'), release: () => undefined };

export const modbus: ProtocolModule = {
  name: 'modbus',
  title: 'Modbus',
  field: true,
  transport: 'tcp',
  ports: [MODBUS_PORT],
  defaultPort: MODBUS_PORT,
  // Eight bytes of MBAP are too easily matched by chance: only on a port where Modbus is expected.
  anyPort: false,
  probe: (buf, off, end) => looksLikeModbus(buf, off, end),
  frame: frameModbus,
  channel: () => CHANNEL,
  opener: () => undefined,
  transactionKey: (op) => op.transactionId ?? NO_TRANSACTION_KEY,
  describeCode: (op) => codeWords(op.codeName, op.code, op.subCodeName, op.subCode),
  describeAllowedCode: allowedCodeWords,
  describeTarget: (t) => (t.type === 'modbus' ? targetWords(t) : ''),
  identity(op: Operation): readonly IdentityClaim[] {
    const d = op.details;
    if (!d || op.code !== ENCAPSULATED_INTERFACE || op.subCode !== READ_DEVICE_IDENTIFICATION || op.direction !== 'response') return NO_CLAIMS;
    const fields: Record<string, string> = {};
    for (const k of IDENTITY_FIELDS) if (typeof d[k] === 'string') fields[k] = d[k];
    return [{ endpoint: 'server', slot: 'modbus', fields }];
  },
  gathersHistory: () => false,
  clientRole: 'modbus_client',
  serverRole: 'modbus_server',
  describeIdentity(slot, f) {
    if (slot !== 'modbus') return undefined;
    const text = (k: string) => fieldText(f, k);
    // "Schneider Electric Modicon M340 BMX P34 2020, revision v2.70": the name the plant knows, its part number, its firmware.
    const name = text('productName') ?? text('modelName');
    const code = text('productCode');
    const made = [text('vendorName'), name, code !== name && code].filter(Boolean).join(' ');
    const revision = text('revision');
    return [made, revision && `revision ${revision}`].filter(Boolean).join(', ') || undefined;
  },
  product(slot, f) {
    if (slot !== 'modbus') return undefined;
    const names = [f.productName, f.modelName].filter((v): v is string => typeof v === 'string');
    const models = typeof f.productCode === 'string' ? [f.productCode] : [];
    if (!names.length && !models.length) return undefined;
    return {
      source: 'Modbus device identification (MEI 14)',
      ...(typeof f.vendorName === 'string' ? { vendor: f.vendorName } : {}),
      names,
      models,
      ...(typeof f.revision === 'string' ? { version: f.revision, versionFrom: 'MajorMinorRevision' } : {}),
    };
  },
  role: (_op, isClient) => (isClient ? 'modbus_client' : 'modbus_server'),
};
