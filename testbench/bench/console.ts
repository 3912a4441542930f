// Console API latency as the plant grows: plants of 1,000, 10,000 and 50,000 assets (10,000,
// 100,000 and 100,000 conversations; 50,000 is learning's default asset limit) learned into the
// store and a policy derived from each; then each route asked 200 times in a row (20 for the
// policy's first view), p50 and p95 per route, beside a route that reads one count (the floor of
// HTTP and session handling). The first answer of a page of rules (the whole policy read) and of
// the lint in context (every conversation read) is timed apart: later ones are kept. Targets: p95
// under 50 ms; the policy's first view (~100,000 rules) under 200 ms. Also the UI's size as
// served (raw and gzip).
//
//   npm run bench:console [-- --json]

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { buildConsole } from '../../src/console/server.js';
import { openDatabase } from '../../src/store/database.js';
import { derive } from '../../src/app/policy.js';
import { LearnStore } from '../../src/store/learn-store.js';
import { PolicyStore } from '../../src/store/policy-store.js';
import { UserStore } from '../../src/store/user-store.js';
import { printCurves, type Curve } from '../lib/curve.js';
import { writeSyntheticPlant, type SyntheticPlant } from '../lib/synthetic-plant.js';

const { values } = parseArgs({ options: { json: { type: 'boolean' } } });
const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli.js');
const UI = [join(import.meta.dirname, '..', '..', 'src', 'console', 'ui'), join(import.meta.dirname, '..', '..', '..', 'src', 'console', 'ui')];
const PLANTS: SyntheticPlant[] = [
  { servers: 900, clients: 100, serversPerClient: 100, requestsPerConversation: 2 },
  { servers: 9000, clients: 1000, serversPerClient: 100, requestsPerConversation: 2 },
  { servers: 40_000, clients: 10_000, serversPerClient: 10, requestsPerConversation: 2 },
];
/** The floor route, and the policy's first view (asked fewer times: a derived policy holds up to ~100,000 rules). */
const FLOOR = 'setup';
const HEAVY = 'policy';
/** Routes whose first answer reads the whole policy or baseline and is kept: timed once, cold, before their p50/p95. */
const FIRST = ['rules page', 'lint'];

/** The routes asked, by a short name, for a plant of `assets` assets and `conversations` conversations. */
function routes(assets: number, conversations: number, conduit: string): Record<string, string> {
  return {
    setup: '/api/setup',
    session: '/api/session',
    status: '/api/status',
    learning: '/api/learning',
    assets: '/api/assets?limit=100',
    'assets, deep page by last seen': `/api/assets?limit=100&offset=${Math.floor(assets * 0.9)}&sort=lastSeen&desc=true`,
    'assets, search': '/api/assets?q=10.2.3&limit=100',
    'assets, by role': '/api/assets?role=modbus_server&limit=100',
    conversations: '/api/conversations?limit=100',
    'conversations, deep page': `/api/conversations?limit=100&offset=${Math.floor(conversations * 0.9)}`,
    'conversations, of one host': '/api/conversations?ip=10.1.0.5&limit=100',
    policies: '/api/policies',
    policy: '/api/policies/1',
    'rules page': `/api/policies/1/conduits/${conduit}/rules?offset=100`,
    'rules naming an address': `/api/policies/1/conduits/${conduit}/rules?q=10.1.0.5`,
    lint: '/api/policies/1/lint',
    events: '/api/events?limit=200',
    audit: '/api/audit?limit=500',
  };
}

interface PlantFigures {
  assets: number;
  conversations: number;
  rules: number;
  /** Route name -> [p50, p95] ms. */
  routes: Record<string, [number, number]>;
  /** Route name -> its first answer, ms (FIRST). */
  first: Record<string, number>;
}

/** Learns the plant, derives its policy, and times every route. */
async function measurePlant(dir: string, plant: SyntheticPlant, index: number): Promise<PlantFigures> {
  const capture = join(dir, `plant-${index}.pcap`);
  writeSyntheticPlant(capture, plant);
  const path = join(dir, `b-${index}.db`);
  execFileSync(process.execPath, [CLI, 'learn', '--pcap', capture, '--db', path, '--json'], { maxBuffer: 1 << 24 });
  rmSync(capture);
  const db = openDatabase(path);
  try {
    const learn = new LearnStore(db);
    const totals = learn.totals();
    derive(learn, new PolicyStore(db), {}, 'bench');
    new UserStore(db).create('operator1', 'admin', 'Bench-Password-1', 'bench');
    const { app } = await buildConsole(db);
    try {
      const login = await app.inject({ method: 'POST', url: '/api/login', payload: { name: 'operator1', password: 'Bench-Password-1' } });
      const cookie = String(login.headers['set-cookie']).split(';')[0]!;
      const figures: PlantFigures = { assets: totals.assets, conversations: totals.conversations, rules: 0, routes: {}, first: {} };
      const ask = async (url: string) => {
        const t = process.hrtime.bigint();
        const r = await app.inject({ method: 'GET', url, headers: { cookie } });
        if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
        return { ms: Number(process.hrtime.bigint() - t) / 1e6, body: r.body };
      };
      for (const [name, url] of Object.entries(routes(totals.assets, totals.conversations, busiestConduit((await ask('/api/policies/1')).body)))) {
        if (FIRST.includes(name)) figures.first[name] = (await ask(url)).ms;
        const times: number[] = [];
        const n = name === HEAVY ? 20 : 200;
        for (let i = 0; i < n; i++) {
          const r = await ask(url);
          times.push(r.ms);
          if (name === HEAVY && i === 0) figures.rules = ruleCount(r.body);
        }
        times.sort((a, b) => a - b);
        figures.routes[name] = [times[Math.floor(n / 2)]!, times[Math.floor(n * 0.95)]!];
      }
      return figures;
    } finally {
      await app.close();
    }
  } finally {
    db.close();
  }
}

/** The conduit with the most rules, of the policy page's answer. */
function busiestConduit(body: string): string {
  const conduits = (JSON.parse(body) as { policy: { conduits: { id: string; ruleCount: number }[] } }).policy.conduits;
  return conduits.reduce((a, b) => (b.ruleCount > a.ruleCount ? b : a)).id;
}

/** The rules of the policy page's answer: each conduit says how many it holds (it shows only the first ones). */
function ruleCount(body: string): number {
  return [...body.matchAll(/"ruleCount":(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
}

function report(plants: PlantFigures[]): void {
  const names = Object.keys(plants[0]!.routes);
  const curves: Curve[] = names.map((name) => ({
    name: `${name} p95`,
    sizeUnit: 'assets',
    unit: 'ms',
    yardstick: `the ${FLOOR} route (one count)`,
    better: 'lower',
    points: plants.map((p) => ({ size: p.assets, value: p.routes[name]![1], yardstick: p.routes[FLOOR]![1] })),
  }));
  if (values.json) {
    printCurves(curves, true, { plants: plants.map(({ assets, conversations, rules, first }) => ({ assets, conversations, rules, firstAnswerMs: first })) });
    return;
  }
  console.log(`route p50 / p95 ms at ${plants.map((p) => `${p.assets.toLocaleString('en')} assets (${p.conversations.toLocaleString('en')} conversations)`).join(' | ')}`);
  for (const name of names) console.log(`  ${name.padEnd(32)} ${plants.map((p) => `${p.routes[name]![0].toFixed(2).padStart(7)} / ${p.routes[name]![1].toFixed(2).padStart(7)}`).join('   ')}`);
  const worst = (p: PlantFigures) => Math.max(...names.filter((n) => n !== FLOOR && n !== HEAVY).map((n) => p.routes[n]![1]));
  for (const p of plants) {
    console.log(`${p.assets.toLocaleString('en')} assets: worst p95 ${worst(p).toFixed(1)} ms (under 50 ms); the policy's first view (${p.rules.toLocaleString('en')} rules) p50 ${p.routes[HEAVY]![0].toFixed(0)} ms, p95 ${p.routes[HEAVY]![1].toFixed(0)} ms (under 200 ms)`);
    console.log(`  first answers, then kept: ${FIRST.map((n) => `${n} ${p.first[n]!.toFixed(0)} ms`).join(', ')}`);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'bulkhead-bench-console-'));
try {
  const plants: PlantFigures[] = [];
  for (const [i, plant] of PLANTS.entries()) plants.push(await measurePlant(dir, plant, i));
  report(plants);
  if (!values.json) {
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
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
