// The baseline's own keys (value points, poll signatures) read in the plant's words.

import { describe, expect, it } from 'vitest';
import { keyWords } from './target-words.js';

describe('keys of the baseline in words', () => {
  it('reads Modbus points and polls as reference numbers, BACnet polls by object, OPC UA nodes by name', () => {
    expect(keyWords('unit 1 holding_registers 40')).toBe('unit 1 holding registers 40041 (40)');
    expect(keyWords('unit 2 coils 0-15 +1')).toBe('unit 2 coils 00001-00016 (0-15) and 1 more');
    expect(keyWords('analog-input,3 present-value')).toBe('analog-input 3 present-value');
    expect(keyWords('ns=2;s=Dosing.ChlorineSetpoint', new Map([['ns=2;s=Dosing.ChlorineSetpoint', 'Chlorine dosing setpoint']]))).toBe('ns=2;s=Dosing.ChlorineSetpoint (Chlorine dosing setpoint)');
    expect(keyWords('ReadRequest')).toBe('ReadRequest');
  });
});
