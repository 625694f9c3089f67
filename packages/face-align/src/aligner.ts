import * as tf from '@tensorflow/tfjs-core';
import {
  affineCrops,
  type BackendName,
  CheckpointError,
  ensureBackend,
  type ImageInput,
  imageSize,
  imageToTensor,
  InputError,
  loadCheckpoint,
  loadWeights,
  normalizeImageNet,
  releaseUnfusedWeights,
  type StateDict,
  type WeightsSource,
} from '@hrnetjs/core';
import { type DecodeMode, type Landmark, decodeHeatmaps } from './decode.js';
import { FaceAlignmentNet, type FaceModelConfig, createFaceAlignmentModel } from './model.js';
import { type LandmarkScheme, SCHEMES } from './schemes.js';
import { type CenterScale, type FaceBox, type FaceRegion, OFFICIAL_BOX_MARGIN, centerScaleToBox, officialCrop, toCenterScale } from './transforms.js';

export interface FaceAlignerConfig {
  /** A preset (`'300w'`, `'wflw'`, `'cofw'`, `'aflw'`), an official YAML, a config, or a built model. */
  model: string | FaceModelConfig | FaceAlignmentNet;
  /**
   * The checkpoint (core's `WeightsSource`): a URL (fetched; a tfjs `model.json` URL brings its shards), bytes of
   * any format `loadCheckpoint` reads (official `.pth` zip or legacy, safetensors, …), or a `StateDict`; the core
   * key rules (DataParallel `module.`, …) apply to all. `null` runs the architecture with random weights
   * (exploring shapes and speed only: the outputs mean nothing).
   */
  weights: WeightsSource | null;
  /** tfjs backend(s) to activate (core's `ensureBackend`): omitted, the active backend is kept, or the best available one is selected when none is active. */
  backend?: BackendName | readonly BackendName[];
  /** Default decoding for `estimateLandmarks` (default `'subpixel'`; `'official'` = `decode_preds`). */
  decode?: DecodeMode;
  /**
   * Fold BatchNorm into convolutions after loading (default true; same outputs within float32 noise).
   * A model object passed in is fused in place.
   */
  fuse?: boolean;
}

export interface EstimateOptions {
  /** Faces to align: detector boxes `{ box: [x, y, w, h] }` or official `{ center, scale }`. */
  faces: readonly FaceRegion[];
  decode?: DecodeMode;
  /**
   * Average with the horizontally flipped crop (flip pairs swapped). Not part of the official evaluation
   * (which has no flip test), so off by default. Needs a known landmark scheme.
   */
  flipTest?: boolean;
  /** Margin on a box's larger side (default 1.25, the official loaders' `scale *= 1.25`). */
  boxMargin?: number;
}

export interface NamedLandmark extends Landmark {
  name?: string;
}

export interface FaceLandmarks {
  landmarks: NamedLandmark[];
  /** The face box given, or for a center/scale the square it covers (`[cx − 100s, cy − 100s, 200s, 200s]`). */
  box: FaceBox;
  /** The official center/scale the crop was cut with. */
  center: [number, number];
  scale: number;
}

export interface FaceAligner {
  readonly model: FaceAlignmentNet;
  readonly scheme: LandmarkScheme | null;
  /** Which backend runs, and why. */
  readonly backend: string;
  /** Landmarks of each face, in image pixels. Leak-free: every tensor made is disposed. */
  estimateLandmarks(image: ImageInput, options: EstimateOptions): Promise<FaceLandmarks[]>;
  dispose(): void;
}

/** The landmark count a face checkpoint was trained for (rows of the head's last conv). */
export function checkpointLandmarkCount(sd: StateDict): number | null {
  return sd.get('head.3.weight')?.shape[0] ?? null;
}

/**
 * A ready-to-use face aligner in the style of tfjs-models: selects a backend, builds the model, loads the
 * official checkpoint (checking its landmark count first), and turns images plus face regions into
 * landmarks with the official crop (center/scale, 256x256, RGB, ImageNet mean/std) and decoding.
 *
 * @example
 * const aligner = await createFaceAligner({ model: 'wflw', weights: await (await fetch('HR18-WFLW.pth')).arrayBuffer() });
 * const [face] = await aligner.estimateLandmarks(imageElement, { faces: [{ box: [120, 80, 200, 230] }] });
 * face.landmarks[96]; // { x, y, score, name: 'right_pupil' }
 */
export async function createFaceAligner(config: FaceAlignerConfig): Promise<FaceAligner> {
  const choice = await ensureBackend(config.backend);
  const model = config.model instanceof FaceAlignmentNet ? config.model : createFaceAlignmentModel(config.model);
  try {
    if (config.weights === undefined) throw new CheckpointError('createFaceAligner: weights are required (null for random weights)');
    const sd = config.weights === null ? null : await loadWeights(config.weights);
    const found = sd ? checkpointLandmarkCount(sd) : null;
    const expected = model.numLandmarks;
    if (found !== null && found !== expected) {
      const other = Object.values(SCHEMES).find((s) => s.numLandmarks === found);
      throw new CheckpointError(
        `checkpoint predicts ${found} landmarks (head.3.weight [${sd!.get('head.3.weight')!.shape.join(', ')}]) but the model has ${expected}` +
          (other ? `; it looks like a ${other.dataset.toUpperCase()} checkpoint: use model '${other.dataset}'` : ''),
      );
    }
    if (sd) model.loadStateDict(sd);
    if (config.fuse ?? true) {
      model.fuse();
      if (model !== config.model) releaseUnfusedWeights(model); // the unfused copies are never read again: free them (half the weight memory)
    }
  } catch (e) {
    // a model we built is ours to free; a model passed in stays the caller's
    if (model !== config.model) model.dispose();
    throw e;
  }
  const scheme = model.faceConfig.dataset === 'custom' ? null : SCHEMES[model.faceConfig.dataset];
  const defaultMode = config.decode ?? 'subpixel';
  const [inW, inH] = model.faceConfig.imageSize;
  let disposed = false;

  async function estimateLandmarks(image: ImageInput, options: EstimateOptions): Promise<FaceLandmarks[]> {
    if (disposed) throw new InputError('estimateLandmarks: this aligner was disposed');
    if (!options || !Array.isArray(options.faces)) throw new InputError('estimateLandmarks: expected { faces: [...] }');
    const mode = options.decode ?? defaultMode;
    if (mode !== 'subpixel' && mode !== 'official') throw new InputError(`decode: expected 'subpixel' or 'official', found ${String(mode)}`);
    if (options.faces.length === 0) return [];
    if (options.flipTest && !scheme) throw new InputError('flipTest needs a known landmark scheme (300W, WFLW, COFW, AFLW)');
    const margin = options.boxMargin ?? OFFICIAL_BOX_MARGIN;
    const size = imageSize(image);
    // validate every face before any tensor exists
    const regions: CenterScale[] = options.faces.map((f) => toCenterScale(f, margin));
    const maps = regions.map((r) => officialCrop(r, size, [inH, inW]).imageToCrop);

    const heatmaps = tf.tidy(() => {
      const rgb = imageToTensor(image);
      const crops = affineCrops(rgb, maps, { width: inW, height: inH });
      const input = normalizeImageNet(crops) as tf.Tensor4D;
      let out = model.forward(input);
      if (options.flipTest && scheme) {
        const flipped = tf.reverse(model.forward(tf.reverse(input, 2)), 2);
        const perm = Array.from({ length: scheme.numLandmarks }, (_, i) => i);
        for (const [a, b] of scheme.flipPairs) {
          perm[a] = b;
          perm[b] = a;
        }
        out = tf.div(tf.add(out, tf.gather(flipped, perm, 3)), 2);
      }
      return out;
    });
    let data: Float32Array;
    try {
      data = (await heatmaps.data()) as Float32Array;
    } finally {
      heatmaps.dispose();
    }
    const decoded = decodeHeatmaps({ data, shape: heatmaps.shape as [number, number, number, number] }, regions, mode);
    return decoded.map((landmarks, i) => {
      const face = options.faces[i]!;
      const region = regions[i]!;
      return {
        landmarks: scheme ? landmarks.map((l, j) => ({ ...l, name: scheme.names[j] })) : landmarks,
        box: Array.isArray(face) ? ([...face] as FaceBox) : 'box' in face ? ([...face.box] as FaceBox) : centerScaleToBox(region),
        center: region.center,
        scale: region.scale,
      };
    });
  }

  return {
    model,
    scheme,
    backend: choice.reason,
    estimateLandmarks,
    dispose() {
      if (!disposed && model !== config.model) model.dispose();
      disposed = true;
    },
  };
}
