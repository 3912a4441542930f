// A writer for the power-cut test: imports and approves policy versions as fast as it can,
// printing each one only after its transaction has committed ("approved V").
//
//   node store-writer.js DB POLICY_FILE NAME

import { importPolicy } from '../../src/app/policy.js';
import { openDatabase } from '../../src/store/database.js';
import { PolicyStore } from '../../src/store/policy-store.js';

const [db, file, name] = process.argv.slice(2) as [string, string, string];
const store = new PolicyStore(openDatabase(db));
for (;;) {
  const { version } = importPolicy(store, file, name);
  store.approve(version, name);
  process.stdout.write(`approved ${version}\n`);
}
