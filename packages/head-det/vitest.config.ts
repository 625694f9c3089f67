import { defineConfig } from 'vitest/config';
import { sharedTestOptions, workspaceAliases, yamlSetupFiles } from '../../vitest.shared.mjs';

export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: { ...sharedTestOptions, setupFiles: yamlSetupFiles },
});
