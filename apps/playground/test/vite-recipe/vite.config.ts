// The Vite config of the README's recipe: what a Vite app needs for hrnet-js on tfjs wasm, and nothing else.
import { defineConfig } from 'vite';

// wasm threads need a cross-origin isolated page: the dev and preview servers send these (so must your host)
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  server: { headers: isolation },
  preview: { headers: isolation },
  // target es2022: top-level await, as in the recipe's main.ts. minify false: tfjs-backend-wasm starts its
  // threads from a function's source text; minified names break it ("e is not defined" in every worker)
  build: { target: 'es2022', minify: false },
});
