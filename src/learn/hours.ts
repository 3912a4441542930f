// Hours of the day an operation is seen in, in the plant's time: the gateway's own time zone
// (TZ), which learning and judging share. A bit per hour, 0-23.

/** Local hour boundaries fall on quarter hours of UTC in every time zone. */
const QUARTER = 900;

let cachedQuarter = NaN;
let cachedHour = 0;

/** The hour of day (0-23) capture time `ts` falls in, local time; cached per quarter hour. */
export function hourOfDay(ts: number): number {
  const q = Math.floor(ts / QUARTER);
  if (q !== cachedQuarter) {
    cachedQuarter = q;
    cachedHour = new Date(q * QUARTER * 1000).getHours();
  }
  return cachedHour;
}

export const hasHour = (mask: number | undefined, hour: number): boolean => ((mask ?? 0) >>> hour) & 1 ? true : false;

/**
 * The hours an operation keeps away from: the longest run of hours (around the clock) it was never
 * seen in, as [first, length]; length 0 when every hour has seen it.
 */
export function quietHours(mask: number): [number, number] {
  let best: [number, number] = [0, 0];
  for (let start = 0; start < 24; start++) {
    if (hasHour(mask, start) || !hasHour(mask, (start + 23) % 24)) continue; // runs start after a seen hour
    let len = 0;
    while (len < 24 && !hasHour(mask, (start + len) % 24)) len++;
    if (len > best[1]) best = [start, len];
  }
  return mask === 0 ? [0, 24] : best;
}

const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;

/** "06:00-18:59": the hours between the quiet run's end and its start. */
export function activeHoursWords(mask: number): string {
  const [start, len] = quietHours(mask);
  if (len === 0) return 'at every hour of the day';
  if (len === 24) return 'never';
  const from = (start + len) % 24;
  const to = (start + 23) % 24;
  return `between ${hh(from)} and ${String(to).padStart(2, '0')}:59`;
}
