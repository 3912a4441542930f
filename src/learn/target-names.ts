// What the plant's devices call their targets (the OPC UA browse names their servers gave), by
// target key, from the identity slots the protocol modules fill: explanations then say
// "ns=2;i=1017 (Setpoint)". The first server to name a key names it.

import type { TargetNames } from '../../protocols/protocol.js';
import { PROTOCOLS } from '../../protocols/registry.js';
import type { Asset } from './model.js';

/** Names kept in all: each server keeps at most its own limit; a plant of many servers is bounded here. */
export const TARGET_NAMES_KEPT = 50_000;

/** The identity slots the protocol modules keep names in. */
const NAME_SLOTS = PROTOCOLS.map((m) => m.namesSlot).filter((s): s is string => s !== undefined);

export function targetNames(assets: readonly Asset[]): TargetNames {
  const names = new Map<string, string>();
  for (const a of assets) {
    const identity = a.identity as Readonly<Record<string, Readonly<Record<string, unknown>> | undefined>>;
    for (const slot of NAME_SLOTS) {
      for (const [key, name] of Object.entries(identity[slot] ?? {})) {
        if (names.size >= TARGET_NAMES_KEPT) return names;
        if (typeof name === 'string' && !names.has(key)) names.set(key, name);
      }
    }
  }
  return names;
}

/** A store of learned assets, as far as their names need it: `revision` moves on with every change. */
export interface NamedAssets {
  assetsMentioning(keys: readonly string[]): readonly Asset[];
  revision(): number;
}

const kept = new WeakMap<NamedAssets, { revision: number; names: TargetNames }>();

/**
 * The names a store's learned devices gave, reading only the assets that hold names rather than
 * every asset, and kept until the store's next revision: a page of the console asks this on
 * every view, and finding the assets that hold names still reads every asset's record.
 */
export function learnedTargetNames(store: NamedAssets): TargetNames {
  const revision = store.revision();
  const hit = kept.get(store);
  if (hit?.revision === revision) return hit.names;
  const names = targetNames(store.assetsMentioning(NAME_SLOTS));
  kept.set(store, { revision, names });
  return names;
}
