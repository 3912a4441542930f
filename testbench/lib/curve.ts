// Cost curves for the benchmarks: one figure per size of work, beside the yardstick measured in
// the same run, and how the cost per item grows from the smallest size to the largest (1.0x:
// flat; 100x over a 100x range: linear in the work).

export interface CurvePoint {
  /** How much work: packets, rules, conversations, assets, connections. */
  size: number;
  /** Our figure at that size, in the curve's unit. */
  value: number;
  /** The yardstick's figure at that size, same unit (absent: not measured at this size). */
  yardstick?: number;
}

export interface Curve {
  name: string;
  /** What a size counts ("rules") and what a value is ("evaluations/s", "s", "ms"). */
  sizeUnit: string;
  unit: string;
  yardstick?: string;
  /** Higher is better (a rate: its cost is 1/value) or lower is better (a time: its cost is value/size). */
  better: 'higher' | 'lower';
  /** What one unit of cost is paid for: "evaluation", "packet", "conversation"; absent: the figure itself should stay flat (memory). */
  per?: string;
  points: CurvePoint[];
}

const figure = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en') : x >= 10 ? x.toFixed(1) : x.toFixed(x >= 1 ? 2 : 3));

/** The cost per item at the largest size over that at the smallest: 1.0 is a flat curve. */
export function growth(c: Curve): number {
  const first = c.points[0]!;
  const last = c.points[c.points.length - 1]!;
  const perItem = (p: CurvePoint) => (c.better === 'higher' ? 1 / p.value : c.per === undefined ? p.value : p.value / p.size);
  return perItem(last) / perItem(first);
}

/** The curve as lines a person reads: each size, our figure, the yardstick and how far apart. */
export function formatCurve(c: Curve): string {
  const lines = [`${c.name} (${c.unit}${c.yardstick ? `; yardstick: ${c.yardstick}` : ''})`];
  for (const p of c.points) {
    let line = `  ${p.size.toLocaleString('en').padStart(11)} ${c.sizeUnit.padEnd(13)} ${figure(p.value).padStart(12)}`;
    if (p.yardstick !== undefined) line += `   yardstick ${figure(p.yardstick).padStart(12)}   ours = ${(p.value / p.yardstick).toFixed(2)}x the yardstick's`;
    lines.push(line);
  }
  if (c.points.length > 1) {
    const range = c.points[c.points.length - 1]!.size / c.points[0]!.size;
    lines.push(`  ${c.per === undefined ? c.unit : `cost per ${c.per}`} grows ${growth(c).toFixed(2)}x over a ${Math.round(range).toLocaleString('en')}x range of ${c.sizeUnit}`);
  }
  return lines.join('\n');
}

/** Prints the curves, as text or (with --json) as one JSON document for scripts. */
export function printCurves(curves: Curve[], json: boolean, extra: Record<string, unknown> = {}): void {
  if (json) console.log(JSON.stringify({ curves: curves.map((c) => ({ ...c, growth: growth(c) })), ...extra }, null, 2));
  else for (const c of curves) console.log(formatCurve(c));
}
