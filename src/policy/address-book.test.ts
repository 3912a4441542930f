// The address cache stays bounded under a scan of the address space and never forgets an
// address a rule names; rule ids stay unique when many rules share one shape.

import { describe, expect, it } from 'vitest';
import { ADDRESS_CACHE_LIMIT, AddressBook } from './address-book.js';
import { RuleIds } from './rule-ids.js';
import type { Rule, Zone } from './model.js';

const control: Zone = { id: 'control', name: 'Control', securityLevel: 3, members: ['10.1.0.0/16'] };

describe('address book', () => {
  it('forgets seen addresses past its limit but keeps those the rules name', () => {
    let asked = 0;
    const book = new AddressBook<string>((ip) => {
      asked++;
      return ip.startsWith('10.1.') ? control : null;
    });
    const plc = book.pin('10.1.0.5');
    plc.rules = 'the PLC rules';
    for (let i = 0; i < ADDRESS_CACHE_LIMIT + 10; i++) book.get(`172.16.${(i >> 8) & 255}.${i & 255}-${i >> 16}`);
    expect(book.get('10.1.0.5')).toBe(plc);
    expect(plc.rules).toBe('the PLC rules');
    expect(plc.zone).toBe(control);
    // A forgotten address is asked about again; a remembered one is not.
    const before = asked;
    book.get('172.16.0.0-0');
    book.get('10.1.0.5');
    expect(asked).toBe(before + 1);
  });

  it('marks broadcast and multicast addresses as groups', () => {
    const book = new AddressBook<string>(() => null);
    expect(book.get('255.255.255.255').group).toBe(true);
    expect(book.get('239.1.2.3').group).toBe(true);
    expect(book.get('ff02::1').group).toBe(true);
    expect(book.get('10.1.0.5').group).toBe(false);
  });
});

describe('rule ids', () => {
  const rule = (client: string): Rule => ({ id: '', protocol: 'modbus', client: { hosts: [client] }, server: { hosts: ['10.1.0.5'] } });

  it('numbers rules of one shape in order, around ids already taken', () => {
    const ids = new RuleIds(['modbus-10-2-0-1-to-10-1-0-5-3']);
    const names = Array.from({ length: 4 }, () => ids.name(rule('10.2.0.1')));
    expect(names).toEqual(['modbus-10-2-0-1-to-10-1-0-5', 'modbus-10-2-0-1-to-10-1-0-5-2', 'modbus-10-2-0-1-to-10-1-0-5-4', 'modbus-10-2-0-1-to-10-1-0-5-5']);
    expect(ids.name(rule('10.2.0.2'))).toBe('modbus-10-2-0-2-to-10-1-0-5');
  });
});
