import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRunner, readNpy } from '@hrnetjs/core';
import { compare, nhwcToNchw, useBackend } from '@hrnetjs/core/testing';
import { hashedImage, smallNetwork } from './helpers/bottom-up.js';

// higherhrnet_small (HigherHRNet: the trunk, a ConvTranspose2d deconv head on the concatenated 1/4 maps, two
// resolutions of outputs) exported to ONNX and run in onnxruntime-node gives the official outputs.
const dir = new URL('./fixtures/higherhrnet_small/', import.meta.url);
const bytes = (f: string) => new Uint8Array(readFileSync(new URL(f, dir)));

describe('higherhrnet_small on onnxruntime-node', () => {
  beforeAll(() => useBackend('cpu'));

  it('both outputs equal the official forward within 1e-5 of max|output|', async () => {
    const model = smallNetwork();
    model.fuse();
    const runner = await createRunner('onnxruntime', model as never, { threads: 1 });
    const x = hashedImage('input', [1, 3, 64, 96]);
    const out = (await runner.run(x)) as tf.Tensor4D[];
    expect(out.map((t) => t.shape)).toEqual([[1, 16, 24, 34], [1, 32, 48, 17]]);
    out.forEach((t, i) => {
      const c = compare(nhwcToNchw(t), readNpy(bytes(`output_${i}.npy`)).data);
      expect(c.relative, `output_${i}`).toBeLessThan(1e-5);
    });
    runner.dispose();
    tf.dispose([x, ...out]);
    model.dispose();
  });
});
