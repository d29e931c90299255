import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Vitest's default (cores − 1) runs the files one at a time on a 2-core machine; most are single-threaded
    // model runs, so two at a time take about a third less time here.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
