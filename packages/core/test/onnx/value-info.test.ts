import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conv2d, Module, exportOnnx, resizeBilinear, upsampleNearest } from '../../src/index.js';
import { compare, useBackend } from '../../src/testing.js';
import { fields, text } from './proto-fields.js';

// Why: ONNX shape inference loses the symbolic batch at Resize (N·1.0 from scales; sizes computed from Shape),
// and onnxruntime's NCHWc optimiser then puts Reshapes around every later Add and stops fusing Add into Conv.
// The exporter states each Resize output's shape (value_info) so that the batch stays 'N'.

const graphOf = (model: Uint8Array) => fields(fields(model).get(7)![0] as Uint8Array);
const opTypes = (model: Uint8Array) => (graphOf(model).get(1) ?? []).map((n) => text(fields(n as Uint8Array).get(4)![0]));
/** GraphProto.value_info: name → dims (numbers, or the symbol's name). */
function valueInfo(model: Uint8Array): Map<string, (number | string)[]> {
  const out = new Map<string, (number | string)[]>();
  for (const v of graphOf(model).get(13) ?? []) {
    const f = fields(v as Uint8Array);
    const tensor = fields(fields(f.get(2)![0] as Uint8Array).get(1)![0] as Uint8Array);
    const dims = (fields(tensor.get(2)![0] as Uint8Array).get(1) ?? []).map((d) => {
      const df = fields(d as Uint8Array);
      return df.has(1) ? (df.get(1)![0] as number) : text(df.get(2)![0]);
    });
    out.set(text(f.get(1)![0]), dims);
  }
  return out;
}

/** HRNet's fuse pattern: a low-resolution branch upsampled (nearest ×2, bilinear to a size) and added to a conv. */
class Fuse extends Module<tf.Tensor4D, tf.Tensor4D> {
  stem = this.addModule('stem', new Conv2d(3, 16, 3, { padding: 1 }));
  down = this.addModule('down', new Conv2d(16, 16, 3, { stride: 2, padding: 1 }));
  low = this.addModule('low', new Conv2d(16, 16, 1));
  mid = this.addModule('mid', new Conv2d(16, 16, 3, { padding: 1 }));
  out = this.addModule('out', new Conv2d(16, 16, 3, { padding: 1 }));

  forward(x: tf.Tensor4D): tf.Tensor4D {
    const a = tf.relu(this.stem.forward(x));
    const b = tf.relu(this.down.forward(a));
    const [h, w] = [a.shape[1]!, a.shape[2]!];
    const y = tf.relu(tf.add(this.mid.forward(a), upsampleNearest(this.low.forward(b), 2)));
    return tf.relu(tf.add(this.out.forward(y), resizeBilinear(this.low.forward(b), [h, w], false))) as tf.Tensor4D;
  }
}

describe('exportOnnx states the shape of every Resize output', () => {
  let dir: string;
  beforeAll(async () => {
    await useBackend('cpu');
    dir = mkdtempSync(join(tmpdir(), 'hrnet-vi-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("with the batch symbolic ('N'), onnxruntime needs no Reshape around the Adds, and the graph still runs any batch", async () => {
    const model = new Fuse();
    const bytes = exportOnnx(model, { inputSize: [24, 16] });
    const info = valueInfo(bytes);
    expect(opTypes(bytes).filter((t) => t === 'Resize')).toHaveLength(2);
    // NCHW: 16 channels at the input's 16x24 (height x width), batch symbolic
    expect([...info.values()]).toEqual([
      ['N', 16, 16, 24],
      ['N', 16, 16, 24],
    ]);

    const optimized = join(dir, 'opt.onnx');
    const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: 1, optimizedModelFilePath: optimized });
    const ops = opTypes(new Uint8Array(readFileSync(optimized)));
    // the NCHWc layout (ReorderInput/ReorderOutput) exists only on CPUs with AVX2 or wider; there, no Add is wrapped in Reshapes
    if (ops.some((t) => t.startsWith('Reorder'))) expect(ops.filter((t) => t === 'Reshape')).toEqual([]);
    for (const batch of [1, 3]) {
      const x = tf.randomNormal([batch, 16, 24, 3]) as tf.Tensor4D;
      const want = model.predict(x);
      const got = await session.run({ input: new ort.Tensor('float32', x.dataSync() as Float32Array, [batch, 16, 24, 3]) });
      const out = got.output_0!;
      expect(out.dims).toEqual(want.shape);
      expect(compare(out.data as Float32Array, want.dataSync()).relative).toBeLessThan(1e-5);
      tf.dispose([x, want]);
    }
    await session.release();
    model.dispose();
  });
});
