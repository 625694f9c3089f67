import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, loadCheckpoint, loadWeights, saveTfjsWeights } from '../../src/index.js';
import { expectSameStateDict, fixture } from './helpers.js';

const zip = fixture('pose_small.pth');
const reference = loadCheckpoint(zip);
const tfjs = saveTfjsWeights(reference, { shardSizeBytes: 1 << 20 });
const files = new Map<string, Uint8Array>([
  ['/pose.pth', zip],
  ['/tfjs/model.json', new TextEncoder().encode(JSON.stringify(tfjs.modelJson))],
  ...tfjs.shards.map((s): [string, Uint8Array] => [`/tfjs/${s.path}`, s.data]),
]);

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    const body = files.get(req.url ?? '');
    res.writeHead(body ? 200 : 404).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('loadWeights: one way for every head to take weights', () => {
  it('bytes, a URL, and a tfjs model.json URL whose shards are fetched beside it give the same state dict', async () => {
    expect(tfjs.shards.length).toBeGreaterThan(1);
    expectSameStateDict(await loadWeights(zip), reference);
    expectSameStateDict(await loadWeights(`${base}/pose.pth`), reference);
    expectSameStateDict(await loadWeights(new URL(`${base}/tfjs/model.json`)), reference);
  });

  it('a state dict gets the same key rules as bytes (DataParallel module. stripped)', async () => {
    const prefixed = new Map([...reference].map(([k, v]) => [`module.${k}`, v]));
    expectSameStateDict(await loadWeights(prefixed), reference);
  });

  it('HTTP errors and unreachable hosts are CheckpointErrors naming the URL', async () => {
    await expect(loadWeights(`${base}/missing.pth`)).rejects.toThrow(/could not fetch weights from http:\/\/127\.0\.0\.1:\d+\/missing\.pth: HTTP 404/);
    await expect(loadWeights('http://127.0.0.1:1/x.pth')).rejects.toThrow(CheckpointError);
    await expect(loadWeights(null as never)).rejects.toThrow(/expected a URL, checkpoint bytes or a state dict, found null/);
  });
});
