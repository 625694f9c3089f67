import { defineConfig } from 'tsup';

/**
 * The build every library package shares: ESM + CJS + `.d.ts` for each entry. tfjs and our own packages
 * stay external — tfjs is a peer (one instance per app), and bundling a sibling would duplicate it.
 */
export function libraryConfig(entry) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    external: [/^@tensorflow\//, /^@hrnetjs\//],
  });
}
