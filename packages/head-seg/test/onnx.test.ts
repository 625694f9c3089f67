import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRunner, loadCheckpoint, normalizeStateDictKeys, readNpy } from '@hrnetjs/core';
import { compare, nchwToNhwc, useBackend } from '@hrnetjs/core/testing';
import { createSegmentationModel } from '../src/index.js';

// seg_small (HRNetV2 + last_layer, bilinear upsampling with align_corners=False) and seg_ocr_small (HRNet-OCR:
// align_corners=True everywhere, spatial softmax, object attention) exported to ONNX (core's exportOnnx,
// through the onnxruntime engine) and run in onnxruntime-node give the official PyTorch outputs.
const bytes = (p: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${p}`, import.meta.url)));
const text = (p: string) => readFileSync(new URL(`./fixtures/${p}`, import.meta.url), 'utf8');

async function runOnnx(dir: string): Promise<tf.Tensor4D[]> {
  const model = createSegmentationModel(text(`${dir}/config.yaml`));
  model.loadStateDict(normalizeStateDictKeys(loadCheckpoint(bytes(`${dir}/weights.pth`))));
  model.fuse();
  const runner = await createRunner('onnxruntime', model as never, { threads: 1 });
  const input = nchwToNhwc(readNpy(bytes(`${dir}/input.npy`)));
  const out = (await runner.run(input)) as tf.Tensor4D | tf.Tensor4D[];
  runner.dispose();
  input.dispose();
  model.dispose();
  return Array.isArray(out) ? out : [out];
}

describe('segmentation on onnxruntime-node', () => {
  beforeAll(() => useBackend('cpu'));

  it('seg_small logits equal the official outputs within 1e-5 of max|output|', async () => {
    const [out] = await runOnnx('seg_small');
    const expected = nchwToNhwc(readNpy(bytes('seg_small/output.npy')));
    expect(out!.shape).toEqual(expected.shape);
    expect(compare(out!.dataSync(), expected.dataSync()).relative).toBeLessThan(1e-5);
    tf.dispose([out!, expected]);
  });

  it('seg_ocr_small [aux, out] equal the official outputs within 1e-5 of max|output|', async () => {
    const outs = await runOnnx('seg_ocr_small');
    expect(outs).toHaveLength(2);
    ['output_aux.npy', 'output.npy'].forEach((f, i) => {
      const expected = nchwToNhwc(readNpy(bytes(`seg_ocr_small/${f}`)));
      expect(outs[i]!.shape).toEqual(expected.shape);
      expect(compare(outs[i]!.dataSync(), expected.dataSync()).relative, f).toBeLessThan(1e-5);
      expected.dispose();
    });
    tf.dispose(outs);
  });
});
