// The Vite config of the README's recipe: what a Vite app needs for hrnet-js on tfjs wasm, and nothing else.
import { defineConfig } from 'vite';

// wasm threads need a cross-origin isolated page: the dev and preview servers send these (so must your host)
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  server: { headers: isolation },
  preview: { headers: isolation },
  build: {
    // top-level await, as in the recipe's main.ts
    target: 'es2022',
    // tfjs-backend-wasm starts its threads from a function's source text; minified names break it
    // ("e is not defined" in every worker)
    minify: false,
  },
});
