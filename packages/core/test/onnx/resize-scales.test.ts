import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conv2d, Module, exportOnnx, onnxOpCounts, resizeBilinear, upsampleNearest } from '../../src/index.js';
import { compare, useBackend } from '../../src/testing.js';
import { fields, text } from './proto-fields.js';

// Why: onnxruntime's NCHWc optimiser turns a Resize into its blocked Upsample (no reorder to plain NCHW and back
// around it) only when the Resize has constant scales or sizes. Sizes made from Shape (the dynamic batch) are not
// constant, so HRNetV2 segmentation's fuse layers (F.interpolate(size=…, align_corners=True) to 2×, 4×, 8×) ran
// as plain Resizes while PyTorch's static-batch export folded its sizes and got the blocked Upsample (seg
// W18-small-v2 1024x2048: 1.19× PyTorch's time at 1 thread). An integer factor is now written as constant scales
// for align_corners and nearest; half-pixel (which the NCHWc Upsample does not take) and any other size keep the
// Shape-based sizes.


/** Each Resize node of the graph: whether it has a scales input (2) and a sizes input (3). */
function resizeInputs(model: Uint8Array): { scales: boolean; sizes: boolean }[] {
  const graph = fields(fields(model).get(7)![0] as Uint8Array);
  return (graph.get(1) ?? [])
    .map((n) => fields(n as Uint8Array))
    .filter((n) => text(n.get(4)![0]) === 'Resize')
    .map((n) => {
      const inputs = (n.get(1) ?? []).map(text);
      return { scales: (inputs[2] ?? '') !== '', sizes: (inputs[3] ?? '') !== '' };
    });
}

/** HRNetV2's fuse pattern in each resize mode the networks use, on 16 channels (one NCHWc block), plus a 1.5× resize. */
class Fuse extends Module<tf.Tensor4D, tf.Tensor4D> {
  stem = this.addModule('stem', new Conv2d(3, 16, 3, { padding: 1 }));
  down = this.addModule('down', new Conv2d(16, 16, 3, { stride: 2, padding: 1 }));
  low = this.addModule('low', new Conv2d(16, 16, 1));
  mid = this.addModule('mid', new Conv2d(16, 16, 3, { padding: 1 }));
  odd = this.addModule('odd', new Conv2d(16, 16, 3, { stride: 2, padding: 1 }));

  forward(x: tf.Tensor4D): tf.Tensor4D {
    const a = tf.relu(this.stem.forward(x));
    const b = tf.relu(this.down.forward(a));
    const [h, w] = [a.shape[1]!, a.shape[2]!];
    const low = this.low.forward(b);
    // align_corners (HRNet-OCR's seg), half-pixel (pytorch-v1.1 seg), nearest (pose): all 2×
    let y = tf.add(this.mid.forward(a), resizeBilinear(low, [h, w], true));
    y = tf.add(y, resizeBilinear(low, [h, w], false));
    y = tf.relu(tf.add(y, upsampleNearest(low, 2)));
    // 16x24 → 8x12 → 12x18: not an integer factor, so sizes
    const c = this.odd.forward(y);
    return tf.relu(resizeBilinear(c, [(h * 3) / 4, (w * 3) / 4], true)) as tf.Tensor4D;
  }
}

describe('exportOnnx writes an integer-factor Resize with constant scales', () => {
  let dir: string;
  beforeAll(async () => {
    await useBackend('cpu');
    dir = mkdtempSync(join(tmpdir(), 'hrnet-rs-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('scales for align_corners and nearest 2×, sizes for half-pixel 2× and for 1.5×; onnxruntime equals tfjs at batch 1 and 3', async () => {
    const model = new Fuse();
    const bytes = exportOnnx(model, { inputSize: [24, 16] });
    expect(resizeInputs(bytes)).toEqual([
      { scales: true, sizes: false },
      { scales: false, sizes: true },
      { scales: true, sizes: false },
      { scales: false, sizes: true },
    ]);
    const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
    for (const batch of [1, 3]) {
      const x = tf.randomNormal([batch, 16, 24, 3]) as tf.Tensor4D;
      const want = model.predict(x);
      const got = (await session.run({ input: new ort.Tensor('float32', x.dataSync() as Float32Array, [batch, 16, 24, 3]) })).output_0!;
      expect(got.dims).toEqual([batch, 12, 18, 16]);
      expect(got.dims).toEqual(want.shape);
      expect(compare(got.data as Float32Array, want.dataSync()).relative).toBeLessThan(1e-5);
      tf.dispose([x, want]);
    }
    await session.release();
    model.dispose();
  });

  it("on a CPU with onnxruntime's NCHWc layout, the align_corners and nearest 2× become its blocked Upsample", async () => {
    const model = new Fuse();
    const bytes = exportOnnx(model, { inputSize: [24, 16] });
    model.dispose();
    const optimized = join(dir, 'opt.onnx');
    const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: 1, optimizedModelFilePath: optimized });
    await session.release();
    const ops = onnxOpCounts(new Uint8Array(readFileSync(optimized)));
    // NCHWc (ReorderInput/ReorderOutput) exists only on CPUs with AVX2 or wider; elsewhere there is nothing to check
    if (!ops.ReorderInput) return;
    // the NCHWc Upsample takes 'asymmetric' and 'align_corners' (not half-pixel, which stays a Resize, as it
    // does in PyTorch's export); before, every Resize here stayed plain
    expect(ops.Upsample).toBe(2);
    expect(ops.Resize).toBe(2);
  });
});
