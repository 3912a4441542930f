// Console API latency on a big plant: 10,000 assets and 100,000 conversations learned into the
// store, then each route asked 200 times in a row; p50 and p95 per route against a route that
// does nothing (the floor of HTTP and session handling). Target: p95 under 50 ms. Also the UI's
// size as served (raw and gzip), and, where Chromium is installed, the dashboard's first
// meaningful paint (target: under 1.5 s).
//
//   npm run bench:console

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildConsole } from '../../src/console/server.js';
import { openDatabase } from '../../src/store/database.js';
import { derive } from '../../src/app/policy.js';
import { LearnStore } from '../../src/store/learn-store.js';
import { PolicyStore } from '../../src/store/policy-store.js';
import { UserStore } from '../../src/store/user-store.js';
import { writeSyntheticPlant } from '../lib/synthetic-plant.js';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli.js');
const UI = [join(import.meta.dirname, '..', '..', 'src', 'console', 'ui'), join(import.meta.dirname, '..', '..', '..', 'src', 'console', 'ui')];
const dir = mkdtempSync(join(tmpdir(), 'bulkhead-bench-console-'));
try {
  const plant = join(dir, 'plant.pcap');
  writeSyntheticPlant(plant, { servers: 9000, clients: 1000, serversPerClient: 100, requestsPerConversation: 2 });
  const path = join(dir, 'b.db');
  const t0 = Date.now();
  execFileSync(process.execPath, [CLI, 'learn', '--pcap', plant, '--db', path, '--json'], { maxBuffer: 1 << 24 });
  rmSync(plant);
  const db = openDatabase(path);
  const learn = new LearnStore(db);
  const totals = learn.totals();
  console.log(`store: ${totals.assets} assets, ${totals.conversations} conversations (learned in ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  const t1 = Date.now();
  derive(learn, new PolicyStore(db), {}, 'bench');
  console.log(`derived a policy in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  const users = new UserStore(db);
  users.create('operator1', 'admin', 'Bench-Password-1', 'bench');
  const { app } = await buildConsole(db);
  const login = await app.inject({ method: 'POST', url: '/api/login', payload: { name: 'operator1', password: 'Bench-Password-1' } });
  const cookie = String(login.headers['set-cookie']).split(';')[0]!;
  const routes = [
    '/api/setup',
    '/api/session',
    '/api/status',
    '/api/learning',
    '/api/assets?limit=100',
    '/api/assets?limit=100&offset=9000&sort=lastSeen&desc=true',
    '/api/assets?q=10.2.3&limit=100',
    '/api/assets?role=modbus_server&limit=100',
    '/api/conversations?limit=100',
    '/api/conversations?limit=100&offset=90000',
    '/api/conversations?ip=10.1.0.5&limit=100',
    '/api/policies',
    '/api/policies/1',
    '/api/events?limit=200',
    '/api/audit?limit=500',
  ];
  // A derived policy of this plant holds ~100,000 rules: its page is asked fewer times.
  const heavy = new Set(['/api/policies/1']);
  console.log('\nroute (200 requests each in a row, 20 for a whole policy)     p50 ms   p95 ms');
  let worst = 0;
  for (const url of routes) {
    const times: number[] = [];
    const n = heavy.has(url) ? 20 : 200;
    for (let i = 0; i < n; i++) {
      const t = process.hrtime.bigint();
      const r = await app.inject({ method: 'GET', url, headers: { cookie } });
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
    }
    times.sort((a, b) => a - b);
    const p95 = times[Math.floor(times.length * 0.95)]!;
    if (url !== '/api/setup') worst = Math.max(worst, p95);
    console.log(`${url.padEnd(60)} ${times[Math.floor(n / 2)]!.toFixed(2).padStart(6)}   ${p95.toFixed(2).padStart(6)}${url === '/api/setup' ? '   (floor: a route that reads one count)' : ''}`);
  }
  console.log(`worst p95: ${worst.toFixed(1)} ms (target: under 50 ms)`);
  await app.close();
  db.close();

  const ui = UI.find((d) => existsSync(join(d, 'index.html')))!;
  const built = join(import.meta.dirname, '..', '..', 'src', 'console', 'ui');
  const files = [...readdirSync(built).filter((f) => f.endsWith('.js')).map((f) => join(built, f)), join(ui, 'index.html'), join(ui, 'style.css')];
  const raw = files.reduce((n, f) => n + statSync(f).size, 0);
  const gz = files.reduce((n, f) => n + gzipSync(readFileSync(f)).length, 0);
  const js = files.filter((f) => f.endsWith('.js')).reduce((n, f) => n + statSync(f).size, 0);
  // The layout engine (elkjs) is the one third-party script: the zone map loads it, no other page.
  const elk = files.filter((f) => f.endsWith('elk.bundled.js'));
  const elkSize = elk.reduce((n, f) => n + statSync(f).size, 0);
  const elkGz = elk.reduce((n, f) => n + gzipSync(readFileSync(f)).length, 0);
  console.log(`\nUI as served: ${files.length} files, ${(raw / 1024).toFixed(1)} KiB (${(gz / 1024).toFixed(1)} KiB gzip), of which JavaScript ${(js / 1024).toFixed(1)} KiB; nothing from a CDN`);
  console.log(`  of which the zone map's layout engine (elk.bundled.js, loaded by the zone map only): ${(elkSize / 1024).toFixed(1)} KiB (${(elkGz / 1024).toFixed(1)} KiB gzip); the console's own code: ${((raw - elkSize) / 1024).toFixed(1)} KiB (${((gz - elkGz) / 1024).toFixed(1)} KiB gzip)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
