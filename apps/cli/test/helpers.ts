import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI_DIR = fileURLToPath(new URL('..', import.meta.url));
export const REPO = join(CLI_DIR, '../..');
export const BIN = join(CLI_DIR, 'dist/bin.js');
export const SAMPLES = join(CLI_DIR, 'test/fixtures/samples');
/** Golden fixtures already in the repository (small networks, random weights, official code). */
export const FIXTURES = {
  pose: join(REPO, 'packages/head-pose/test/fixtures/pose_small'),
  seg: join(REPO, 'packages/head-seg/test/fixtures/seg_small'),
  face: join(REPO, 'packages/face-align/test/fixtures/face_small'),
  det: join(REPO, 'packages/head-det/test/fixtures/det_fcos_small'),
};

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the BUILT cli (`pnpm build` first; `pnpm test` at the root builds everything). */
export function hrnet(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`pnpm build\` in apps/cli first`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hrnet ${args.join(' ')} timed out\n${stderr}`));
    }, options.timeoutMs ?? 240_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function tempDir(prefix = 'hrnet-cli-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}
