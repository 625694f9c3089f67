import * as tf from '@tensorflow/tfjs-core';
import { imageToTensor } from '@hrnetjs/core';
import {
  DETECTION_PRESETS,
  type DetectionModelConfig,
  type FcosHeadOutput,
  createDetector,
  detectionPresetConfig,
  parseDetectionYaml,
  postprocessFcos,
  postprocessMmdetFcos,
  prepareImage,
  readFcosLevels,
  toImageDetections,
} from '@hrnetjs/head-det';
import { loadYamlSupport } from '@hrnetjs/hrnet-backbone';
import detSmallYaml from '../configs/det_fcos_small.yaml?raw';
import { now } from './common.js';
import type { DetectionResult, TaskDefinition, TaskRunner } from './types.js';

const SMALL = 'small';
/** Short side the network sees unless the page asks otherwise (the official test size is 800). */
export const DEFAULT_DET_SIZE = 512;
const MAX_DETECTIONS = 30;

/** The official resize rule with another short side: the long side limit scales with it (800 → 1333). */
function withInputSize(config: DetectionModelConfig, size: number): DetectionModelConfig {
  return { ...config, input: { ...config.input, minSize: size, maxSize: Math.round((size * 1333) / 800) } };
}

/**
 * HRNet-FCOS detection with `createDetector` (which checks the keys are an HRNet-FCOS checkpoint before the
 * strict load), run stage by stage with the package's own pieces, as `detector.detect` runs them: official
 * preprocessing (PIL-exact resize, BGR mean, pad to 32), the network on the chosen engine (`runNetwork`), the
 * official post-processing (thresholds, NMS) and `toImageDetections`.
 */
export const detectionTask: TaskDefinition = {
  id: 'detection',
  label: 'Detection (boxes, COCO classes)',
  presets: [
    { id: SMALL, label: 'small (test config: branches 8..64, FPN 64, 80 classes)' },
    ...Object.keys(DETECTION_PRESETS).map((id) => ({ id, label: id, heavy: true })),
  ],
  engines: ['tfjs', 'onnxruntime'],
  async create(preset, weights, options): Promise<TaskRunner> {
    // the small config is YAML text, parsed here (not by the factory): load the parser first
    const base = preset === SMALL ? await loadYamlSupport().then(() => parseDetectionYaml(detSmallYaml)) : detectionPresetConfig(preset);
    const config = withInputSize(base, options.size ?? DEFAULT_DET_SIZE);
    // the network runs on the chosen engine (detector.runNetwork: one session per padded input size on
    // onnxruntime), resize and post-processing on tfjs / the host as in detector.detect
    const detector = await createDetector({
      model: config,
      weights: weights ?? null,
      backend: tf.getBackend() as never,
      engine: options.engine,
      engineOptions: options.engineOptions,
    });
    const model = detector.model;
    return {
      model,
      inputSize: null,
      engine: detector.engineDescription,
      async run(pixels, ctx, clock = now) {
        const t0 = clock();
        const rgb = imageToTensor(pixels);
        let prepared: ReturnType<typeof prepareImage>;
        try {
          prepared = prepareImage(rgb, model.detConfig.input, detector.resize);
        } finally {
          rgb.dispose();
        }
        await prepared.input.data();
        const t1 = clock();
        let raw: FcosHeadOutput;
        try {
          raw = await detector.runNetwork<FcosHeadOutput>(prepared.input);
        } finally {
          prepared.input.dispose();
        }
        const levels = await readFcosLevels(model, raw);
        const t2 = clock();
        const post = model.detConfig.inference.postprocess === 'mmdet' ? postprocessMmdetFcos : postprocessFcos;
        const det = post(levels, prepared.resized.height, prepared.resized.width, model.numClasses, {
          ...model.detConfig.inference,
          ...(ctx.scoreThreshold !== undefined && { scoreThreshold: ctx.scoreThreshold }),
          detectionsPerImage: MAX_DETECTIONS,
        });
        const found = toImageDetections(det.boxes, det.scores, det.labels, prepared.resized, prepared.original, detector.classNames);
        const result: DetectionResult = {
          kind: 'detection',
          boxes: found.map((d) => ({ x: d.box[0], y: d.box[1], width: d.box[2], height: d.box[3], label: d.className, score: d.score })),
        };
        return { result, timings: { preprocess: t1 - t0, network: t2 - t1, decode: clock() - t2 } };
      },
      dispose: () => detector.dispose(),
    };
  },
};
