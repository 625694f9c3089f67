import * as tf from '@tensorflow/tfjs-core';
import { SEGMENTATION_PRESETS, createSegmenter, parseSegmentationYaml, segmentationPresetConfig } from '@hrnetjs/head-seg';
import { loadYamlSupport } from '@hrnetjs/hrnet-backbone';
import segOcrSmallYaml from '../configs/seg_ocr_small.yaml?raw';
import segSmallYaml from '../configs/seg_small.yaml?raw';
import { now } from './common.js';
import type { SegmentationResult, TaskDefinition, TaskRunner } from './types.js';

const SMALL = 'small';
const SMALL_OCR = 'small_ocr';
const SMALL_CONFIGS: Record<string, string> = { [SMALL]: segSmallYaml, [SMALL_OCR]: segOcrSmallYaml };
/** Long side the network sees unless the page asks otherwise: big enough to see shapes, small enough for cpu. */
export const DEFAULT_SEG_SIZE = 512;

/**
 * Semantic segmentation with `createSegmenter` (which checks class count and OCR-or-not before the strict
 * load) and its own `segment`: the image scaled so its long side is the network size (`TEST.BASE_SIZE`), the
 * network on the chosen engine, logits upsampled back to the image, argmax per pixel. `segment` is one call, so
 * the network time includes the resize, upsampling and argmax around it.
 */
export const segmentationTask: TaskDefinition = {
  id: 'segmentation',
  label: 'Segmentation (per-pixel classes)',
  presets: [
    { id: SMALL, label: 'small (test config: Cityscapes 19 classes, branches 8..64)' },
    { id: SMALL_OCR, label: 'small + OCR (test config, no bundled weights)' },
    ...Object.keys(SEGMENTATION_PRESETS).map((id) => ({ id, label: id, heavy: true })),
  ],
  engines: ['tfjs', 'onnxruntime'],
  async create(preset, weights, options = {}): Promise<TaskRunner> {
    const small = SMALL_CONFIGS[preset];
    // the small configs are YAML text, parsed here (not by the factory): load the parser first
    const config = small ? await loadYamlSupport().then(() => parseSegmentationYaml(small)) : segmentationPresetConfig(preset);
    // keep the page's backend: createSegmenter would otherwise pick the best one
    const segmenter = await createSegmenter({
      model: config,
      weights,
      backend: tf.getBackend() as never,
      engine: options.engine,
      engineOptions: options.engineOptions,
    });
    const size = options.size ?? DEFAULT_SEG_SIZE;
    return {
      model: segmenter.model,
      inputSize: null,
      engine: segmenter.engineDescription,
      async run(pixels, _ctx, clock = now) {
        const t0 = clock();
        const { labels } = await segmenter.segment(pixels, { baseSize: Math.min(size, Math.max(pixels.width, pixels.height) * 4) });
        const t1 = clock();
        const n = segmenter.classNames.length;
        const counts = new Array<number>(n).fill(0);
        for (const l of labels) counts[l]!++;
        const result: SegmentationResult = {
          kind: 'segmentation',
          width: pixels.width,
          height: pixels.height,
          labels: Uint8Array.from(labels),
          classes: [...segmenter.classNames],
          palette: segmenter.palette.map((c) => [c[0], c[1], c[2]] as [number, number, number]),
          coverage: counts.map((c) => c / labels.length),
        };
        return { result, timings: { preprocess: 0, network: t1 - t0, decode: clock() - t1 } };
      },
      dispose: () => segmenter.dispose(),
    };
  },
};
