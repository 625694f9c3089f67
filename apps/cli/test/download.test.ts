/**
 * Downloads against a local HTTP server on 127.0.0.1 (never the internet): resume with Range, checksum
 * mismatch, 404, a stalled server, and the zoo cache end to end through the built CLI (`--mirror`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findZooEntry } from '@hrnetjs/core';
import { ZOO } from '../src/zoo.js';
import { DownloadError, downloadFile } from '../src/download.js';
import { zooFilePath } from '../src/cache.js';
import { hrnet, tempDir } from './helpers.js';

const BODY = randomBytes(300_000);
const SHA = createHash('sha256').update(BODY).digest('hex');

let server: http.Server;
let base: string;
const seenRanges: (string | undefined)[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = req.url ?? '';
    if (url.startsWith('/file') || url.startsWith('/mirror/')) {
      seenRanges.push(req.headers.range);
      const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      const start = m ? Number(m[1]) : 0;
      if (start >= BODY.length) {
        res.writeHead(416).end();
        return;
      }
      res.writeHead(m ? 206 : 200, { 'content-length': BODY.length - start, ...(m ? { 'content-range': `bytes ${start}-${BODY.length - 1}/${BODY.length}` } : {}) });
      res.end(BODY.subarray(start));
    } else if (url === '/redirect') {
      res.writeHead(302, { location: '/file' }).end();
    } else if (url === '/slow') {
      res.writeHead(200, { 'content-length': BODY.length });
      res.write(BODY.subarray(0, 1000)); // then nothing: a stalled transfer
    } else if (url === '/cut') {
      res.writeHead(200, { 'content-length': BODY.length });
      res.write(BODY.subarray(0, 5000), () => res.destroy()); // the connection drops mid-file
    } else res.writeHead(404).end('not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('downloadFile', () => {
  it('downloads, follows a redirect, verifies the SHA-256 prefix', async () => {
    const dir = await tempDir();
    const r = await downloadFile(`${base}/redirect`, join(dir, 'a.bin'), { sha256: SHA.slice(0, 8), idleTimeoutMs: 5000 });
    expect(r.sha256).toBe(SHA);
    expect(r.resumedFrom).toBe(0);
    expect(Buffer.compare(await readFile(join(dir, 'a.bin')), BODY)).toBe(0);
  });

  it('resumes an interrupted download with a Range request', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'b.bin.part'), BODY.subarray(0, 123_456));
    seenRanges.length = 0;
    const r = await downloadFile(`${base}/file`, join(dir, 'b.bin'), { sha256: SHA, idleTimeoutMs: 5000 });
    expect(seenRanges).toEqual(['bytes=123456-']);
    expect(r.resumedFrom).toBe(123_456);
    expect(Buffer.compare(await readFile(join(dir, 'b.bin')), BODY)).toBe(0);
    expect(existsSync(join(dir, 'b.bin.part'))).toBe(false);
  });

  it('a complete .part file (416) is verified and kept', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'c.bin.part'), BODY);
    const r = await downloadFile(`${base}/file`, join(dir, 'c.bin'), { sha256: SHA, idleTimeoutMs: 5000 });
    expect(r.sha256).toBe(SHA);
  });

  it('rejects a checksum mismatch and removes the file', async () => {
    const dir = await tempDir();
    await expect(downloadFile(`${base}/file`, join(dir, 'd.bin'), { sha256: 'deadbeef', idleTimeoutMs: 5000 })).rejects.toThrow(
      /checksum mismatch .* expected SHA-256 starting deadbeef, got [0-9a-f]{64}; the file was removed/,
    );
    expect(existsSync(join(dir, 'd.bin'))).toBe(false);
    expect(existsSync(join(dir, 'd.bin.part'))).toBe(false);
  });

  it('reports 404 with the status', async () => {
    const dir = await tempDir();
    const e = await downloadFile(`${base}/nope.pth`, join(dir, 'e.bin'), { idleTimeoutMs: 5000 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DownloadError);
    expect((e as DownloadError).status).toBe(404);
    expect((e as Error).message).toMatch(/HTTP 404/);
  });

  it('a stalled server fails after the idle timeout and keeps the part file for resume', async () => {
    const dir = await tempDir();
    const t0 = Date.now();
    await expect(downloadFile(`${base}/slow`, join(dir, 'f.bin'), { idleTimeoutMs: 400 })).rejects.toThrow(/stalled: no data for 400 ms .*run again to resume/);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect((await readFile(join(dir, 'f.bin.part'))).length).toBe(1000);
  });

  it('a connection closed early is an error, not a short file', async () => {
    const dir = await tempDir();
    await expect(downloadFile(`${base}/cut`, join(dir, 'g.bin'), { idleTimeoutMs: 2000 })).rejects.toThrow(/ended early|aborted|failed/);
    expect(existsSync(join(dir, 'g.bin'))).toBe(false);
  });

  it('no server listening: a clear error', async () => {
    const dir = await tempDir();
    await expect(downloadFile('http://127.0.0.1:9/x.pth', join(dir, 'h.bin'), { idleTimeoutMs: 2000 })).rejects.toThrow(/cannot reach 127\.0\.0\.1:9: ECONNREFUSED/);
  });
});

describe('zoo cache through the CLI', () => {
  it('a checksum mismatch from a mirror is refused (exit 1) and nothing is cached', async () => {
    const cache = await tempDir();
    const name = 'mmpose_td-hm_hrnet-w32_8xb64-210e_coco-256x192';
    const r = await hrnet(['zoo', 'download', name, '--cache-dir', cache, '--mirror', `${base}/mirror`, '--timeout-ms', '5000']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/checksum mismatch .*expected SHA-256 starting 81c58e40/);
    expect(existsSync(zooFilePath(findZooEntry(name, ZOO), cache))).toBe(false);
  });

  it('offline without the file: says exactly which file to place where', async () => {
    const cache = await tempDir();
    const r = await hrnet(['pose', 'x.jpg', '--model', 'pose_hrnet_w32_coco_256x192', '--cache-dir', cache, '--offline', '--backend', 'cpu']);
    expect(r.code).toBe(1);
    const path = zooFilePath(findZooEntry('pose_hrnet_w32_coco_256x192', ZOO), cache);
    expect(r.stderr).toContain(`place it at\n  ${path}`);
    expect(r.stderr).toContain("download 'pose_hrnet_w32_256x192.pth' from https://drive.google.com/");
  });

  it('no network: the download error also says where to place the file', async () => {
    const cache = await tempDir();
    const name = 'mmpose_td-hm_hrnet-w32_8xb64-210e_coco-256x192';
    const r = await hrnet(['zoo', 'download', name, '--cache-dir', cache, '--mirror', 'http://127.0.0.1:9', '--timeout-ms', '2000']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach 127\.0\.0\.1:9[\s\S]*Without network: download 'td-hm_hrnet-w32_8xb64-210e_coco-256x192-81c58e40_20220909.pth'/);
  });

  it('a cached file is used offline (no checksum published: taken as is)', async () => {
    const cache = await tempDir();
    const entry = findZooEntry('face_hrnet_w18_wflw', ZOO);
    const p = zooFilePath(entry, cache);
    await mkdir(join(cache, entry.origin), { recursive: true });
    await writeFile(p, BODY);
    const r = await hrnet(['zoo', 'download', entry.name, '--cache-dir', cache, '--offline']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(p);
    expect(r.stderr).toContain(`using cached ${p}`);
  });

  it('zoo lists every task and shows an entry with its key mapping', async () => {
    const r = await hrnet(['zoo', 'det', '--cache-dir', await tempDir()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/mmdet_fcos_hrnetv2p_w32_gn-head_4x4_1x_coco\s+det\s+mmdetection\s+download/);
    const s = JSON.parse((await hrnet(['zoo', 'show', 'mmseg_fcn_hr48_4xb2-40k_cityscapes-512x1024'])).stdout) as { keys: { zeroBiases: string[] }; file: { sha256Prefix: string } };
    expect(s.file.sha256Prefix).toBe('a989b146');
    expect(s.keys.zeroBiases).toEqual(['last_layer.0.bias']);
  });
});
