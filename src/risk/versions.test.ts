import { describe, expect, it } from 'vitest';
import { checkVersion, compareVersions, parseRange, parseVersion, type Version } from './versions.js';

const v = (text: string): Version => {
  const parsed = parseVersion(text);
  if (!parsed) throw new Error(`test version ${text} does not parse`);
  return parsed;
};
const cmp = (a: string, b: string): number => Math.sign(compareVersions(v(a), v(b)));

describe('parseVersion', () => {
  it.each(['v2.70', 'V2.70', 'SV3.51', 'FW 1.4.363.107', '02.20.100.1', 'V17 SP1 Update 3', '10.97.2', '6', 'Ver.2.60', 'firmware version 2.1'])(
    'reads %s',
    (text) => expect(parseVersion(text)?.text).toBe(text),
  );

  it.each(['S7-1211', 'TSXETY4103 *', '', '   ', 'see vendor notice', 'x'.repeat(200), 'Feb 10 2021'])('refuses %j', (text) => {
    expect(parseVersion(text)).toBeUndefined();
  });

  it('never throws on hostile text', () => {
    for (const text of ['\u0000', '((((', '9'.repeat(400), 'v'.repeat(90) + '1', '1.' + '9'.repeat(30), '*', '1e309', '\ud800']) {
      expect(() => parseVersion(text)).not.toThrow();
    }
    expect(parseVersion(undefined as unknown as string)).toBeUndefined();
  });
});

describe('compareVersions', () => {
  it.each([
    ['2.9', '2.10', -1],
    ['5.008', '5.8', 0], // segments are integers: leading zeros carry no weight
    ['4.1', '4.1.0', 0],
    ['v2.70', 'V2.70', 0],
    ['SV3.51', '3.51', 0],
    ['FW 1.4.363.107', '1.4.363.108', -1],
    ['V17', 'V17 SP1', -1],
    ['V17 SP1', 'V17 SP1 Update 2', -1],
    ['V17 SP1 Update 2', 'V18', -1],
    ['V17 Update 5', 'V17 SP1', -1],
    ['V17.0 SP1', 'V17 SP1', 0],
    ['V4.7 HF30', 'V4.7 HF6', 1],
    ['V15.1 Upd 3', 'V15.1 Update 3', 0],
    ['1.02C', '1.02', 1],
    ['1.02C', '1.03', -1],
    ['2.0 rc1', '2.0', -1],
    ['01.07.13(10)', '1.7.13.9', 1],
    ['5.2.0 build 140805', '5.2.0.140805', 0],
    ['11.x', '11.4.2', 0],
    ['2.3x', '2.35', 0],
    ['2.3x', '2.4', -1],
    ['2014 R2', '2014 R1', 1],
  ] as const)('%s vs %s is %i', (a, b, expected) => {
    expect(cmp(a, b)).toBe(expected);
    expect(cmp(b, a)).toBe(-expected || 0);
  });
});

/** [range, device firmware, expected result]. */
const CASES: readonly [string, string | undefined, 'affected' | 'not_affected' | 'unknown'][] = [
  ['< V4.1.3', 'V4.1.2', 'affected'],
  ['< V4.1.3', 'V4.1.3', 'not_affected'],
  ['<= 5.008', '5.8', 'affected'],
  ['<= 5.008', '5.9', 'not_affected'],
  ['< SV3.51', 'SV3.50', 'affected'],
  ['< SV3.51', 'v3.51', 'not_affected'],
  ['< V17 Update 5', 'V17 Update 4', 'affected'],
  ['< V17 Update 5', 'V17 SP1', 'not_affected'],
  ['< V17 Update 5', 'V17', 'affected'],
  ['>= 2.3x | <= 6.00.327', '2.35', 'affected'],
  ['>= 2.3x | <= 6.00.327', '6.00.327', 'affected'],
  ['>= 2.3x | <= 6.00.327', '6.00.328', 'not_affected'],
  ['>= 2.3x | <= 6.00.327', '2.2', 'not_affected'],
  ['<= 01.07.13(10)', '1.7.13', 'affected'],
  ['<= 01.07.13(10)', '01.07.13(11)', 'not_affected'],
  ['< 01.21.142.5-22', '01.21.142.5-21', 'affected'],
  ['< 01.21.142.5-22', '01.21.142.6', 'not_affected'],
  ['vers:all/*', undefined, 'affected'],
  ['vers:all/*', '99', 'affected'],
  ['vers:intdot/<26.01.12', '26.1.11', 'affected'],
  ['vers:intdot/<26.01.12', '26.01.12', 'not_affected'],
  ['vers:generic/>=1.0|<2.0', '1.5', 'affected'],
  ['vers:generic/>=1.0|<2.0', '2.0', 'not_affected'],
  ['vers:generic/>=1.0|<2.0', '0.9', 'not_affected'],
  ['vers:all/<V4.3.8', 'V4.3.7', 'affected'], // Siemens writes its upper bounds under vers:all
  ['vers:all/<V4.3.8', 'V4.4', 'not_affected'],
  ['vers:all/>=V7.80<V9.40', 'V8.0', 'affected'],
  ['vers:all/>=V7.80<V9.40', 'V9.40', 'not_affected'],
  ['All versions', undefined, 'affected'],
  ['All versions < V11.32', 'V11.31', 'affected'],
  ['All versions < V11.32', 'V11.32', 'not_affected'],
  ['All versions < V11.32', undefined, 'unknown'],
  ['<= 3.3-006 (with <= bacnetstac 4.2.1)', '3.3-005', 'affected'],
  ['<= 3.3-006 (with <= bacnetstac 4.2.1)', '3.4', 'not_affected'],
  ['<= 3.0.7 (.NET 4.5 4.0 and 3.5 Framework versions only)', '3.0.7', 'affected'],
  ['<= 3.0.7 (.NET 4.5 4.0 and 3.5 Framework versions only)', '3.0.8', 'not_affected'],
  ['All versions < V4.8 SP5', 'V4.8 SP4', 'affected'],
  ['All versions < V4.8 SP5', 'V4.8 SP5', 'not_affected'],
  ['<= 3.1 Service Pack 1A', '3.1 SP1', 'affected'],
  ['<= 3.1 Service Pack 1A', '3.1 SP2', 'not_affected'],
  ['< V3.15 P014', 'V3.15 P013', 'affected'],
  ['<= 11.x', '11.9.3', 'affected'],
  ['<= 11.x', '12.0', 'not_affected'],
  ['2.3.6 and  below', '2.3.1', 'affected'],
  ['2.3.6 and  below', '2.3.7', 'not_affected'],
  ['Versions 2.00 to 6.11', '6.11', 'affected'],
  ['Versions 2.00 to 6.11', '1.99', 'not_affected'],
  ['All versions prior to V1.5.1', 'V1.5.0', 'affected'],
  ['>= 9.3.0 -  but not including 9.3.8', '9.3.7', 'affected'],
  ['>= 9.3.0 -  but not including 9.3.8', '9.3.8', 'not_affected'],
  ['FW18_up_to_and_including_FW26', 'FW26', 'affected'],
  ['FW18_up_to_and_including_FW26', 'FW17', 'not_affected'],
  ['10 | 11', '11', 'affected'],
  ['10 | 11', '12', 'not_affected'],
  ['< 3.01', 'firmware v2.70', 'affected'],
  ['see vendor notice', '1.0', 'unknown'],
  ['<= Serial Numbers 2310****', '1.0', 'unknown'],
  ['< 3.01', undefined, 'unknown'],
  ['< 3.01', '', 'unknown'],
  ['< 3.01', 'unknown build', 'unknown'],
];

describe('checkVersion', () => {
  it.each(CASES)('range %j, firmware %j: %s', (range, device, expected) => {
    expect(checkVersion(device, parseRange(range)).result).toBe(expected);
  });

  it('explains in a plant sentence', () => {
    expect(checkVersion('v2.70', parseRange('< 3.01')).why).toBe('firmware v2.70 is below 3.01 (range < 3.01)');
    expect(checkVersion('3.10', parseRange('< 3.01')).why).toBe('firmware 3.10 is at or above 3.01 (range < 3.01)');
    expect(checkVersion('1.40', parseRange('>= 1.0 | <= 1.32')).why).toBe('firmware 1.40 is above 1.32 (range >= 1.0 | <= 1.32)');
    expect(checkVersion('1.2', parseRange('>= 1.0 | <= 1.32')).why).toBe('firmware 1.2 is at or above 1.0 and at or below 1.32 (range >= 1.0 | <= 1.32)');
    expect(checkVersion(undefined, parseRange('vers:all/*')).why).toBe('every version is affected (vers:all/*)');
    expect(checkVersion('1.0', parseRange('see vendor notice')).why).toBe("the range 'see vendor notice' could not be read");
    expect(checkVersion(undefined, parseRange('< 3.01')).why).toBe('the device did not say its firmware version');
    expect(checkVersion('FW 1.2', parseRange('< 3.01')).why).toBe('firmware 1.2 is below 3.01 (range < 3.01)');
  });
});

describe('parseRange', () => {
  it('reads a CSAF product_version as that version', () => {
    const r = parseRange('10.97.2', true);
    expect(r.parsed).toBe(true);
    expect(checkVersion('10.97.2', r).result).toBe('affected');
    expect(checkVersion('10.97.3', r).result).toBe('not_affected');
    expect(parseRange('6', true).parsed).toBe(true);
    expect(parseRange('S7-1211', true).parsed).toBe(false);
    expect(parseRange('TSXETY4103 *', true).parsed).toBe(false);
    expect(parseRange('vers:all/*', true).all).toBe(true);
  });

  it('marks what it cannot read, keeping the text', () => {
    for (const text of ['<=', 'see vendor notice', 'All versions with OIS running on Debian 9 or earlier', 'x'.repeat(500)]) {
      const r = parseRange(text);
      expect(r).toMatchObject({ text, parsed: false, all: false });
    }
  });

  it('never throws on hostile text', () => {
    const hostile = ['<<<<', '|||', '~le', 'and earlier', '(((((', '< (', '>= 1 <= 2 < 3 > 4 = 5', '<'.repeat(399), '1 |'.repeat(100), '\u0000<1'];
    for (const text of hostile) expect(() => checkVersion('1.0', parseRange(text))).not.toThrow();
    expect(parseRange(null as unknown as string).parsed).toBe(false);
  });
});
