import { defineConfig } from 'tsup';

export default defineConfig({
  // `bin` is the `hrnet` executable; `index` exposes the same commands to programs (`run(argv)`).
  entry: { index: 'src/index.ts', bin: 'src/bin.ts' },
  // An application: ESM only (it uses import.meta.url to find its bundled samples).
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'node',
  // tfjs must be one instance shared with our packages; sharp is native
  external: [/^@tensorflow\//, /^@hrnetjs\//, 'sharp'],
});
