// The detection evaluation's short version (npm run eval:detect -- --short): a 20-device plant,
// a day learned and a day judged, each scripted attack woven into a copy; the same code path as
// the full one. Every attack must be detected and the false alarm rate be within target.

import { describe, expect, it } from 'vitest';
import { evaluate, type Evaluation } from '../eval/evaluate.js';
import { SHORT_PLANT } from '../eval/plant.js';
import { FALSE_ALARM_TARGET } from '../eval/score.js';

describe('npm run eval:detect, short', () => {
  let e: Evaluation;

  it('replays the plant and its attacks through learning', { timeout: 300_000 }, async () => {
    e = await evaluate(SHORT_PLANT);
    expect(e.plant).toMatchObject({ devices: 20, plcs: 12, learnedHours: 24, judgedDays: 1 });
    expect(e.attacks.length).toBeGreaterThanOrEqual(16);
    // Every attack but the silence of a poll put frames in the capture, and its label names them.
    for (const r of e.attacks) if (r.attack !== 'poll_stops') expect(r.frameCount, r.attack).toBeGreaterThan(0);
  });

  it('detects every scripted attack, by an alert of the type expected, within minutes', () => {
    const missed = e.attacks.filter((r) => !r.detected).map((r) => r.attack);
    expect(missed).toEqual([]);
    for (const r of e.attacks.filter((x) => x.detected)) {
      expect(r.expected, r.attack).toContain(r.alert!.type);
      expect(r.timeToDetect!, r.attack).toBeLessThan(120);
    }
    const byName = new Map(e.attacks.map((r) => [r.attack, r]));
    expect(byName.get('write_outside_hours')!.alert!.type).toBe('operation_outside_hours');
    expect(byName.get('malformed_pdu')!.alert!.type).toBe('protocol_violation');
    expect(byName.get('plc_stops_answering')!.alert!.summary).toMatch(/failed 10 of 10 requests .* \(latest: unanswered\)/);
  });

  it('raises at most one false alarm per 100 devices per day of normal traffic', () => {
    const f = e.falseAlarms;
    expect(f.days).toBe(1);
    expect(f.alerts.length / (f.devices / 100) / f.days, f.alerts.map((a) => `${a.type}: ${a.summary}`).join('\n')).toBeLessThanOrEqual(FALSE_ALARM_TARGET);
  });
});
