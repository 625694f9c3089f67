import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { Conv2d, Module, channelShuffle, exportOnnx } from '../../src/index.js';
import { compare, useBackend } from '../../src/testing.js';
import { fields, text } from './proto-fields.js';

// Why: a channel shuffle is tfjs reshape (N,H,W,g,C/g) → transpose → reshape on NHWC. Translated literally, each one
// cost a transpose NCHW → NHWC before it and NHWC → NCHW after it (three per shuffle; Lite-HRNet-18 has 49). The
// exporter keeps such channel-only reshapes/transposes channels-first, so a shuffle is PyTorch's own
// view (N,g,C/g,H,W) → transpose(1,2) → flatten: one 5-D Transpose.

const opTypes = (model: Uint8Array) =>
  (fields(fields(model).get(7)![0] as Uint8Array).get(1) ?? []).map((n) => text(fields(n as Uint8Array).get(4)![0]));

/** Shuffles between convs, a 5-D value read in tfjs layout (a sum over one channel axis), and a 5-D output. */
class Shuffles extends Module<tf.Tensor4D, { maps: tf.Tensor[]; five: tf.Tensor }> {
  a = this.addModule('a', new Conv2d(3, 8, 3, { padding: 1 }));
  b = this.addModule('b', new Conv2d(8, 12, 1));
  c = this.addModule('c', new Conv2d(12, 12, 3, { padding: 1, groups: 12 }));

  forward(x: tf.Tensor4D) {
    const s1 = channelShuffle(tf.relu(this.a.forward(x)), 2);
    const s2 = channelShuffle(this.b.forward(s1), 4);
    const c = this.c.forward(s2);
    const five = tf.reshape(c, [c.shape[0]!, c.shape[1]!, c.shape[2]!, 3, 4]);
    return { maps: [c, tf.sum(five, 4)], five };
  }
}

describe('exportOnnx: channel shuffle stays channels-first', () => {
  beforeAll(() => useBackend('cpu'));

  it('equals predict on onnxruntime (batch 1 and 3) with one Transpose a shuffle', async () => {
    const model = new Shuffles();
    const bytes = exportOnnx(model as never, { inputSize: [10, 6] });
    // input → NCHW; one 5-D transpose per shuffle; the 5-D value and the 4-D output back to tfjs layout once each
    expect(opTypes(bytes).filter((t) => t === 'Transpose')).toHaveLength(5);
    const session = await ort.InferenceSession.create(bytes);
    for (const n of [1, 3]) {
      const x = tf.randomNormal([n, 6, 10, 3]) as tf.Tensor4D;
      const out = model.predict(x);
      const expected = [...out.maps, out.five];
      const res = await session.run({ input: new ort.Tensor('float32', x.dataSync() as Float32Array, x.shape) });
      expected.forEach((e, i) => {
        const r = res[`output_${i}`]!;
        expect([...r.dims]).toEqual(e.shape);
        expect(compare(r.data as Float32Array, e.dataSync()).relative, `output ${i}, batch ${n}`).toBeLessThan(1e-5);
      });
      tf.dispose([x, expected]);
    }
    await session.release();
    model.dispose();
  });
});
