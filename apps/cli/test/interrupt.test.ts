import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, FIXTURES, SAMPLES, tempDir } from './helpers.js';

/**
 * Issue 15 finding 6: SIGINT after 20 of 50 images lost all 20 results (the JSON was written at the end only).
 * Now each finished image is appended to `<task>_images.jsonl` at once, and a signal stops the batch after the
 * current image with every output written and the summary saying where it stopped (exit 130).
 */
describe('hrnet pose interrupted by SIGINT', () => {
  it('keeps what finished: JSON Lines as it goes, then results and a summary naming where it stopped', async () => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`pnpm build\` in apps/cli first`);
    const dir = await tempDir();
    const out = join(dir, 'out');
    const inputs = Array.from({ length: 40 }, (_, i) => join(dir, 'images', `${String(i).padStart(2, '0')}.jpg`));
    mkdirSync(join(dir, 'images'));
    for (const f of inputs) copyFileSync(join(SAMPLES, 'people_6.jpg'), f);
    const child = spawn(process.execPath, [BIN, 'pose', ...inputs, '--model', FIXTURES.pose, '--backend', 'cpu', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const jsonl = join(out, 'pose_images.jsonl');
    const lines = () => (existsSync(jsonl) ? readFileSync(jsonl, 'utf8').split('\n').filter(Boolean).length : 0);
    const started = Date.now();
    while (lines() < 2 && child.exitCode === null && Date.now() - started < 200_000) await new Promise((r) => setTimeout(r, 100));
    expect(lines(), stderr).toBeGreaterThanOrEqual(2);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(130);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.interrupted.signal).toBe('SIGINT');
    expect(summary.processed).toBeGreaterThanOrEqual(2);
    expect(summary.processed).toBeLessThan(40);
    expect(summary.interrupted.remaining).toBe(40 - summary.processed);
    // every finished image is in the JSON Lines and in the final files
    expect(lines()).toBe(summary.processed);
    const images = JSON.parse(readFileSync(join(out, 'pose_images.json'), 'utf8'));
    expect(images).toHaveLength(summary.processed);
    const results = JSON.parse(readFileSync(join(out, 'pose.json'), 'utf8'));
    expect(results.length).toBe(summary.processed); // no boxes: the whole image is one person box
    expect(stderr).toMatch(/interrupted by SIGINT: \d+ input\(s\) not processed/);
  }, 240_000);
});
