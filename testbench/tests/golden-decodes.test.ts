// Golden decodes: every shared capture and fixture decodes to exactly its checked-in JSON lines
// (testbench/golden/), so a refactor that changes a single field of a single Operation is seen.
// A deliberate change: `npm run golden`, then review the diff.

import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeLines, goldenCaptures } from '../golden/captures.js';

describe('golden decodes', () => {
  for (const { capture, golden } of goldenCaptures()) {
    it(capture.slice(capture.lastIndexOf('/') + 1), async () => {
      expect(existsSync(golden), `${golden} is missing: npm run golden`).toBe(true);
      const want = readFileSync(golden, 'utf8').split('\n').slice(0, -1);
      const got = await decodeLines(capture);
      const first = got.findIndex((l, i) => l !== want[i]);
      // The first line that differs, whole, rather than a diff of thousands of lines.
      if (first >= 0 || got.length !== want.length) {
        const at = first >= 0 ? first : Math.min(got.length, want.length);
        expect({ line: at + 1, got: got[at], want: want[at] }).toEqual({ line: at + 1, got: want[at], want: want[at] });
      }
      expect(got.length).toBe(want.length);
      expect(got.some((l) => l.startsWith('{"record":"operation"'))).toBe(true);
    });
  }
});
