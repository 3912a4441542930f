import { describe, expect, it } from 'vitest';
import { matchProduct, productPattern, type DeviceNames } from './products.js';

const device = (names: string[], models: string[] = []): DeviceNames => ({ names, models });
const how = (product: string, d: DeviceNames, modelNumbers?: string[]): string | undefined => matchProduct(productPattern(product, modelNumbers), d)?.how;

/** A Modicon M340 CPU as its Modbus MEI 14 identification describes it. */
const M340 = device(['Modicon M340', 'BMX P34 2020'], ['BMX P34 2020']);

describe('productPattern', () => {
  it('finds the part numbers a product name holds, and only those', () => {
    const parts = (name: string) => productPattern(name).parts.map((p) => p.text);
    expect(parts('Modicon M340 CPU (part numbers BMXP34*)')).toEqual(['BMXP34*']);
    expect(parts('M340 CPUs BMX P34x')).toEqual(['BMX P34x']);
    expect(parts('Quantum processors with integrated Ethernet COPRO 140CPU65xxxxx')).toEqual(['140CPU65xxxxx']);
    expect(parts('M340 Communication Ethernet modules BMX NOE 0100 (H)')).toEqual(['BMX NOE 0100']);
    expect(parts('Modicon M580 CPU (part numbers BMEP* and BMEH*)')).toEqual(['BMEP*', 'BMEH*']);
    expect(parts('SIMATIC S7-1200 CPU 1215C DC/DC/DC (6ES7215-1AG40-0XB0)')).toEqual(['6ES7215-1AG40-0XB0']);
    for (const family of ['Desigo PXC4', 'APOGEE PXC Series (BACnet)', 'OPC UA .NET Standard', 'SIMATIC S7-1200 CPU family (incl. SIPLUS variants)', 'Modicon M340', 'SIMATIC STEP 7 V17', 'IEC 61850 server']) {
      expect([family, parts(family)]).toEqual([family, []]);
    }
  });

  it('never throws on hostile names', () => {
    for (const name of ['', '*', '(((', ')'.repeat(500), 'x'.repeat(5000), '\u0000', '[a-z]+$', '.*', undefined as unknown as string]) {
      expect(() => matchProduct(productPattern(name, ['*', '', 'x', null as unknown as string]), device([name ?? ''], [name ?? '']))).not.toThrow();
    }
  });
});

describe('matchProduct by part number', () => {
  it('matches a part number with wildcards, spaces and hyphens ignored', () => {
    expect(matchProduct(productPattern('Modicon M340 CPU (part numbers BMXP34*)'), M340)).toEqual({ how: 'model', why: 'part number BMX P34 2020 matches BMXP34*' });
    expect(how('M340 CPUs BMX P34x', M340)).toBe('model');
    expect(how('Quantum processors with integrated Ethernet COPRO 140CPU65xxxxx', device(['Quantum'], ['140 CPU 651 50']))).toBe('model');
    expect(how('M340 Communication Ethernet modules BMX NOE 0100 (H)', device(['BMX NOE 0100'], ['BMX-NOE-0100']))).toBe('model');
    expect(how('Quantum communication modules 140NOC78x00', device([], ['140NOC78100']))).toBe('model');
  });

  it('refuses another product of the same family', () => {
    expect(how('M340 Communication Ethernet modules BMX NOE 0100 (H)', M340)).toBeUndefined();
    expect(how('Modicon M580 CPU (part numbers BMEP* and BMEH*)', M340)).toBeUndefined();
    expect(how('Quantum communication modules 140NOC78x00', device(['Quantum'], ['140NOC77101']))).toBeUndefined();
    // the name says M340 and the part number decides: a device that names no part is not it
    expect(how('Modicon M340 CPU (part numbers BMXP34*)', device(['Modicon M340']))).toBeUndefined();
  });

  it('reads a model-looking token of the device names', () => {
    expect(matchProduct(productPattern('SCALANCE XC206-2G'), device(['SCALANCE XC206-2G managed switch']))).toEqual({ how: 'model', why: 'part number XC206-2G matches XC206-2G' });
    expect(how('Modicon M340 CPU (part numbers BMXP34*)', device(['Modicon M340 BMXP342020']))).toBe('model');
  });

  it('matches CSAF model numbers, with their wildcards', () => {
    const s71200 = ['6ES7211-1AE40-0XB0', '6ES7212-1HF40-0XB0'];
    expect(matchProduct(productPattern('SIMATIC S7-1200 CPU family (incl. SIPLUS variants)', s71200), device(['SIMATIC S7-1200'], ['6ES7 212-1HF40-0XB0']))).toEqual({
      how: 'model',
      why: 'model number 6ES7 212-1HF40-0XB0 matches 6ES7212-1HF40-0XB0',
    });
    expect(how('SIMATIC ET 200SP', device([], ['6AG1155-6AU01-7BN0']), ['6ES7155-6AU01-0BN0', '6AG1155-6AU01-*'])).toBe('model');
    // models reported and none listed alike: another variant
    expect(how('SIMATIC S7-1200 CPU family (incl. SIPLUS variants)', device(['SIMATIC S7-1200'], ['6ES7 214-1AG40-0XB0']), s71200)).toBeUndefined();
    // no model reported: the name decides
    expect(how('SIMATIC S7-1200 CPU family (incl. SIPLUS variants)', device(['SIMATIC S7-1200']), s71200)).toBe('name');
  });
});

describe('matchProduct by name', () => {
  it('needs every distinctive word of the product name', () => {
    expect(matchProduct(productPattern('Modicon M340'), device(['Modicon M340']))).toEqual({ how: 'name', why: "product name Modicon M340 matches 'Modicon M340'" });
    expect(how('M340 CPUs with firmware', device(['Modicon M340']))).toBe('name');
    expect(how('Desigo PXC4', device(['PXC4.E16', 'Desigo']))).toBe('name');
    expect(how('APOGEE PXC Series (BACnet)', device(['APOGEE PXC Modular']))).toBe('name');
    expect(how('OPC UA .NET Standard', device(['OPC UA .NET Standard Reference Server']))).toBe('name');
    expect(how('SIMATIC S7-1200 CPU family (incl. SIPLUS variants)', device(['SIMATIC S7-1200']))).toBe('name');
    expect(how('SIMATIC STEP 7 V17', device(['SIMATIC STEP 7']))).toBe('name');
    expect(how('Desigo PXC4', device(['Desigo PXC5']))).toBeUndefined();
    expect(how('Modicon M580', device(['Modicon M340']))).toBeUndefined();
    expect(how('OPC UA .NET Standard', device(['OPC UA C++ SDK']))).toBeUndefined();
  });

  it('needs the whole name for a one-word generic product', () => {
    expect(how('Bacnet', device(['Bacnet']))).toBe('name');
    expect(how('Bacnet', device(['BACnet Stack']))).toBeUndefined();
    expect(how('Compass', device(['Compass Pro']))).toBeUndefined();
    expect(how('Server', device(['OPC Server']))).toBeUndefined();
    expect(how('Server', device(['server']))).toBe('name');
    expect(how('Firmware', device(['Firmware']))).toBe('name');
    expect(how('CPU', device(['M340 CPU']))).toBeUndefined();
  });

  it('matches nothing with a device that says nothing', () => {
    expect(how('Modicon M340', device([]))).toBeUndefined();
    expect(how('', device(['']))).toBeUndefined();
    expect(how('', device([], ['']))).toBeUndefined();
  });
});

describe('matchProduct, a part number read from the names', () => {
  it('needs the other words of the product name as well', () => {
    expect(how('SIMATIC CP 343-1 Advanced (incl. SIPLUS variants)', device(['SIMATIC CP 343-1 Advanced']))).toBe('model');
    expect(how('SIMATIC CP 343-1 Advanced (incl. SIPLUS variants)', device(['SIMATIC CP 343-1 Lean']))).toBeUndefined();
    // a reported model is precise: the name's other words are not needed
    expect(how('Modicon M340 CPU (part numbers BMXP34*)', device([], ['BMXP342020']))).toBe('model');
  });
});

describe('matchProduct, order numbers written with a space', () => {
  it('reads the number whole and its parts', () => {
    expect(how('SIMATIC S7-200 SMART CPU SR60 (6ES7 288-1SR60-0AA0)', device([], ['6ES7288-1SR60-0AA0']))).toBe('model');
    expect(how('SIMATIC S7-200 SMART CPU SR60 (6ES7 288-1SR60-0AA0)', device([], ['6ES7288-1ST60-0AA0']))).toBeUndefined();
  });
});
