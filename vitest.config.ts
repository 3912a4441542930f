import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['protocols/**/*.test.ts', 'src/**/*.test.ts', 'testbench/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Peer tests bind loopback ports and run tcpdump; keep files serial to avoid port clashes.
    fileParallelism: false,
  },
});
