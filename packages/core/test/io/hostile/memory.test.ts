import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { floats, safetensorsRaw, stateDictPickle, torchZip, zipWithAliases } from './build.js';

/**
 * Issue 15 finding 1, checked where it can be measured: each hostile file is loaded in a child process, which
 * reports its peak RSS and wall time. Before the fix these files materialised 1–12 GiB (the process was killed);
 * now each is refused with a CheckpointError before anything big is allocated.
 */
const dir = mkdtempSync(join(tmpdir(), 'hrnet-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;

interface ChildReport {
  result: 'ok' | 'refused' | 'other';
  message?: string;
  ms: number;
  maxRssMB: number;
  rssBeforeMB: number;
}

function loadInChild(name: string, bytes: Uint8Array): ChildReport {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  const r = spawnSync(process.execPath, ['--import', TSX, CHILD, file], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`child for ${name} ended with ${r.status ?? r.signal}: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildReport;
}

/** What a refused load may cost beyond the child's own start (tsx + the file): far below the attack's GiB. */
const MAX_GROWTH_MB = 200;

describe('hostile files are refused before they allocate (child process: peak RSS)', () => {
  it('three stride-0 views expanded to 2^30 elements (450 bytes → 12 GiB before)', () => {
    const views = ['a', 'b', 'c'].map((name) => ({ name, storage: '0', storageNumel: 1, shape: [2 ** 30], stride: [0] }));
    const bytes = torchZip(stateDictPickle(views), { '0': floats([1]) });
    expect(bytes.length).toBeLessThan(1200);
    const r = loadInChild('stride0.pth', bytes);
    expect(r.result, r.message).toBe('refused');
    expect(r.message).toMatch(/would materialise \d+ bytes from a \d+-byte file.*maxTensorBytes/);
    expect(r.maxRssMB - r.rssBeforeMB).toBeLessThan(MAX_GROWTH_MB);
  }, 130_000);

  it('256 keys viewing one 4 MiB storage (1 GiB before)', () => {
    const views = Array.from({ length: 256 }, (_, i) => ({ name: `k${i}`, storage: '0', storageNumel: 2 ** 20, shape: [2 ** 20] }));
    const r = loadInChild('shared.pth', torchZip(stateDictPickle(views), { '0': new Uint8Array(4 * 2 ** 20) }));
    expect(r.result, r.message).toBe('refused');
    expect(r.maxRssMB - r.rssBeforeMB).toBeLessThan(MAX_GROWTH_MB);
  }, 130_000);

  it('safetensors entries with overlapping data_offsets (1 MB → 1 GB before)', () => {
    const header: Record<string, unknown> = {};
    for (let i = 0; i < 1000; i++) header[`t${i}`] = { dtype: 'F32', shape: [2 ** 18], data_offsets: [0, 2 ** 20] };
    const r = loadInChild('overlap.safetensors', safetensorsRaw(header, new Uint8Array(2 ** 20)));
    expect(r.result, r.message).toBe('refused');
    expect(r.message).toMatch(/overlap/);
    expect(r.maxRssMB - r.rssBeforeMB).toBeLessThan(MAX_GROWTH_MB);
  }, 130_000);

  it('16 zip directory entries over one 16 MiB deflate stream (256 MiB inflated before; the issue used 64 MiB)', () => {
    const zip = torchZip(stateDictPickle([{ name: 'w', storage: '0', storageNumel: 2 ** 22, shape: [2 ** 22] }]), { '0': new Uint8Array(2 ** 24) }, { level: 6 });
    const aliases = '123456789abcdef'.split('').map((c) => `archive/data/${c}`);
    const bytes = zipWithAliases(zip, 'archive/data/0', aliases);
    expect(bytes.length).toBeLessThan(2 ** 20);
    const r = loadInChild('aliases.pth', bytes);
    expect(r.result, r.message).toBe('refused');
    expect(r.message).toMatch(/overlap/);
    expect(r.maxRssMB - r.rssBeforeMB).toBeLessThan(MAX_GROWTH_MB);
  }, 130_000);

  it('one deflate entry that claims more than the budget is refused before inflating', () => {
    // 64 MiB of zeros deflates to ~64 KB; a real torch.save never compresses, and 4 × 64 KB + 1 MiB is far less
    const zip = torchZip(stateDictPickle([{ name: 'w', storage: '0', storageNumel: 2 ** 24, shape: [2 ** 24] }]), { '0': new Uint8Array(2 ** 26) }, { level: 6 });
    const r = loadInChild('bomb.pth', zip);
    expect(r.result, r.message).toBe('refused');
    expect(r.message).toMatch(/compressed entries would materialise/);
    expect(r.maxRssMB - r.rssBeforeMB).toBeLessThan(MAX_GROWTH_MB);
  }, 130_000);

  it('the harness itself: an honest file loads in the child', () => {
    const r = loadInChild('honest.pth', torchZip(stateDictPickle([{ name: 'w', storage: '0', storageNumel: 4, shape: [2, 2] }]), { '0': floats([1, 2, 3, 4]) }));
    expect(r.result, r.message).toBe('ok');
  }, 130_000);
});
