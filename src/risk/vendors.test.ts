import { describe, expect, it } from 'vitest';
import { bacnetVendorName } from '../../protocols/bacnet/vendors.js';
import { macVendor } from '../learn/oui.js';
import { splitVendors, vendorKey } from './vendors.js';

/** [canonical key, spellings from advisories, BACnet vendor tables and MAC registrants]. */
const GROUPS: readonly [string, readonly string[]][] = [
  ['schneider electric', ['Schneider Electric', 'Schneider Electric ', ' Schneider Electric', 'Schneider Electric Software, LLC', 'Schneider-Electric', 'Schneider Electric (Australia)', 'Schneider Electric USA', 'APC by Schneider Electric', 'TAC']],
  ['siemens', ['Siemens', 'Siemens AG', 'SIEMENS AG', 'Siemens Schweiz AG (Formerly: Landis & Staefa Division Europe)', 'Siemens Schweiz AG', 'Siemens Building Technologies AG', 'SIEMENS AG, Digital Factory, Motion Control System']],
  ['rockwell automation', ['Rockwell Automation', 'Rockwell Automation ', 'Allen-Bradley', 'Allen Bradley']],
  ['mitsubishi electric', ['Mitsubishi Electric Corporation', 'Mitsubishi Electric', ' Mitsubishi Electric', 'MITSUBISHI ELECTRIC AUTOMATION (CHINA) LTD.', 'Mitsubishi Electric India']],
  ['opc foundation', ['OPC Foundation', 'OPC Foundation, Inc.']],
  ['unified automation', ['Unified Automation GmbH', 'Unified Automation']],
  ['honeywell', ['Honeywell', 'Honeywell ', 'Honeywell Inc.', 'Honeywell International Inc', 'Alerton / Honeywell', 'Honeywell Analytics']],
  ['johnson controls', ['Johnson Controls', 'Johnson Controls Inc', 'Johnson Controls Inc.', 'Johnson Controls, Inc.', 'Johnson Contols Inc.']],
  ['abb', ['ABB', 'ABB AG', 'ABB Oy Drives', 'ABB (Formerly American Auto-Matrix)', 'ABB Switzerland Ltd.']],
  ['omron', ['Omron', 'OMRON Corporation']],
  ['wago', ['WAGO', 'WAGO Kontakttechnik GmbH', 'WAGO Kontakttechnik']],
  ['phoenix contact', ['Phoenix Contact', 'PHOENIX CONTACT', 'Phoenix Contact GmbH & Co. KG']],
  ['moxa', ['Moxa', 'MOXA', 'Moxa.Inc', 'MOXA TECHNOLOGIES CORP., LTD.']],
  ['general electric', ['General Electric', 'General Electric (GE)', 'GE', 'GE Digital', 'GENERAL ELECTRIC CORPORATION', 'General Electric Digital Energy']],
  ['emerson', ['Emerson', 'Emerson Process Management Power & Water Solutions, Inc.', 'Fisher-Rosemount Systems Inc.']],
  ['yokogawa', ['Yokogawa', 'Yokogawa Electric Corporation', 'Yokogawa Digital Computer Corporation']],
  ['delta controls', ['Delta Controls', 'DELTA CONTROLS, INC.']],
  ['delta electronics', ['Delta Electronics', 'Delta Electronics, Inc.']],
  ['tridium', ['Tridium', 'Tridium Inc.', 'Tridium, Inc.']],
  ['beckhoff', ['Beckhoff', 'Beckhoff Automation GmbH']],
  ['weidmuller', ['Weidmueller', 'Weidmüller Interface GmbH & Co. KG']],
  ['bosch rexroth', ['Bosch Rexroth AG', 'Bosch Rexroth']],
  ['b and r', ['B&R Industrial Automation', 'B&R Industrial Automation GmbH', 'Bernecker + Rainer']],
  ['kieback and peter', ['Kieback&Peter', 'Kieback & Peter GmbH & Co KG']],
  ['geutebruck', ['GeutebrÃ¼ck', 'GeutebrÃ¼ck GmbH', 'Geutebrück']],
  ['lcds', ['LCDS - Leão Consultoria e Desenvolvimento de Sistemas Ltda ME', 'LCDS LeÃ£o Consultoria e Desenvolvimento de Sistemas LTDA ME']],
  ['aveva', ['AVEVA', 'AVEVA Software, LLC']],
  ['codesys', ['CODESYS, GmbH', '3S-Smart Software Solutions GmbH']],
  ['automationdirect', ['Automation Direct', 'AutomationDirect']],
  ['fujitsu', ['Fujitsu Limited', 'Fujitsu Software']],
  ['trane', ['Trane', 'The Trane Company']],
  ['becton dickinson', ['Becton, Dickinson and Company (BD)']],
];

describe('vendorKey', () => {
  it.each(GROUPS)('%s', (key, names) => {
    for (const name of names) expect([name, vendorKey(name)]).toEqual([name, key]);
  });

  it('keeps different vendors apart', () => {
    const keys = ['Delta Controls', 'Delta Electronics', 'Mitsubishi Heavy Industries', 'Mitsubishi Electric', 'Real Time Automation', 'Real-Time Innovations (RTI)', 'Fujitsu Siemens Computers', 'Johnson & Johnson', 'Johnson Controls', 'Ge Ruili Intelligent Technology ( Beijing ) Co., Ltd.', 'GE'].map(vendorKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('meets the BACnet vendor table', () => {
    expect(vendorKey(bacnetVendorName(5)!)).toBe('johnson controls');
    expect(vendorKey(bacnetVendorName(7)!)).toBe('siemens');
    expect(vendorKey(bacnetVendorName(8)!)).toBe('delta controls');
    expect(vendorKey(bacnetVendorName(10)!)).toBe('schneider electric');
    expect(vendorKey(bacnetVendorName(17)!)).toBe('honeywell');
  });

  it('meets the MAC registrants of the big ICS vendors', () => {
    const registrants: [string, string][] = [
      ['00:00:54', 'schneider electric'], ['00:01:e3', 'siemens'], ['00:00:bc', 'rockwell automation'], ['00:80:a7', 'honeywell'],
      ['00:10:8d', 'johnson controls'], ['00:0c:de', 'abb'], ['00:26:92', 'mitsubishi electric'], ['3c:f7:d1', 'omron'],
      ['00:30:de', 'wago'], ['00:a0:45', 'phoenix contact'], ['00:90:e8', 'moxa'], ['00:a0:f4', 'general electric'],
      ['00:22:e5', 'emerson'], ['00:00:64', 'yokogawa'], ['00:40:ae', 'delta controls'], ['00:01:f0', 'tridium'],
      ['00:01:05', 'beckhoff'], ['00:0b:0f', 'bosch rexroth'], ['00:11:1e', 'b and r'],
    ];
    for (const [prefix, key] of registrants) {
      const registrant = macVendor(`${prefix}:00:00:01`);
      expect([prefix, registrant !== undefined && vendorKey(registrant)]).toEqual([prefix, key]);
    }
  });

  it('never throws and never returns a legal form alone', () => {
    expect(vendorKey('Software')).toBe('software');
    expect(vendorKey('Inc.')).toBe('inc');
    for (const text of ['', '(((', '\u0000', 'Ã', ')'.repeat(500), undefined as unknown as string]) expect(() => vendorKey(text)).not.toThrow();
  });
});

describe('splitVendors', () => {
  it.each([
    ['ABB, Phoenix Contact, Schneider Electric, Siemens, and WAGO', ['ABB', 'Phoenix Contact', 'Schneider Electric', 'Siemens', 'WAGO']],
    ['ICONICS, Mitsubishi Electric', ['ICONICS', 'Mitsubishi Electric']],
    ['Schneider Electric Software, LLC', ['Schneider Electric Software, LLC']],
    ['AVEVA Software, LLC and Schneider Electric Software, LLC', ['AVEVA Software, LLC', 'Schneider Electric Software, LLC']],
    ['Sensormatic Electronics, LLC, a subsidiary of Johnson Controls Inc.', ['Sensormatic Electronics, LLC', 'Johnson Controls Inc.']],
    ['Dahua Technology Co, Ltd', ['Dahua Technology Co, Ltd']],
    ['Becton, Dickinson and Company (BD)', ['Becton, Dickinson and Company (BD)']],
    ['Hirschmann Automation and Control GmbH, Belden Inc.', ['Hirschmann Automation and Control GmbH', 'Belden Inc.']],
    ['LS ELECTRIC, LS Industrial Systems (LSIS) Co. Ltd', ['LS ELECTRIC']],
    ['Siemens Healthineers, Siemens', ['Siemens Healthineers']],
    ['General Electric (GE) and Emerson', ['General Electric (GE)', 'Emerson']],
    ['Johnson & Johnson', ['Johnson & Johnson']],
    ['ProPump and Controls, Inc.', ['ProPump and Controls, Inc.']],
    ['multiple', []],
    ['multiple trailer and brake manufacturers', []],
    ['', []],
  ] as const)('%j', (name, expected) => {
    expect(splitVendors(name)).toEqual(expected);
  });
});
