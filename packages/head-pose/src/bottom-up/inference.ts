import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, InputError, resizeBilinear } from '@hrnetjs/core';
import { COCO_KEYPOINTS, flipPermutation } from '../keypoints.js';
import { getAffineTransform } from '../transforms.js';
import { type HostPixels, warpAffineOpenCV } from '../opencv-warp.js';
import type { BottomUpModelConfig } from './model.js';

/** The official COCO flip index (`FLIP_CONFIG['COCO']`): left/right joints swapped. */
export const COCO_FLIP_INDEX: readonly number[] = Object.freeze(flipPermutation(17, COCO_KEYPOINTS.flipPairs));

export interface MultiScaleSize {
  /** Network input `[width, height]` at this scale. */
  size: [number, number];
  /** `[int(w/2 + 0.5), int(h/2 + 0.5)]` of the image. */
  center: [number, number];
  /** Image extent / 200 that maps onto `size` (`[scale_w, scale_h]`). */
  scale: [number, number];
}

/**
 * The official `get_multi_scale_size(image, input_size, current_scale, min_scale)`: the short side becomes
 * `input_size · current_scale` (rounded up to a multiple of 64 at `min_scale`), the long side keeps the aspect
 * ratio, rounded up to a multiple of 64 at `min_scale`, so every scale's network input divides by the stride.
 */
export function getMultiScaleSize(
  width: number,
  height: number,
  inputSize: number,
  currentScale: number,
  minScale: number,
): MultiScaleSize {
  const w = width;
  const h = height;
  const center: [number, number] = [Math.trunc(w / 2 + 0.5), Math.trunc(h / 2 + 0.5)];
  const minInputSize = Math.trunc(Math.floor((minScale * inputSize + 63) / 64) * 64);
  let wr: number;
  let hr: number;
  let sw: number;
  let sh: number;
  if (w < h) {
    wr = Math.trunc((minInputSize * currentScale) / minScale);
    hr = Math.trunc((Math.trunc(Math.floor(((minInputSize / w) * h + 63) / 64) * 64) * currentScale) / minScale);
    sw = w / 200;
    sh = ((hr / wr) * w) / 200;
  } else {
    hr = Math.trunc((minInputSize * currentScale) / minScale);
    wr = Math.trunc((Math.trunc(Math.floor(((minInputSize / h) * w + 63) / 64) * 64) * currentScale) / minScale);
    sh = h / 200;
    sw = ((wr / hr) * h) / 200;
  }
  return { size: [wr, hr], center, scale: [sw, sh] };
}

/**
 * The official `resize_align_multi_scale`: `cv2.warpAffine` (bilinear, zero border, bit-exact) of the RGB image
 * onto the scale's network input size. `image` is `[H, W, 3]` (0–255); returns `[1, h, w, 3]` 0–255 values.
 */
export function resizeAlignMultiScale(
  image: tf.Tensor3D | HostPixels,
  inputSize: number,
  currentScale: number,
  minScale: number,
): { resized: tf.Tensor4D } & MultiScaleSize {
  const [h, w] = image instanceof tf.Tensor ? image.shape : [image.height, image.width];
  const ms = getMultiScaleSize(w, h, inputSize, currentScale, minScale);
  const trans = getAffineTransform(ms.center, ms.scale, 0, ms.size);
  const resized = warpAffineOpenCV(image, [trans], { width: ms.size[0], height: ms.size[1] });
  return { resized, ...ms };
}

/** A network pass: NHWC input → the list of output maps (as `PoseHigherResolutionNet.forward`). */
export type BottomUpPass = (x: tf.Tensor4D) => Promise<tf.Tensor[]> | tf.Tensor[];

export interface MultiStageOutputs {
  /** `[plain]` or `[plain, flipped]` averaged heatmaps, NHWC `[1, h, w, K]`. */
  heatmaps: tf.Tensor4D[];
  /** The tag maps of the stages that give tags (plain, then flipped), NHWC `[1, h, w, K]`. */
  tags: tf.Tensor4D[];
}

/** Where a stage's heatmaps and tags sit in its channels, and whether this test uses them. */
function stagePlan(c: BottomUpModelConfig, i: number) {
  const hm = c.withHeatmapsLoss[i]! && c.test.withHeatmaps[i]!;
  const ae = c.withAeLoss[i]! && c.test.withAe[i]!;
  return { hm, ae, offset: c.withHeatmapsLoss[i] ? c.numJoints : 0 };
}

/**
 * The official `get_multi_stage_outputs`: each stage's output (but the last) resized bilinear (align_corners
 * False) to the last one's size; heatmaps averaged over the stages that have them; tags from the stages with
 * AE; with `flip`, the same on the mirrored image, mirrored back and the joints (and per-joint tags) reordered
 * by `flipIndex`; with `sizeProjected` (`PROJECT2IMAGE`), everything resized to that `[width, height]`.
 * The caller disposes the results.
 */
export async function getMultiStageOutputs(
  run: BottomUpPass,
  image: tf.Tensor4D,
  config: BottomUpModelConfig,
  options: { flip: boolean; sizeProjected?: [number, number]; flipIndex?: readonly number[] },
): Promise<MultiStageOutputs> {
  const K = config.numJoints;
  const flipIndex = options.flipIndex ?? COCO_FLIP_INDEX;
  if (options.flip && flipIndex.length !== K) throw new ConfigError(`flip index has ${flipIndex.length} joints, the model ${K}`);
  const heatmaps: tf.Tensor4D[] = [];
  const tags: tf.Tensor4D[] = [];
  const collect = (outputs: tf.Tensor[], flipped: boolean) =>
    tf.tidy(() => {
      const last = outputs[outputs.length - 1]! as tf.Tensor4D;
      const [, lh, lw] = last.shape;
      let sum: tf.Tensor4D | null = null;
      let count = 0;
      const index = tf.tensor1d(Array.from(flipIndex), 'int32');
      outputs.forEach((raw, i) => {
        let out = raw as tf.Tensor4D;
        if (outputs.length > 1 && i !== outputs.length - 1) out = resizeBilinear(out, [lh, lw], false);
        if (flipped) out = tf.reverse(out, 2);
        const plan = stagePlan(config, i);
        const C = out.shape[3];
        if (plan.hm) {
          let hm = tf.slice(out, [0, 0, 0, 0], [-1, -1, -1, K]);
          if (flipped) hm = tf.gather(hm, index, 3);
          sum = (sum ? tf.add(sum, hm) : hm) as tf.Tensor4D;
          count++;
        }
        if (plan.ae) {
          let tg = tf.slice(out, [0, 0, 0, plan.offset], [-1, -1, -1, C - plan.offset]);
          if (flipped && config.tagPerJoint) tg = tf.gather(tg, index, 3);
          tags.push(tf.keep(tg));
        }
      });
      if (count > 0) heatmaps.push(tf.keep(tf.div(sum!, count)));
    });
  const plain = await run(image);
  try {
    collect(plain, false);
  } finally {
    tf.dispose(plain);
  }
  if (options.flip) {
    const mirrored = tf.reverse(image, 2);
    let outs: tf.Tensor[];
    try {
      outs = await run(mirrored);
    } finally {
      mirrored.dispose();
    }
    try {
      collect(outs, true);
    } finally {
      tf.dispose(outs);
    }
    if (heatmaps.length === 1) heatmaps.push(heatmaps[0]!.clone()); // no stage gives heatmaps: mirrors the official 0/0
  }
  const size = options.sizeProjected;
  if (size) {
    const project = (list: tf.Tensor4D[]) =>
      list.map((t) => {
        const r = resizeBilinear(t, [size[1], size[0]], false);
        if (r !== t) t.dispose();
        return r;
      });
    return { heatmaps: project(heatmaps), tags: project(tags) };
  }
  return { heatmaps, tags };
}

/**
 * Accumulates one scale as the official `aggregate_results`: tags are kept at scale 1 (or the only scale) as a
 * new last axis (resized to the final heatmaps when not projected); heatmaps are the plain/flipped mean, added to
 * the running sum (resized to it when not projected). Takes ownership of `outputs`; returns the new sum.
 */
export function aggregateResults(
  config: BottomUpModelConfig,
  scaleFactor: number,
  numScales: number,
  flip: boolean,
  finalHeatmaps: tf.Tensor4D | null,
  tagsList: tf.Tensor[],
  outputs: MultiStageOutputs,
): tf.Tensor4D {
  const project2image = config.test.project2image;
  try {
    return tf.tidy(() => {
      if (scaleFactor === 1 || numScales === 1) {
        for (const t of outputs.tags) {
          const tt = finalHeatmaps && !project2image ? resizeBilinear(t, [finalHeatmaps.shape[1], finalHeatmaps.shape[2]], false) : t;
          tagsList.push(tf.keep(tf.expandDims(tt, 4)));
        }
      }
      const h = outputs.heatmaps;
      const avg = flip ? tf.div(tf.add(h[0]!, h[1]!), 2) : h[0]!;
      if (!finalHeatmaps) return avg.clone() as tf.Tensor4D;
      if (project2image) return tf.add(finalHeatmaps, avg) as tf.Tensor4D;
      return tf.add(finalHeatmaps, resizeBilinear(avg, [finalHeatmaps.shape[1], finalHeatmaps.shape[2]], false)) as tf.Tensor4D;
    });
  } finally {
    finalHeatmaps?.dispose();
    tf.dispose([...outputs.heatmaps, ...outputs.tags]);
  }
}

/** The trunk's coarsest stride; an image must be at least this wide and high. */
export const NETWORK_STRIDE = 32;

export interface MultiScaleResult {
  /** `[1, h, w, K]` heatmaps averaged over scales (and flip). */
  heatmaps: tf.Tensor4D;
  /** `[1, h, w, K, T]`: T = tag maps kept (plain and flipped with the flip test). */
  tags: tf.Tensor;
  /** Center and scale of the last (smallest) scale, which `get_final_preds` uses, and the heatmap `[w, h]`. */
  center: [number, number];
  scale: [number, number];
  heatmapSize: [number, number];
}

/**
 * The body of the official `tools/valid.py` loop for one image, up to the parser: for every scale (largest
 * first) `resize_align_multi_scale` → ToTensor + Normalize → `get_multi_stage_outputs` → `aggregate_results`,
 * then the heatmaps divided by the number of scales and the tags concatenated. `normalize` turns the 0–255
 * RGB `[1, h, w, 3]` resized image into the network input.
 */
export async function multiScaleHeatmaps(
  run: BottomUpPass,
  image: tf.Tensor3D,
  config: BottomUpModelConfig,
  options: { scales: readonly number[]; flip: boolean; normalize: (x: tf.Tensor4D) => tf.Tensor4D; flipIndex?: readonly number[] },
): Promise<MultiScaleResult> {
  const scales = [...options.scales].sort((a, b) => b - a);
  if (scales.length === 0 || !scales.every((s) => Number.isFinite(s) && s > 0)) {
    throw new ConfigError(`scales: expected positive numbers, found [${options.scales.join(', ')}]`);
  }
  if (scales.length > 1 && !scales.includes(1)) {
    throw new ConfigError(`scales: with several scales the official code takes the tags at scale 1, which [${scales.join(', ')}] lacks`);
  }
  const minScale = Math.min(...scales);
  const [h, w] = image.shape;
  if (w < NETWORK_STRIDE || h < NETWORK_STRIDE) {
    // the official resize would blow a few pixels up to the full input size: no person can be told apart there
    throw new InputError(`image: ${w}x${h} is smaller than the network stride (${NETWORK_STRIDE} pixels) on a side`);
  }
  const base = getMultiScaleSize(w, h, config.inputSize, 1, minScale);
  // read the image back once, asynchronously, for every scale's host warp (no sync read on GPU backends)
  const pixels: HostPixels = { data: await image.data(), width: w, height: h, channels: image.shape[2] };
  let final: tf.Tensor4D | null = null;
  const tagsList: tf.Tensor[] = [];
  let last: MultiScaleSize = base;
  try {
    for (const s of scales) {
      const input = tf.tidy(() => {
        const { resized, ...ms } = resizeAlignMultiScale(pixels, config.inputSize, s, minScale);
        last = ms;
        return options.normalize(resized);
      });
      let outputs: MultiStageOutputs;
      try {
        outputs = await getMultiStageOutputs(run, input, config, {
          flip: options.flip,
          sizeProjected: config.test.project2image ? base.size : undefined,
          flipIndex: options.flipIndex,
        });
      } finally {
        input.dispose();
      }
      final = aggregateResults(config, s, scales.length, options.flip, final, tagsList, outputs);
    }
    const heatmaps = tf.tidy(() => tf.div(final!, scales.length) as tf.Tensor4D);
    const tags = tf.concat(tagsList, 4);
    return {
      heatmaps,
      tags,
      center: last.center,
      scale: last.scale,
      heatmapSize: [heatmaps.shape[2], heatmaps.shape[1]],
    };
  } finally {
    (final as tf.Tensor4D | null)?.dispose();
    tf.dispose(tagsList);
  }
}
