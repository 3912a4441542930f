#!/usr/bin/env -S node --max-semi-space-size=4 --max-old-space-size=512
// The `bulkhead` command.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { decodeFiles, formatSummary } from './commands/decode.js';
import { formatLearnReport, formatProgress, learnInterface, learnPcaps, progressOf } from './commands/learn.js';
import { formatAssets, formatConversations } from './commands/inventory.js';
import { openDatabase, StoreError } from './store/database.js';
import { LearnStore } from './store/learn-store.js';
import { LiveCaptureError } from './capture/live-capture.js';
import type { Asset, Conversation } from './learn/model.js';

const USAGE = `usage: bulkhead <command> [options]

commands:
  decode FILE...          decode pcap/pcapng captures into Operations (JSON lines)
      --summary           counts per protocol, kind and code instead of records
  learn --pcap FILE...    learn captures into the baseline (in time order; resumes an interrupted import)
  learn --interface IF    learn live from an interface (mirror port or bridge) until Ctrl-C
      --filter BPF        capture filter (default: TCP, BACnet/IP ports, IP fragments, also VLAN-tagged)
      --seconds N         stop after N seconds
  learn --status          learning progress and convergence
      --quiet-hours N     hours without new behaviour that count as converged (default 72)
  assets                  the asset inventory
  conversations           the conversation baseline
      --ip ADDR           only conversations of this address
      --protocol P        only modbus, opcua or bacnet
  start                   learn the bundled demo plant into a fresh database and show what was learned

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

class UsageError extends Error {}

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

function dbPath(value: string | undefined): string {
  return value ?? process.env.BULKHEAD_DB ?? 'bulkhead.db';
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
        { pcap: { type: 'boolean' }, interface: { type: 'string' }, filter: { type: 'string' }, seconds: { type: 'string' }, status: { type: 'boolean' }, 'quiet-hours': { type: 'string' } },
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
        const report = await learnInterface(store, values.interface!, values.filter, { ...(seconds ? { seconds } : {}), signal: abort.signal }, values.json ? () => {} : err);
        out(values.json ? JSON.stringify(report) : formatLearnReport(report));
        return 0;
      } finally {
        store.db.close();
      }
    }
    case 'assets':
    case 'conversations': {
      const { values } = parse(command, rest, { ip: { type: 'string' }, protocol: { type: 'string' } });
      if (values.protocol && !['modbus', 'opcua', 'bacnet'].includes(values.protocol)) throw new UsageError(`bulkhead ${command}: --protocol must be modbus, opcua or bacnet, got '${values.protocol}'`);
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
    case 'start': {
      const { values } = parse(command, rest, {});
      const files = demoCaptures();
      if (files.length === 0) throw new UsageError('bulkhead start: the bundled demo captures are missing (testbench/fixtures/demo)');
      const path = values.db ?? join(mkdtempSync(join(tmpdir(), 'bulkhead-demo-')), 'bulkhead.db');
      const store = new LearnStore(openDatabase(path));
      try {
        const { report } = await learnPcaps(store, files);
        if (values.json) {
          out(JSON.stringify({ db: path, report, assets: store.assets(), conversations: store.conversations() }));
          return 0;
        }
        out(`Bulkhead demo plant learned into ${path}\n`);
        out(formatLearnReport(report));
        out('\nAssets\n');
        out(formatAssets(store.assets<Asset>()));
        out(`\nExplore further: bulkhead conversations --db ${path}`);
        return 0;
      } finally {
        store.db.close();
      }
    }
    default:
      throw new UsageError(`bulkhead: unknown command '${command}'`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n${USAGE}`);
      process.exitCode = 1;
    } else if (e instanceof StoreError || e instanceof LiveCaptureError) {
      process.stderr.write(`bulkhead: ${e.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`bulkhead: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 70;
    }
  },
);
