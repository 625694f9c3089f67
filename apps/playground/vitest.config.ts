import { defineConfig } from 'vitest/config';
import { workspaceAliases } from './vite.config.ts';

export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // one browser, one server, tests in order: the machine has 2 cores
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
