// tcpdump on the loopback interface for the duration of a test: real packets from real peers.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Why loopback capture cannot run here, or undefined when it can. */
export function loopbackCaptureUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'capturing on loopback needs root';
  if (spawnSync('tcpdump', ['--version'], { stdio: 'ignore' }).status !== 0) return 'tcpdump is not installed (apt-get install tcpdump)';
  return undefined;
}

export interface LoopbackCapture {
  path: string;
  stop(): Promise<string>;
}

export async function startLoopbackCapture(filter: string): Promise<LoopbackCapture> {
  const path = join(mkdtempSync(join(tmpdir(), 'bulkhead-cap-')), 'capture.pcap');
  const proc: ChildProcess = spawn('tcpdump', ['-i', 'lo', '--immediate-mode', '-U', '-n', '-s', '0', '-w', path, filter], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${stderr}`)), 10_000);
    proc.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tcpdump exited with ${code}: ${stderr}`));
    });
  });
  return {
    path,
    stop: async () => {
      // Let the last packets reach the file before stopping.
      await new Promise((r) => setTimeout(r, 300));
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGINT');
      await exited;
      return path;
    },
  };
}
