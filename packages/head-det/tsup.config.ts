import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: "src/index.ts", bench: "src/bench.ts" },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // tfjs is a peer: one instance per app, never bundled
  external: [/^@tensorflow\//, /^@hrnetjs\//],
});
