// A short fuzz run in the suite (the long one is `npm run fuzz`): no decoder may throw.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TARGETS, Rng, generate } from '../fuzz/targets.js';
import { loadSeeds } from '../fuzz/seeds.js';

const ITERATIONS = 30_000;

describe('decoders under random and mutated input', async () => {
  const seeds = await loadSeeds(join(import.meta.dirname, '..', '..', '..', 'shared', 'pcaps'), 500);
  for (const target of TARGETS) {
    it(`${target.name}: ${ITERATIONS} inputs without an exception`, () => {
      const rng = new Rng(0xb01d);
      const out = Buffer.alloc(4096);
      const corpus = seeds[target.name as keyof typeof seeds];
      expect(corpus.length).toBeGreaterThan(0);
      for (let i = 0; i < ITERATIONS; i++) {
        const input = generate(rng, corpus, out);
        expect(() => target.run(input), `input ${input.toString('hex')}`).not.toThrow();
      }
    });
  }
});
