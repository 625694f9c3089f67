import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRunner, exportOnnx, loadCheckpoint, loadOnnxRuntime, onnxOpCounts, readNpy } from '@hrnetjs/core';
import { compare, nchwToNhwc, useBackend } from '@hrnetjs/core/testing';
import { createPoseModel } from '../src/index.js';

// The pose_small network exported to ONNX (core's exportOnnx, through the onnxruntime engine) and run in
// onnxruntime-node gives the official PyTorch heatmaps, not just the tfjs ones.
const dir = new URL('./fixtures/pose_small/', import.meta.url);
const bytes = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));

describe('pose_small on onnxruntime-node', () => {
  beforeAll(() => useBackend('cpu'));

  it('heatmaps equal the official outputs within 1e-5 of max|output|', async () => {
    const model = createPoseModel(readFileSync(new URL('config.yaml', dir), 'utf8'));
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

  it("layout 'NCHW' is as lean as torch.onnx.export's graph (no Transpose; Conv, Relu, Add, Resize only) and takes the official input as it is", async () => {
    const model = createPoseModel(readFileSync(new URL('config.yaml', dir), 'utf8'));
    model.loadStateDict(loadCheckpoint(bytes('weights.pth')));
    model.fuse();
    const file = exportOnnx(model, { inputSize: [96, 128], layout: 'NCHW' });
    model.dispose();
    const ops = onnxOpCounts(file);
    // one Resize per upsampling fuse layer (16 in this small net; 28 in W32), one Identity naming the output
    expect(Object.keys(ops).sort()).toEqual(['Add', 'Conv', 'Identity', 'Relu', 'Resize']);
    expect(ops.Resize).toBe(16);
    const x = readNpy(bytes('input.npy'));
    // the onnxruntime the engine would use (head-pose has no dependency on it of its own)
    type Ort = { InferenceSession: { create(b: Uint8Array): Promise<any> }; Tensor: new (t: 'float32', d: Float32Array, dims: number[]) => unknown };
    const { ort } = await loadOnnxRuntime<Ort>();
    const session = await ort.InferenceSession.create(file);
    const r = (await session.run({ input: new ort.Tensor('float32', x.data as Float32Array, x.shape) })).output_0!;
    await session.release();
    const official = readNpy(bytes('output.npy'));
    expect([...r.dims]).toEqual(official.shape);
    expect(compare(r.data as Float32Array, official.data).relative).toBeLessThan(1e-5);
  });
});
