#!/usr/bin/env -S node --max-semi-space-size=4 --max-old-space-size=512
// The `bulkhead` command: its commands are src/cli/commands/, declared to commander in src/cli/program.ts.

import { describeFailure, runCli } from './cli/program.js';

let exitAtOnce = false;
const io = {
  out: (line: string) => void process.stdout.write(line + '\n'),
  err: (line: string) => void process.stderr.write(line + '\n'),
  exitAtOnce: () => void (exitAtOnce = true),
};

// Output piped into `head` and closed early is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

runCli(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
    if (exitAtOnce) process.exit(code);
  },
  (e: unknown) => {
    const f = describeFailure(e);
    process.stderr.write(`${f.message}\n`);
    process.exitCode = f.exitStatus;
  },
);
