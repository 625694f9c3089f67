import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {"index":"src/index.ts","node":"src/node.ts","testing":"src/testing.ts"},
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // tfjs is a peer: one instance per app, never bundled
  external: [/^@tensorflow\//, /^@hrnetjs\//],
});
