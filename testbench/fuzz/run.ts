// `npm run fuzz [-- --iterations N --seed S]`: N inputs per decoder; any exception fails with
// the input in hex; prints inputs/s and heap growth per decoder.

import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { TARGETS, Rng, generate } from './targets.js';
import { loadSeeds } from './seeds.js';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '1' }, pcaps: { type: 'string' } } });
const iterations = Number(values.iterations);
const root = values.pcaps ?? join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'pcaps');
const seeds = await loadSeeds(root);
const out = Buffer.alloc(4096);
let failed = false;
for (const target of TARGETS) {
  const rng = new Rng(Number(values.seed));
  const corpus = seeds[target.name as keyof typeof seeds];
  const heapBefore = process.memoryUsage().heapUsed;
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const input = generate(rng, corpus, out);
    try {
      target.run(input);
    } catch (err) {
      console.error(`FAIL ${target.name} input ${i}: ${(err as Error).stack}\ninput hex: ${input.toString('hex')}`);
      failed = true;
      break;
    }
  }
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  const heapAfter = process.memoryUsage().heapUsed;
  console.log(`${target.name.padEnd(7)} ${iterations} inputs (${corpus.length} seeds) in ${secs.toFixed(1)} s, ${Math.round(iterations / secs)} inputs/s, heap ${((heapAfter - heapBefore) / 1e6).toFixed(1)} MB`);
}
process.exitCode = failed ? 1 : 0;
