// `bulkhead demo` (what `npm start` runs) as a child process, for the browser tests that drive
// its console and take the user guide's screenshots: the built command on a free port, with
// the console's address and its one-time setup token read from what it prints.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { CLI } from '../../src/test-support/cli.js';
import { consoleAsAdmin, launchChromium } from './console-browser.js';

export interface DemoConsole {
  url: string;
  token: string;
  /** The demo's database, for the test's own look at what the console changed. */
  db: string;
  /** From the start of the command to the console answering (seconds). */
  seconds: number;
  stop(): Promise<void>;
}

/** Why the demo cannot run here (the command or its generator is not built), or undefined. */
export function demoUnavailable(): string | undefined {
  if (!existsSync(CLI)) return 'the command is not built (npm run build)';
  if (!existsSync(join(CLI, '..', '..', 'testbench', 'demo', 'generate.js'))) return "the demo plant's generator is not built (npm run build)";
  return undefined;
}

/** Generating and learning three days of plant take about a minute on a loaded 2-core machine. */
const START_TIMEOUT_MS = 240_000;

/** Starts `bulkhead demo --port 0` (and `args`) with its database in a fresh directory; resolves once its console listens. */
export function startDemo(args: string[] = []): Promise<DemoConsole> {
  const dir = mkdtempSync(join(tmpdir(), 'bulkhead-demo-console-'));
  const db = join(dir, 'bulkhead.db');
  const t0 = performance.now();
  const proc = spawn(process.execPath, [CLI, 'demo', '--db', db, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = () => stopProcess(proc).finally(() => rmSync(dir, { recursive: true, force: true }));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(new Error(`bulkhead demo: no console within ${START_TIMEOUT_MS} ms; output: ${out}${err}`)), START_TIMEOUT_MS);
    const fail = (e: Error) => {
      clearTimeout(timer);
      void stop().then(() => reject(e));
    };
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /console: (\S+)/.exec(out)?.[1];
      const token = /setup token:\s+(\S+)/.exec(out)?.[1];
      if (!url || !token) return;
      clearTimeout(timer);
      proc.stdout.removeAllListeners('data');
      resolve({ url, token, db, seconds: (performance.now() - t0) / 1000, stop });
    });
    proc.once('exit', (code) => fail(new Error(`bulkhead demo exited with ${code} before its console listened: ${out}${err}`)));
  });
}

/** The demo (with `args`) and its console in Chromium, logged in as the first administrator; `stop` ends both. */
export async function demoInChromium(args: string[] = []): Promise<{ demo: DemoConsole; page: Page; stop: () => Promise<void> }> {
  const demo = await startDemo(args);
  const browser = await launchChromium().catch(async (err: Error) => {
    await demo.stop();
    throw err;
  });
  const stop = async () => {
    await browser.close();
    await demo.stop();
  };
  try {
    return { demo, page: await consoleAsAdmin(browser, demo.url, demo.token), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
  });
}
