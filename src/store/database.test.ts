// Opening one new database from several processes at once, as the appliance's gateway and
// console services do at boot: exactly one of them migrates it and every one of them opens it.

import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './database.js';
import { MIGRATIONS } from './migrations.js';

const DATABASE_JS = join(import.meta.dirname, '..', '..', 'dist', 'src', 'store', 'database.js');

function openIn(child: string): Promise<{ code: number | null; stderr: string }> {
  const script = `import { openDatabase } from ${JSON.stringify(DATABASE_JS)}; openDatabase(${JSON.stringify(child)}).close();`;
  const p = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((r) => p.once('exit', (code) => r({ code, stderr })));
}

describe('openDatabase', () => {
  it('is migrated once when several processes open a new database together', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulkhead-open-'));
    for (let round = 0; round < 4; round++) {
      const path = join(dir, `b${round}.db`);
      const results = await Promise.all(Array.from({ length: 4 }, () => openIn(path)));
      expect(results.filter((r) => r.code !== 0).map((r) => r.stderr)).toEqual([]);
      const db = openDatabase(path);
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      db.close();
    }
  });
});
