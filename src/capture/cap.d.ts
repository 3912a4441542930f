// The part of the `cap` libpcap binding that live capture uses.
declare module 'cap' {
  import { EventEmitter } from 'node:events';
  export class Cap extends EventEmitter {
    /** Returns the link type name: ETHERNET, LINKTYPE_LINUX_SLL, RAW, NULL, ... */
    open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
    close(): void;
    on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): this;
    static deviceList(): { name: string; addresses: { addr: string }[] }[];
  }
}
