import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Plugin, defaultClientConditions, defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));

// Our packages resolve to their sources (the aliases every package's tests use), so `dev` and `build` need no
// prior build of the workspace.
import { workspaceAliases } from '../../vitest.shared.mjs';

export { workspaceAliases };
const require = createRequire(import.meta.url);

/**
 * COOP/COEP make the page cross-origin isolated, which is what SharedArrayBuffer (and so the threaded
 * wasm backend) needs. Every resource we load is same-origin, so `require-corp` costs nothing.
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

/** The three builds of the wasm backend (plain, SIMD, threaded SIMD); tfjs picks one at run time. */
export const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

function wasmDir(): string {
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json').replace(/package\.json$/, 'dist/x'));
}

/**
 * tfjs-backend-wasm fetches its .wasm files at run time from the path given to `setWasmPaths`: serve them
 * under `wasm/` in dev and emit them there in the build (no copy in the repository to go stale).
 */
function tfjsWasmFiles(): Plugin {
  return {
    name: 'hrnetjs:tfjs-wasm-files',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const m = /\/wasm\/([\w.-]+\.wasm)(?:\?|$)/.exec(req.url ?? '');
        if (!m || !WASM_FILES.includes(m[1]!)) return next();
        res.setHeader('Content-Type', 'application/wasm');
        for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
        createReadStream(join(wasmDir(), m[1]!)).pipe(res);
      });
    },
    generateBundle() {
      for (const name of WASM_FILES) {
        const path = join(wasmDir(), name);
        if (!existsSync(path)) this.error(`missing ${path}: is @tensorflow/tfjs-backend-wasm installed?`);
        this.emitFile({ type: 'asset', fileName: `wasm/${name}`, source: readFileSync(path) });
      }
    },
  };
}

/**
 * onnxruntime-web (the `onnxruntime` engine) loads its wasm glue (.mjs) and .wasm at run time from
 * `env.wasm.wasmPaths`: serve them under `ort/` in dev and emit them there in the build. The glue is loaded
 * from there (the `onnxruntime-web-use-extern-wasm` build, see `resolve.conditions`), so its worker threads start
 * from that file and not from our worker bundle.
 */
const ORT_FILES = ['ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm'];

function ortDir(): string {
  return dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm'));
}

function ortWasmFiles(): Plugin {
  return {
    name: 'hrnetjs:ort-wasm-files',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const m = /\/ort\/([\w.-]+\.(?:wasm|mjs))(?:\?|$)/.exec(req.url ?? '');
        if (!m || !ORT_FILES.includes(m[1]!)) return next();
        res.setHeader('Content-Type', m[1]!.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
        for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
        createReadStream(join(ortDir(), m[1]!)).pipe(res);
      });
    },
    generateBundle() {
      for (const name of ORT_FILES) {
        const path = join(ortDir(), name);
        if (!existsSync(path)) this.error(`missing ${path}: is onnxruntime-web installed?`);
        this.emitFile({ type: 'asset', fileName: `ort/${name}`, source: readFileSync(path) });
      }
    },
  };
}

export default defineConfig({
  // relative asset URLs: the build works from any folder of any static host
  base: './',
  resolve: {
    alias: workspaceAliases,
    // one tfjs-core for every package, and the backends core imports dynamically resolved from this app
    conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions],
    dedupe: [
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-backend-cpu',
      '@tensorflow/tfjs-backend-wasm',
      '@tensorflow/tfjs-backend-webgl',
      '@tensorflow/tfjs-backend-webgpu',
    ],
  },
  plugins: [tfjsWasmFiles(), ortWasmFiles()],
  worker: { format: 'es' },
  server: { headers: ISOLATION_HEADERS, host: '127.0.0.1' },
  preview: { headers: ISOLATION_HEADERS, host: '127.0.0.1' },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    outDir: join(here, 'dist'),
    // not minified: tfjs-backend-wasm starts its pthreads from a function's source text (toString), which
    // mangled names break, and the typed errors keep their class names for the page's error box
    minify: false,
    rolldownOptions: { checks: { pluginTimings: false } },
  },
});
