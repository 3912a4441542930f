// Small charts for where people would rather look than read, drawn as inline SVG from data (no
// library, nothing fetched): bars over time, stacked by what each count is (an alert's severity,
// a denial), and a range band with points (a learned range against the values seen). Colours are
// style.css classes, so the pages, the legend and print agree.

import { h, s, time } from './dom.js';

/** One stacked part of a bar: how many, and the class that colours it (e.g. `sev-high`). */
export interface BarPart {
  value: number;
  class: string;
}

/** One bar: the stretch of time it counts, its parts, and what hovering over it says. */
export interface TimeBar {
  from: number;
  to: number;
  parts: BarPart[];
}

/** Bars a chart draws at most: past it, each bar counts several hours. */
export const MAX_BARS = 120;

const HOUR = 3600;

/** A number as people read it: grouped thousands, at most four significant digits. */
export const num = (n: number) => n.toLocaleString('en', { maximumSignificantDigits: 4 });

/**
 * Counts `items` into bars over [from, to] (seconds): one an hour, or as many whole hours as keep
 * the bars within `maxBars`; each item counts in the part `classOf` names. Empty bars are kept,
 * so quiet hours show as gaps.
 */
export function timeBars<T>(items: readonly T[], at: (item: T) => number, classOf: (item: T) => string, from: number, to: number, maxBars = MAX_BARS): { hours: number; bars: TimeBar[] } {
  const start = Math.floor(from / HOUR) * HOUR;
  const hours = Math.max(1, Math.ceil((Math.floor(to / HOUR) * HOUR + HOUR - start) / HOUR / maxBars));
  const width = hours * HOUR;
  const bars: TimeBar[] = [];
  for (let t = start; t <= to; t += width) bars.push({ from: t, to: t + width, parts: [] });
  for (const item of items) {
    const bar = bars[Math.floor((at(item) - start) / width)];
    if (!bar) continue;
    const c = classOf(item);
    const part = bar.parts.find((p) => p.class === c);
    if (part) part.value++;
    else bar.parts.push({ value: 1, class: c });
  }
  return { hours, bars };
}

/**
 * Bars over time, stacked, in `order` of their classes from the bottom (the rest above them),
 * with the first and last times under them and the highest count beside them. `label` names the
 * chart for screen readers; `describe` says what a bar's part is when hovered.
 */
export function barChart(bars: readonly TimeBar[], o: { label: string; order?: readonly string[]; describe?: (c: string) => string; width?: number; height?: number }): SVGElement {
  const W = o.width ?? 1200;
  const H = o.height ?? 110;
  const plot = H - 18;
  const total = (b: TimeBar) => b.parts.reduce((n, p) => n + p.value, 0);
  const top = Math.max(1, ...bars.map(total));
  const step = W / Math.max(1, bars.length);
  const rank = (c: string) => (o.order?.includes(c) ? o.order.indexOf(c) : (o.order?.length ?? 0));
  const svg = s('svg', { class: 'chart bars-over-time', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': o.label });
  svg.append(s('line', { x1: 0, y1: plot, x2: W, y2: plot, class: 'axis' }));
  bars.forEach((b, i) => {
    if (b.parts.length === 0) return;
    const parts = [...b.parts].sort((p, q) => rank(p.class) - rank(q.class));
    const g = s('g', {}, s('title', {}, `${time(b.from)} – ${time(b.to)}: ${parts.map((p) => `${p.value} ${o.describe?.(p.class) ?? p.class}`).join(', ')}`));
    let y = plot;
    for (const p of parts) {
      const hgt = Math.max(1, (p.value / top) * (plot - 12));
      y -= hgt;
      g.append(s('rect', { x: i * step + 0.5, y, width: Math.max(1, step - 1), height: hgt, class: p.class }));
    }
    svg.append(g);
  });
  svg.append(s('text', { x: 2, y: 10, class: 'chart-label' }, `${num(top)} at most`));
  if (bars.length) {
    svg.append(s('text', { x: 0, y: H - 4, class: 'chart-label' }, time(bars[0]!.from)));
    svg.append(s('text', { x: W, y: H - 4, class: 'chart-label', 'text-anchor': 'end' }, time(bars.at(-1)!.to)));
  }
  return svg;
}

/** A value marked on a range band, coloured by its class (e.g. `point-seen` for what an alert saw). */
export interface BandPoint {
  value: number;
  class?: string;
  title?: string;
}

/**
 * A range band: [low, high] (what was learned) shaded on an axis, `points` marked on it (the
 * values seen), the ends and any point outside the band labelled with its number. The axis spans
 * `domain` when given (to line up several bands), else the band and the points.
 */
export function rangeBand(o: { low: number; high: number; points?: readonly BandPoint[]; domain?: readonly [number, number]; label: string; unit?: string; width?: number; height?: number }): SVGElement {
  const W = o.width ?? 260;
  const H = o.height ?? 34;
  const pts = o.points ?? [];
  let [lo, hi] = o.domain ?? [Math.min(o.low, ...pts.map((p) => p.value)), Math.max(o.high, ...pts.map((p) => p.value))];
  if (hi === lo) [lo, hi] = [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.04;
  const x = (v: number) => ((v - lo + pad) / (hi - lo + 2 * pad)) * W;
  const mid = 12;
  const unit = o.unit ?? '';
  const svg = s('svg', { class: 'chart range-band', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': o.label });
  svg.append(s('line', { x1: 0, y1: mid, x2: W, y2: mid, class: 'axis' }));
  svg.append(s('rect', { x: x(o.low), y: mid - 6, width: Math.max(2, x(o.high) - x(o.low)), height: 12, class: 'band' }, s('title', {}, `${num(o.low)}${unit} – ${num(o.high)}${unit}`)));
  for (const p of pts) svg.append(s('circle', { cx: x(p.value), cy: mid, r: 3.5, class: p.class ?? 'point' }, s('title', {}, p.title ?? `${num(p.value)}${unit}`)));
  // The band's ends, or both in one label when they are too close to tell apart, and what lies outside.
  const anchor = (at: number) => (at < 40 ? 'start' : at > W - 40 ? 'end' : 'middle');
  const close = x(o.high) - x(o.low) < 48;
  const labels: [number, string][] = [
    ...(close ? [[(o.low + o.high) / 2, o.low === o.high ? `${num(o.low)}${unit}` : `${num(o.low)}–${num(o.high)}${unit}`] as [number, string]] : [[o.low, `${num(o.low)}${unit}`] as [number, string], [o.high, `${num(o.high)}${unit}`] as [number, string]]),
    ...pts.filter((p) => p.value < o.low || p.value > o.high).map((p): [number, string] => [p.value, `${num(p.value)}${unit}`]),
  ];
  for (const [v, words] of labels) svg.append(s('text', { x: x(v), y: H - 2, class: 'chart-label', 'text-anchor': anchor(x(v)) }, words));
  return svg;
}

/** A legend for the classes a chart uses: a swatch and its words each. */
export function legend(entries: readonly [cls: string, words: string][]): HTMLElement {
  return h('div', { class: 'chart-legend' }, entries.map(([cls, words]) => h('span', {}, h('span', { class: `swatch ${cls}` }), words)));
}
