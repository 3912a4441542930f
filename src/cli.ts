#!/usr/bin/env node
// The `bulkhead` command.

import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { readdirSync } from 'node:fs';
import { decodeFiles, formatSummary } from './commands/decode.js';

const USAGE = `usage: bulkhead <command> [options]

commands:
  decode FILE...      decode pcap/pcapng captures into Operations (JSON lines)
      --summary       counts per protocol, kind and code instead of records
      --json          with --summary: the counts as JSON
  start               decode the bundled demo plant capture and print its summary
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

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command ? 0 : 1;
  }
  const out = (line: string) => process.stdout.write(line + '\n');
  switch (command) {
    case 'decode':
    case 'start': {
      let parsed;
      try {
        parsed = parseArgs({ args: rest, allowPositionals: true, options: { summary: { type: 'boolean' }, json: { type: 'boolean' } } });
      } catch (err) {
        process.stderr.write(`bulkhead ${command}: ${(err as Error).message}\n${USAGE}`);
        return 1;
      }
      const files = command === 'start' ? demoCaptures() : parsed.positionals;
      if (files.length === 0) {
        process.stderr.write(command === 'start' ? 'bulkhead start: the bundled demo captures are missing (testbench/fixtures/demo)\n' : `bulkhead decode: name at least one capture file\n${USAGE}`);
        return 1;
      }
      const summary = command === 'start' || parsed.values.summary === true;
      const { summary: s, failed } = await decodeFiles(files, { summary, json: parsed.values.json === true, write: out });
      if (summary) out(parsed.values.json ? JSON.stringify(s) : formatSummary(s));
      return failed ? 2 : 0;
    }
    default:
      process.stderr.write(`bulkhead: unknown command '${command}'\n${USAGE}`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bulkhead: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 70;
  },
);
