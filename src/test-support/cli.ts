// Test support shared by unit tests and the testbench: where the built command is.

import { join } from 'node:path';

/** The built `bulkhead` command, from source (tests) or from dist (benchmarks). */
export const CLI = join(import.meta.dirname.includes('/dist/') ? join(import.meta.dirname, '..', '..') : join(import.meta.dirname, '..', '..', 'dist'), 'src', 'cli.js');
