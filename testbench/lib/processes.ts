// Child processes of the testbench: waiting for what they announce, and the gateway itself.

import type { ChildProcess } from 'node:child_process';
import type { Lan } from '../plant/lan.js';
import { CLI } from '../../src/test-support/cli.js';

export { CLI };

/** Resolves when the process's stderr has matched `pattern`; rejects on exit or timeout. */
export function waitForLine(proc: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<void> {
  return waitFor(proc, 'stderr', pattern, timeoutMs);
}

/** The same on stdout (peers announce themselves there). */
export function waitForStdout(proc: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<void> {
  return waitFor(proc, 'stdout', pattern, timeoutMs);
}

function waitFor(proc: ChildProcess, stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no '${pattern}' within ${timeoutMs} ms; output: ${seen}`)), timeoutMs);
    proc[stream]!.on('data', (d: Buffer) => {
      seen += d.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once('exit', (code) => reject(new Error(`exited with ${code} before '${pattern}': ${seen}`)));
  });
}

/** `bulkhead enforce` on the LAN's bridge, resolved once it enforces. */
export async function startGateway(lan: Lan, policyFile: string, extra: string[] = []): Promise<ChildProcess> {
  const g = lan.spawnIn('switch', process.execPath, [CLI, 'enforce', '--policy', policyFile, ...extra]);
  await waitForLine(g, /enforcing policy/, 15_000);
  return g;
}

/** Asks a process to stop (SIGTERM) and waits until it has. */
export function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill('SIGTERM');
  return exited;
}
