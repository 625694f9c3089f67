import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // `bin` is the `hrnet` executable; `index` exposes the same commands to programs (`run(argv)`).
    entry: { index: 'src/index.ts', bin: 'src/bin.ts' },
    // An application: ESM only (it uses import.meta.url to find its bundled samples).
    format: ['esm'],
    dts: { entry: { index: 'src/index.ts' } },
    sourcemap: true,
    // the two builds share dist/ and run at once: each cleans only its own files
    clean: ['*', '!bench-page.*'],
    target: 'es2022',
    platform: 'node',
    // tfjs must be one instance shared with our packages; sharp and onnxruntime-node are native; playwright-core
    // drives a browser from its own files
    external: [/^@tensorflow\//, /^@hrnetjs\//, 'sharp', 'onnxruntime-node', 'playwright-core'],
  },
  {
    // the page of `hrnet bench`'s browser rows: one self-contained browser bundle (tfjs, our packages,
    // onnxruntime-web's JS; the engines' .wasm files are served from their packages)
    entry: { 'bench-page': 'src/bench/page.ts' },
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    clean: ['bench-page.*'],
    // one file (dynamic imports inlined), so that the node build's clean leaves nothing of it behind
    splitting: false,
    // everything bundled but what core imports only when asked for (webgpu, tfjs-node) or in Node (os): the
    // page asks for wasm or webgl
    noExternal: [/^(?!os$|node:|@tensorflow\/tfjs-backend-webgpu|@tensorflow\/tfjs-node|onnxruntime-node)/],
    external: ['@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-node', 'onnxruntime-node', 'os', /^node:/],
    // not minified: tfjs-backend-wasm starts its pthreads from a function's source text, which mangling breaks
    minify: false,
    esbuildOptions(options) {
      // onnxruntime-web's build that loads its wasm glue (.mjs) from env.wasm.wasmPaths, so that its worker
      // threads start from that file and not from this bundle
      options.conditions = ['onnxruntime-web-use-extern-wasm'];
    },
  },
]);
