import { defineConfig } from 'vitest/config';
import { sharedTestOptions, workspaceAliases } from '../../vitest.shared';

export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: sharedTestOptions,
});
