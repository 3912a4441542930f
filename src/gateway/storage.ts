// How full the data directory's filesystem is (IEC 62443-3-3 SR 2.9: warn before audit storage
// runs out, rather than lose records or stop).

import { statfsSync } from 'node:fs';

export interface StorageUse {
  path: string;
  usedPercent: number;
  freeBytes: number;
  totalBytes: number;
}

export function storageUse(path: string): StorageUse {
  const s = statfsSync(path);
  const total = s.blocks * s.bsize;
  // Blocks reserved for root count as used: the service may not run as root.
  const free = s.bavail * s.bsize;
  return { path, usedPercent: total > 0 ? Math.round(((total - free) / total) * 1000) / 10 : 0, freeBytes: free, totalBytes: total };
}
