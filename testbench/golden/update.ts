// Writes the golden decodes anew (`npm run golden`), after a change to a decoder that is meant
// to change what it decodes: review the diff of testbench/golden/ before committing it.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { decodeLines, goldenCaptures } from './captures.js';

for (const { capture, golden } of goldenCaptures()) {
  const lines = await decodeLines(capture);
  mkdirSync(dirname(golden), { recursive: true });
  writeFileSync(golden, lines.map((l) => `${l}\n`).join(''));
  console.log(`${relative(process.cwd(), golden)}: ${lines.length} lines`);
}
