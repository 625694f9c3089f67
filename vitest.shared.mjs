import { fileURLToPath } from 'node:url';

/**
 * Tests import our packages from their sources, so a change in `core` is seen by every package's tests
 * without a rebuild (the built `dist` files are exercised by the apps' tests and by `pnpm build`).
 * More specific subpaths first: aliases match by prefix.
 */
const src = (path) => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));

export const workspaceAliases = [
  { find: /^@hrnetjs\/core\/testing$/, replacement: src('core/src/testing.ts') },
  { find: /^@hrnetjs\/core\/node$/, replacement: src('core/src/node.ts') },
  { find: /^@hrnetjs\/core$/, replacement: src('core/src/index.ts') },
  { find: /^@hrnetjs\/hrnet-backbone$/, replacement: src('hrnet-backbone/src/index.ts') },
  { find: /^@hrnetjs\/head-pose$/, replacement: src('head-pose/src/index.ts') },
  { find: /^@hrnetjs\/head-seg$/, replacement: src('head-seg/src/index.ts') },
  { find: /^@hrnetjs\/head-det$/, replacement: src('head-det/src/index.ts') },
  { find: /^@hrnetjs\/face-align$/, replacement: src('face-align/src/index.ts') },
];

export const sharedTestOptions = {
  include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  // golden tests build real networks on the cpu backend: allow them time on a 2-core machine
  testTimeout: 300_000,
  hookTimeout: 300_000,
};

/** `setupFiles` for packages whose tests build networks from YAML text with the sync factories. */
export const yamlSetupFiles = [fileURLToPath(new URL('./vitest.yaml-setup.ts', import.meta.url))];
