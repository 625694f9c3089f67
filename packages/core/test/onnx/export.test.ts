import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BatchNorm2d,
  Conv2d,
  ConvTranspose2d,
  EngineError,
  type HostTensor,
  GroupNorm,
  Linear,
  Module,
  ShapeError,
  avgPool2d,
  createRunner,
  exportOnnx,
  globalAvgPool,
  readExportInfo,
  onnxOpCounts,
  resizeBilinear,
  setOnnxRuntimeLoader,
  upsampleNearest,
} from '../../src/index.js';
import { readModelMetadata } from '../../src/onnx/proto.js';
import { NODE_TEST_BACKENDS, compare, useBackend } from '../../src/testing.js';

/** A small network using every layer kind the heads use: conv+BN(+ReLU), depthwise/grouped/strided convs,
 * nearest and bilinear resizes, concat, GroupNorm, average pooling, a softmax attention, a linear head. */
class Mixed extends Module<tf.Tensor4D, { maps: tf.Tensor[]; logits: tf.Tensor }> {
  conv1 = this.addModule('conv1', new Conv2d(3, 8, 3, { stride: 2, padding: 1, bias: false }));
  bn1 = this.addModule('bn1', new BatchNorm2d(8));
  dw = this.addModule('dw', new Conv2d(8, 8, 3, { padding: 1, groups: 8 }));
  grouped = this.addModule('grouped', new Conv2d(8, 8, 1, { groups: 2 }));
  down = this.addModule('down', new Conv2d(8, 16, 3, { stride: 2, padding: 1 }));
  gn = this.addModule('gn', new GroupNorm(4, 16));
  fc = this.addModule('fc', new Linear(24, 5));

  override fuse(): this {
    this.conv1.foldBatchNorm(this.bn1, 'relu');
    return this;
  }

  forward(x: tf.Tensor4D) {
    const a = this.conv1.forwardWith(x, this.bn1, 'relu');
    const b = tf.relu(tf.add(this.dw.forward(a), this.grouped.forward(a)));
    const c = this.gn.forward(this.down.forward(b));
    const [h, w] = [b.shape[1]!, b.shape[2]!];
    const up = upsampleNearest(c, 2);
    const bil = resizeBilinear(c, [h, w], false);
    const bilAc = resizeBilinear(c, [h + 3, w + 1], true);
    const cat = tf.concat([b, up, bil], 3);
    // attention over pixels, as OCR's: [N, HW, C] x [N, C, HW]
    const flat = tf.reshape(cat, [cat.shape[0]!, h * w, 40]);
    const att = tf.softmax(tf.matMul(flat, flat, false, true));
    const mixed = tf.reshape(tf.matMul(att, flat), cat.shape);
    const pooled = avgPool2d(mixed, 2);
    const logits = this.fc.forward(globalAvgPool(tf.slice(pooled, [0, 0, 0, 0], [-1, -1, -1, 24])));
    return { maps: [mixed, pooled, bilAc, tf.sigmoid(tf.mul(c, 0.5))], logits };
  }
}

/** The names of the kernels the backend ran during `f` (the engine's `runKernelFunc`, under any recording). */
function kernelsRun<T>(f: () => T): { result: T; names: Set<string> } {
  const engine = tf.engine() as unknown as { runKernelFunc: (p: { kernelName: string }) => unknown };
  const names = new Set<string>();
  const original = engine.runKernelFunc;
  engine.runKernelFunc = function (this: unknown, p: { kernelName: string }) {
    names.add(p.kernelName);
    return original.call(this, p);
  };
  try {
    return { result: f(), names };
  } finally {
    delete (engine as { runKernelFunc?: unknown }).runKernelFunc;
  }
}

/** A forward that reads an activation's values (a data-dependent scale): only a real pass can record it. */
class Peeks extends Module<tf.Tensor4D, tf.Tensor> {
  conv = this.addModule('conv', new Conv2d(3, 4, 3, { padding: 1 }));

  forward(x: tf.Tensor4D) {
    const y = this.conv.forward(x);
    const peak = tf.max(y).dataSync()[0]!;
    return tf.mul(y, 1 / (1 + Math.abs(peak)));
  }
}

/** Random weights (running variances positive), deterministic. */
function randomize(m: Module<any, any>): void {
  let seed = 1;
  const rand = () => {
    seed = (seed * 16807) % 2147483647;
    return (seed / 2147483647) * 2 - 1;
  };
  const sd = new Map<string, HostTensor>();
  for (const [key, shape] of m.shapes()) {
    if (key.endsWith('num_batches_tracked')) continue;
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: n }, () => (key.endsWith('running_var') ? 1 + rand() / 2 : rand() * 0.5));
    sd.set(key, { dtype: 'float32', shape, data });
  }
  m.loadStateDict(sd, { strict: false });
}

const leaves = (o: { maps: tf.Tensor[]; logits: tf.Tensor }) => [...o.maps, o.logits];

describe.each(NODE_TEST_BACKENDS)('exportOnnx (%s)', (backend) => {
  let model: Mixed;
  beforeAll(async () => {
    await useBackend(backend);
    tf.randomNormal([1]).dispose();
    model = new Mixed();
    randomize(model);
    model.fuse();
  });
  afterAll(() => model.dispose());

  it('the exported graph on onnxruntime equals predict (every output, dynamic batch), and records without leaks', async () => {
    const before = tf.memory().numTensors;
    const bytes = exportOnnx(model as never, { inputSize: [20, 16] });
    expect(tf.memory().numTensors).toBe(before);
    const session = await ort.InferenceSession.create(bytes);
    for (const n of [1, 3]) {
      const x = tf.randomNormal([n, 16, 20, 3]) as tf.Tensor4D;
      const expected = leaves(model.predict(x));
      const res = await session.run({ input: new ort.Tensor('float32', x.dataSync() as Float32Array, x.shape) });
      expected.forEach((e, i) => {
        const r = res[`output_${i}`]!;
        expect([...r.dims]).toEqual(e.shape);
        expect(compare(r.data as Float32Array, e.dataSync()).relative, `output ${i}, batch ${n}`).toBeLessThan(1e-5);
      });
      tf.dispose([x, expected]);
    }
    await session.release();
  });

  it('records from shapes only: the very file of a real pass, with no kernel run on the input; a forward that reads values falls back', () => {
    const real = kernelsRun(() => exportOnnx(model as never, { inputSize: [20, 16], recording: 'compute' }));
    const before = tf.memory().numTensors;
    const shapes = kernelsRun(() => exportOnnx(model as never, { inputSize: [20, 16] }));
    expect(tf.memory().numTensors).toBe(before);
    expect(shapes.result).toEqual(real.result);
    // the real pass runs every layer; the shape-only one runs none (only kernels on constants, folded)
    for (const k of ['FusedConv2D', 'FusedDepthwiseConv2D', 'BatchMatMul', 'ResizeBilinear', 'Softmax', 'AvgPool']) {
      expect(real.names.has(k), k).toBe(true);
      expect(shapes.names.has(k), k).toBe(false);
    }
    const peeks = new Peeks();
    expect(exportOnnx(peeks as never, { inputSize: [6, 4] })).toEqual(exportOnnx(peeks as never, { inputSize: [6, 4], recording: 'compute' }));
    peeks.dispose();
  });

  it('the engine runner returns predict’s structure as tensors, one session per input size, and frees them', async () => {
    const runner = await createRunner('onnxruntime', model as never, { threads: 1 });
    expect(runner.description).toBe('onnxruntime-node cpu, 1 thread');
    for (const [h, w] of [[16, 20], [24, 32], [16, 20]] as const) {
      const x = tf.randomNormal([2, h, w, 3]) as tf.Tensor4D;
      const before = tf.memory().numTensors;
      const out = (await runner.run(x)) as { maps: tf.Tensor[]; logits: tf.Tensor };
      expect(tf.memory().numTensors).toBe(before + 5);
      const expected = model.predict(x);
      leaves(out).forEach((t, i) => expect(compare(t.dataSync(), leaves(expected)[i]!.dataSync()).relative).toBeLessThan(1e-5));
      tf.dispose([x, out, expected]);
    }
    runner.dispose();
    await expect(runner.run(tf.zeros([1, 16, 20, 3]))).rejects.toThrow(EngineError);
  });

  it("layout 'NCHW': input and 4-D outputs as PyTorch has them, the same values; the engine runs such a file too", async () => {
    const bytes = exportOnnx(model as never, { inputSize: [20, 16], layout: 'NCHW' });
    expect(readExportInfo(bytes).layout).toBe('NCHW');
    // no Transpose at the input and none at the outputs that are NCHW inside (the reshaped attention map is NHWC
    // inside, so it gets one instead): 3 here against 7 (see the pose graph in head-pose for a network with none)
    expect(onnxOpCounts(exportOnnx(model as never, { inputSize: [20, 16] })).Transpose).toBe(7);
    expect(onnxOpCounts(bytes).Transpose).toBe(3);
    const session = await ort.InferenceSession.create(bytes);
    const x = tf.randomNormal([2, 16, 20, 3]) as tf.Tensor4D;
    const xt = tf.transpose(x, [0, 3, 1, 2]);
    const expected = leaves(model.predict(x));
    const res = await session.run({ input: new ort.Tensor('float32', xt.dataSync() as Float32Array, xt.shape) });
    expected.forEach((e, i) => {
      const want = e.rank === 4 ? tf.transpose(e, [0, 3, 1, 2]) : e;
      expect([...res[`output_${i}`]!.dims]).toEqual(want.shape);
      expect(compare(res[`output_${i}`]!.data as Float32Array, want.dataSync()).relative).toBeLessThan(1e-5);
      if (want !== e) want.dispose();
    });
    await session.release();
    const runner = await createRunner('onnxruntime', model as never, { threads: 1, onnxModel: bytes });
    const before = tf.memory().numTensors;
    const out = (await runner.run(x)) as { maps: tf.Tensor[]; logits: tf.Tensor };
    expect(tf.memory().numTensors).toBe(before + 5);
    leaves(out).forEach((t, i) => expect(compare(t.dataSync(), expected[i]!.dataSync()).relative).toBeLessThan(1e-5));
    runner.dispose();
    tf.dispose([x, xt, expected, out]);
    expect(() => exportOnnx(model as never, { inputSize: [20, 16], layout: 'CHW' as never })).toThrow(/layout: expected 'NHWC' or 'NCHW', found "CHW"/);
  });

  it('a given exported file is used for its size and refuses another size, saying both', async () => {
    const bytes = exportOnnx(model as never, { inputSize: [20, 16] });
    expect(readExportInfo(bytes)).toMatchObject({ inputSize: [20, 16], channels: 3 });
    const runner = await createRunner('onnxruntime', model as never, { threads: 1, onnxModel: bytes });
    const x = tf.randomNormal([1, 24, 32, 3]) as tf.Tensor4D;
    await expect(runner.run(x)).rejects.toThrow(ShapeError);
    await expect(runner.run(x)).rejects.toThrow(/exported for input 20x16x3 .* found an input of 32x24x3/);
    runner.dispose();
    x.dispose();
    await expect(createRunner('onnxruntime', model as never, { onnxModel: new Uint8Array([8, 1, 18, 3]) })).rejects.toThrow(
      /expected an ONNX file exported by hrnet-js/,
    );
  });
});

/** Transposed convs as HigherHRNet's deconv head has them (k 4, s 2, p 1), with output_padding and with BatchNorm. */
class Deconvs extends Module<tf.Tensor4D, tf.Tensor[]> {
  a = this.addModule('a', new ConvTranspose2d(3, 6, 4, { stride: 2, padding: 1, bias: false }));
  bn = this.addModule('bn', new BatchNorm2d(6));
  b = this.addModule('b', new ConvTranspose2d(6, 4, 3, { stride: 2, padding: 1, outputPadding: 1 }));
  c = this.addModule('c', new ConvTranspose2d(4, 2, 1));

  override fuse(): this {
    this.a.foldBatchNorm(this.bn, 'relu');
    return this;
  }

  forward(x: tf.Tensor4D) {
    const y = this.a.forwardWith(x, this.bn, 'relu');
    const z = this.b.forward(y);
    return [y, z, this.c.forward(z)];
  }
}

describe.each(NODE_TEST_BACKENDS)('exportOnnx: ConvTranspose2d (%s)', (backend) => {
  beforeAll(() => useBackend(backend));

  it('as ConvTranspose (explicit pads), output_padding as its dilate + conv identity, fused or not: equals predict', async () => {
    for (const fused of [false, true]) {
      const m = new Deconvs();
      randomize(m);
      if (fused) m.fuse();
      const bytes = exportOnnx(m as never, { inputSize: [7, 5] });
      // output_padding > 0 runs as tfjs's dilate + conv identity (conv-transpose.ts) and exports as that
      expect(onnxOpCounts(bytes).ConvTranspose).toBe(2);
      const session = await ort.InferenceSession.create(bytes);
      const x = tf.randomNormal([2, 5, 7, 3]) as tf.Tensor4D;
      const expected = m.predict(x);
      const res = await session.run({ input: new ort.Tensor('float32', x.dataSync() as Float32Array, x.shape) });
      expected.forEach((e, i) => {
        expect([...res[`output_${i}`]!.dims]).toEqual(e.shape);
        expect(compare(res[`output_${i}`]!.data as Float32Array, e.dataSync()).relative, `output ${i} fused=${fused}`).toBeLessThan(1e-5);
      });
      await session.release();
      tf.dispose([x, ...expected]);
      m.dispose();
    }
  });
});

describe('ONNX writer', () => {
  beforeAll(() => useBackend('cpu'));

  it('metadata round-trips and bad sizes are refused', () => {
    const m = new Mixed();
    const bytes = exportOnnx(m as never, { inputSize: [8, 8] });
    expect(JSON.parse(readModelMetadata(bytes)['hrnetjs.export']!)).toEqual({
      inputSize: [8, 8],
      channels: 3,
      layout: 'NHWC',
      outputs: { maps: [0, 1, 2, 3], logits: 4 },
    });
    expect(() => exportOnnx(m as never, { inputSize: [0, 8] })).toThrow(ShapeError);
    m.dispose();
  });

  // the reference checker (Debian python3-onnx) where this machine has it; CI without Python skips only this
  const python = '/usr/bin/python3';
  const hasOnnx = existsSync(python) && (() => {
    try {
      execFileSync(python, ['-c', 'import onnx'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!hasOnnx)('onnx.checker (full check, with shape inference) accepts the file', () => {
    const m = new Mixed();
    const dir = mkdtempSync(join(tmpdir(), 'hrnet-onnx-'));
    const file = join(dir, 'mixed.onnx');
    writeFileSync(file, exportOnnx(m as never, { inputSize: [20, 16] }));
    m.dispose();
    const out = execFileSync(python, [
      '-c',
      'import onnx,sys; m=onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print(m.opset_import[0].version, m.graph.input[0].type.tensor_type.shape.dim[0].dim_param)',
      file,
    ]).toString();
    rmSync(dir, { recursive: true });
    expect(out.trim()).toBe('17 N');
  });
});

describe('onnxruntime engine options', () => {
  it('unknown engines and bad onnxModel values are EngineErrors', async () => {
    const { validateEngine } = await import('../../src/index.js');
    expect(() => validateEngine('tensorrt', undefined)).toThrow(EngineError);
    expect(() => validateEngine('onnxruntime', { onnxModel: 'model.onnx' as never })).toThrow(/expected the bytes of an exported .onnx file, found/);
  });
});

describe('onnxruntime loading (setOnnxRuntimeLoader)', () => {
  beforeAll(() => useBackend('cpu'));
  afterAll(() => setOnnxRuntimeLoader(null));

  it('onnxruntime absent: an EngineError naming the package to install', async () => {
    const m = new Mixed();
    setOnnxRuntimeLoader(async () => {
      throw new Error("Cannot find package 'onnxruntime-node'");
    });
    try {
      const err = await createRunner('onnxruntime', m as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EngineError);
      expect((err as Error).message).toMatch(/needs the package onnxruntime-node .*npm install onnxruntime-node/);
      // a loader that hands back something else is named as such, not a TypeError later
      setOnnxRuntimeLoader(async () => ({ version: '1' }));
      await expect(createRunner('onnxruntime', m as never)).rejects.toThrow(/expected the onnxruntime-node module \(with InferenceSession\), found a module with version/);
      expect(() => setOnnxRuntimeLoader('onnxruntime-node' as never)).toThrow(EngineError);
    } finally {
      setOnnxRuntimeLoader(null);
      m.dispose();
    }
  });

  it('dispose() releases every session the runner opened (one a size), once', async () => {
    const m = new Mixed();
    randomize(m);
    let created = 0;
    let released = 0;
    // the real onnxruntime-node, its sessions counted; a module namespace is frozen, so a new object
    setOnnxRuntimeLoader(async () => ({
      ...ort,
      InferenceSession: {
        create: async (bytes: Uint8Array, options: never) => {
          const s = await ort.InferenceSession.create(bytes, options);
          created++;
          return { run: s.run.bind(s), release: async () => {
            released++;
            await s.release();
          } };
        },
      },
    }));
    try {
      const runner = await createRunner('onnxruntime', m as never, { threads: 1 });
      for (const [h, w] of [[16, 20], [24, 32], [16, 20]] as const) {
        const x = tf.zeros([1, h, w, 3]) as tf.Tensor4D;
        tf.dispose([x, (await runner.run(x)) as never]);
      }
      expect(created).toBe(2);
      runner.dispose();
      runner.dispose();
      await new Promise((r) => setTimeout(r, 0));
      expect(released).toBe(2);
    } finally {
      setOnnxRuntimeLoader(null);
      m.dispose();
    }
  });
});
