// Running the kernel's configuration tools (nft, iptables-restore). The engine uses the
// asynchronous form: a slow nft on a busy box must not stop it verdicting queued packets or
// sending its heartbeat (the supervisor kills an engine silent for its watchdog period). Probes
// at start and one-shot commands use the synchronous form.

import { spawn, spawnSync } from 'node:child_process';

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command with optional stdin; the result of either form. */
export type Runner = (cmd: string, args: string[], input?: string) => Ran | Promise<Ran>;
export type SyncRunner = (cmd: string, args: string[], input?: string) => Ran;

/** The tables nft prints can be large (a policy of 100,000 rules). */
const MAX_OUTPUT = 1 << 26;

export const run: SyncRunner = (cmd, args, input) => {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', maxBuffer: MAX_OUTPUT });
  return { status: r.error ? null : r.status, stdout: r.stdout ?? '', stderr: r.error ? r.error.message : (r.stderr ?? '') };
};

export const runAsync = (cmd: string, args: string[], input?: string): Promise<Ran> =>
  new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let failure: string | undefined;
    const take = (into: Buffer[]) => (b: Buffer) => {
      size += b.length;
      if (size > MAX_OUTPUT) {
        failure = `${cmd} printed more than ${MAX_OUTPUT} bytes`;
        child.kill();
      } else into.push(b);
    };
    child.stdout.on('data', take(out));
    child.stderr.on('data', take(err));
    child.on('error', (e) => (failure = e.message));
    // A command that exits before reading its input closes the pipe: its status says why.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
    child.on('close', (status) => {
      const stderr = Buffer.concat(err).toString('utf8');
      resolve({ status: failure ? null : status, stdout: Buffer.concat(out).toString('utf8'), stderr: failure ? `${failure}${stderr ? `: ${stderr}` : ''}` : stderr });
    });
  });
