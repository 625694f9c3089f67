import { defineConfig } from 'vitest/config';
import { yamlSetupFiles } from '../../vitest.shared.mjs';
import { workspaceAliases } from './vite.config.ts';

export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // the Node-side references build the small networks from YAML with the sync factories, as the packages' tests do
    setupFiles: yamlSetupFiles,
    // one browser, one server, tests in order: the machine has 2 cores
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
