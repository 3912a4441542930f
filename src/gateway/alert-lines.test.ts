// The alert lines as a SIEM parses them: the type code as CEF's signature id, the ATT&CK technique,
// the ends of the conversation, and text that cannot break out of its field or its line.

import { describe, expect, it } from 'vitest';
import type { Alert } from '../store/records.js';
import { alertCefLine, alertEnds, alertSiemLines, alertSyslogLine } from './alert-lines.js';

const T = 1_760_000_000;

const alert = (o: Partial<Alert> = {}): Alert => ({
  id: 42,
  key: 'value_write_outside_baseline:10.0.0.31>10.0.0.11:502/modbus:hr40',
  type: 'value_write_outside_baseline',
  detector: 'values',
  severity: 'high',
  attack: { id: 'T0836', name: 'Modify Parameter' },
  status: 'new',
  asset: '10.0.0.31',
  conversation: '10.0.0.31>10.0.0.11:502/modbus',
  summary: 'Modbus client 10.0.0.31 wrote 4,800 to unit 1 holding_registers 40 on Modbus server 10.0.0.11',
  baseline: 'in 23 h it wrote 0-118 there, 24 times',
  seen: '4,800',
  count: 3,
  firstSeen: T,
  lastSeen: T + 90,
  evidence: [{ ts: T, frame: 7, flowId: 'f1' }],
  evidenceDropped: 0,
  ...o,
});

/** CEF extensions by key: a value runs to the next unescaped ` key=`. */
function extensions(line: string): Record<string, string> {
  const ext = line.split(/(?<!\\)\|/).slice(7).join('|');
  const out: Record<string, string> = {};
  for (const m of ext.matchAll(/(\w+)=((?:\\.|[^\\])*?)(?= \w+=|$)/g)) out[m[1]!] = m[2]!;
  return out;
}

describe('alert lines', () => {
  it('CEF: the type code is the signature id, the summary the name, the ATT&CK technique and the conversation in the extensions', () => {
    const line = alertCefLine(alert(), 'gw1');
    expect(line.split('|').slice(0, 7)).toEqual(['CEF:0', 'Bulkhead', 'Bulkhead', expect.stringMatching(/^\d+\.\d+\.\d+$/), 'value_write_outside_baseline', alert().summary, '8']);
    expect(extensions(line)).toEqual({
      rt: String((T + 90) * 1000),
      start: String(T * 1000),
      end: String((T + 90) * 1000),
      dvchost: 'gw1',
      src: '10.0.0.31',
      dst: '10.0.0.11',
      dpt: '502',
      cat: 'values',
      cs1Label: 'attackId',
      cs1: 'T0836',
      cs2Label: 'attackName',
      cs2: 'Modify Parameter',
      cs3Label: 'baseline',
      cs3: 'in 23 h it wrote 0-118 there, 24 times',
      cs4Label: 'seen',
      cs4: '4,800',
      cs5Label: 'status',
      cs5: 'new',
      cs6Label: 'conversation',
      cs6: '10.0.0.31>10.0.0.11:502/modbus',
      cnt: '3',
      externalId: '42',
    });
  });

  it('CEF: a | in the summary is escaped in the header, = and line breaks in values, and the line stays one line', () => {
    const line = alertCefLine(alert({ summary: 'PLC|2 set mode=RUN\nby 10.0.0.66', baseline: 'mode=STOP only\r\nsince 06:00', seen: 'a\\b' }), 'gw1');
    expect(line).not.toMatch(/[\r\n]/);
    expect(line.split(/(?<!\\)\|/)[5]).toBe('PLC\\|2 set mode=RUN by 10.0.0.66');
    const ext = extensions(line);
    expect(ext.cs3).toBe('mode\\=STOP only\\nsince 06:00');
    expect(ext.cs4).toBe('a\\\\b');
  });

  it('CEF: the ends of IPv6 and VLAN conversations; the asset alone as the source; no ATT&CK fields without a technique', () => {
    expect(extensions(alertCefLine(alert({ conversation: 'fd00::21>fd00::11:4840/opcua' }), 'gw1'))).toMatchObject({ src: 'fd00::21', dst: 'fd00::11', dpt: '4840' });
    expect(extensions(alertCefLine(alert({ conversation: '10.0.0.21@vlan20>10.0.0.11@vlan20:47808/bacnet' }), 'gw1'))).toMatchObject({ src: '10.0.0.21', dst: '10.0.0.11', dpt: '47808' });
    const { conversation: _c, attack: _a, ...bare } = alert({ asset: '10.0.0.66', type: 'new_asset', severity: 'critical' });
    const line = alertCefLine(bare, 'gw1');
    expect(line.split('|')[6]).toBe('10');
    const ext = extensions(line);
    expect(ext.src).toBe('10.0.0.66');
    expect(ext).not.toHaveProperty('dst');
    expect(ext).not.toHaveProperty('cs1');
    expect(ext).not.toHaveProperty('cs6');
    // An asset that is not an address (a MAC) is not put where the SIEM expects one.
    expect(extensions(alertCefLine({ ...bare, asset: '02:00:00:00:00:66' }, 'gw1'))).not.toHaveProperty('src');
  });

  it('syslog: structured data with the type and ATT&CK id, the summary then baseline and seen as the message', () => {
    const line = alertSyslogLine(alert(), 'gw1');
    expect(line).toBe(
      `<35>1 ${new Date((T + 90) * 1000).toISOString()} gw1 bulkhead - alert [bulkhead@32473 id="42" type="value_write_outside_baseline" detector="values" severity="high" status="new" attackId="T0836" attackName="Modify Parameter" asset="10.0.0.31" conversation="10.0.0.31>10.0.0.11:502/modbus" count="3" firstSeen="${new Date(T * 1000).toISOString()}" lastSeen="${new Date((T + 90) * 1000).toISOString()}"] ${alert().summary}; baseline: in 23 h it wrote 0-118 there, 24 times; seen: 4,800`,
    );
  });

  it('syslog: quotes, backslashes and ] escaped in parameters, line breaks flattened; one line per alert', () => {
    const odd = alert({ summary: 'tag "Pump]1"\nstopped', asset: 'a\\b' });
    const line = alertSyslogLine(odd, 'gw1');
    expect(line).not.toMatch(/[\r\n]/);
    expect(line).toContain('asset="a\\\\b"');
    expect(line).toMatch(/\] tag "Pump\]1" stopped; baseline: /);
    expect(alertSiemLines([odd, alert()], 'syslog').split('\n')).toHaveLength(2);
    expect(alertSiemLines([odd, alert()], 'cef').split('\n')).toHaveLength(2);
  });

  it('an alert touching a vulnerable asset carries its risk, advisories and KEV flag; others carry none', () => {
    const risk = { asset: '10.0.0.11', risk: 20, band: 'critical', advisories: ['ICSA-21-194-02', 'ICSA-23-201-01'], knownExploited: true };
    const e = extensions(alertCefLine(alert(), 'gw1', risk));
    expect(e).toMatchObject({ cn1Label: 'assetRisk', cn1: '20', cn2Label: 'knownExploited', cn2: '1', flexString1: 'ICSA-21-194-02,ICSA-23-201-01', flexString2: '10.0.0.11' });
    expect(alertSyslogLine(alert(), 'gw1', risk)).toMatch(/ vulnerableAsset="10\.0\.0\.11" assetRisk="20" assetRiskBand="critical" advisories="ICSA-21-194-02,ICSA-23-201-01" knownExploited="true"/);
    expect(extensions(alertCefLine(alert(), 'gw1'))).not.toHaveProperty('cn1');
    expect(alertSyslogLine(alert(), 'gw1')).not.toMatch(/assetRisk/);
    // The device end of the conversation is looked up first.
    expect(alertEnds(alert())).toEqual(['10.0.0.11', '10.0.0.31']);
  });
});
