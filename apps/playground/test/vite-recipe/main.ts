// The README's recipe for tfjs wasm in a Vite app, as a user writes it: the .wasm files imported with `?url`
// (Vite emits them with hashed names) and handed to selectBackend as a file name → URL map. Built by
// vite-recipe.e2e.test.ts with no aliases, so @hrnetjs/core resolves to its published dist/ as in an app.
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@hrnetjs/core';
// the recipe's own check (not in the README): a known conv on the backend it started
import { Conv2d } from '@hrnetjs/core';
import wasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

const out = document.querySelector('#out')!;
try {
  const choice = await selectBackend('wasm', {
    wasmPaths: { 'tfjs-backend-wasm.wasm': wasm, 'tfjs-backend-wasm-simd.wasm': simd, 'tfjs-backend-wasm-threaded-simd.wasm': threaded },
  });
  // a 3x3 conv of ones over a 4x4 image of ones, padding 1: 4 (corners), 6 (edges), 9 (inside) times 2 channels
  const conv = new Conv2d(2, 1, 3, { padding: 1, bias: false });
  conv.loadStateDict(new Map([['weight', { dtype: 'float32', shape: [1, 2, 3, 3], data: new Float32Array(18).fill(1) }]]));
  const y = conv.predict(tf.ones([1, 4, 4, 2]) as tf.Tensor4D);
  const result = { backend: tf.getBackend(), reason: choice.reason, values: Array.from(await y.data()), urls: [wasm, simd, threaded] };
  y.dispose();
  conv.dispose();
  (window as unknown as { recipe: unknown }).recipe = result;
  out.textContent = JSON.stringify(result, null, 2);
} catch (e) {
  (window as unknown as { recipe: unknown }).recipe = { error: String(e) };
  out.textContent = String(e);
}
