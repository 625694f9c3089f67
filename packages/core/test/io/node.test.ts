import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src/index.js';
import { readCheckpointFile, readNpyFile, writeSafetensorsFile, writeTfjsWeightsFiles } from '../../src/node.js';
import { type ExpectedTensor, FIXTURES, expectSameStateDict, expectTensor, expected, fixture } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'hrnetjs-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('@hrnetjs/core/node', () => {
  it('readCheckpointFile reads .pth and names .npy entries after the file', async () => {
    const sd = await readCheckpointFile(`${FIXTURES}pose_small.pth`);
    expectSameStateDict(sd, loadCheckpoint(fixture('pose_small.pth')));
    const npy = await readCheckpointFile(`${FIXTURES}float32.npy`);
    expect([...npy.keys()]).toEqual(['float32']);
  });

  it('readNpyFile', async () => {
    expectTensor(await readNpyFile(`${FIXTURES}float64.npy`), expected['float64.npy'] as ExpectedTensor);
  });

  it('writes safetensors and tfjs files that read back equal', async () => {
    const sd = loadCheckpoint(fixture('det_fcos_small.pth'));
    await writeSafetensorsFile(join(dir, 'st', 'det.safetensors'), sd);
    expectSameStateDict(sd, await readCheckpointFile(join(dir, 'st', 'det.safetensors')));
    const { paths } = await writeTfjsWeightsFiles(join(dir, 'tfjs'), sd, { shardSizeBytes: 2 << 20 });
    expect(readdirSync(join(dir, 'tfjs')).sort()).toEqual(['group1-shard1of3.bin', 'group1-shard2of3.bin', 'group1-shard3of3.bin', 'model.json']);
    expect(paths[0]).toBe(join(dir, 'tfjs', 'model.json'));
    expectSameStateDict(sd, await readCheckpointFile(join(dir, 'tfjs', 'model.json')));
  });
});
