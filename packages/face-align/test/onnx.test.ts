import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRunner, loadCheckpoint, readNpy } from '@hrnetjs/core';
import { compare, nchwToNhwc, useBackend } from '@hrnetjs/core/testing';
import { createFaceAlignmentModel } from '../src/index.js';

// The face_small network exported to ONNX (core's exportOnnx, through the onnxruntime engine) and run in
// onnxruntime-node gives the official PyTorch heatmaps, not just the tfjs ones.
const dir = new URL('./fixtures/face_small/', import.meta.url);
const bytes = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));

describe('face_small on onnxruntime-node', () => {
  beforeAll(() => useBackend('cpu'));

  it('heatmaps equal the official outputs within 1e-5 of max|output|', async () => {
    const model = createFaceAlignmentModel(readFileSync(new URL('config.yaml', dir), 'utf8'));
    model.loadStateDict(loadCheckpoint(bytes('weights.pth')));
    model.fuse();
    const runner = await createRunner('onnxruntime', model as never, { threads: 1 });
    const input = nchwToNhwc(readNpy(bytes('input.npy')));
    const expected = nchwToNhwc(readNpy(bytes('output.npy')));
    const out = (await runner.run(input)) as tf.Tensor4D;
    expect(out.shape).toEqual(expected.shape);
    expect(compare(out.dataSync(), expected.dataSync()).relative).toBeLessThan(1e-5);
    runner.dispose();
    tf.dispose([input, expected, out]);
    model.dispose();
  });
});
