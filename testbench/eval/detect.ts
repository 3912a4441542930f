// `npm run eval:detect [-- --short] [--days N] [--seed S] [--keep DIR] [--json]`: replays the
// labelled scenarios through learning and its detectors, prints per attack whether it was
// detected and how fast, and the false alarms per 100 devices per day of normal traffic. Exit 1
// when an attack is missed or the false alarm rate is over target.

import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { evaluate } from './evaluate.js';
import { FULL_PLANT, SHORT_PLANT } from './plant.js';
import { formatEvaluation } from './report.js';

const { values } = parseArgs({
  options: { short: { type: 'boolean', default: false }, days: { type: 'string' }, seed: { type: 'string', default: '1' }, keep: { type: 'string' }, json: { type: 'boolean', default: false } },
});

function whole(name: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    console.error(`eval:detect: --${name} must be a whole number from 1 to ${max}, got '${text}'`);
    process.exit(2);
  }
  return n;
}

const base = values.short ? SHORT_PLANT : FULL_PLANT;
const size = { ...base, judgedDays: whole('days', values.days, base.judgedDays, 7) };
if (values.keep) mkdirSync(values.keep, { recursive: true });
const result = await evaluate(size, whole('seed', values.seed, 1, 0xffff_ffff), values.keep);
console.log(values.json ? JSON.stringify(result, null, 2) : formatEvaluation(result));
process.exitCode = result.ok ? 0 : 1;
