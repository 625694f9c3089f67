import * as tf from '@tensorflow/tfjs-core';
import {
  checkImagePixels,
  checkWorkingBytes,
  IMAGE_BYTES_PER_PIXEL,
  NETWORK_BYTES_PER_PIXEL,
  affineCrops,
  flipBack,
  type ImageInput,
  imageSize,
  imageToTensor,
  InputError,
  type NetworkSpec,
  normalizeImageNet,
  type PreparedNetwork,
  prepareNetwork,
  type StateDict,
  StateDictError,
  type TaskConfig,
  TaskObject,
} from '@hrnetjs/core';
import { loadYamlSupportFor } from '@hrnetjs/hrnet-backbone';
import { FACE_DEFAULTS } from './constants.js';
import { type DecodeMethod, type Landmark, decodeHeatmaps } from './decode.js';
import { FaceAlignmentNet, type FaceModelConfig, createFaceAlignmentModel, faceZooConfig } from './model.js';
import { FACE_ZOO } from './zoo.js';
import { type LandmarkScheme, SCHEMES } from './schemes.js';
import { type FaceBox, type FaceCenterScale, type FaceRegion, centerScaleToBox, officialCrop, toCenterScale } from './transforms.js';

/**
 * `createFaceAligner`'s options: the factory contract's (`model`, `weights`, `keyMapping`, `backend`, `engine`,
 * `fuse`, … — see core's `TaskConfig`) plus `decode`. `model` is a zoo name, a preset (`'300w'`, `'wflw'`,
 * `'cofw'`, `'aflw'`), an official YAML, a config, or a built `FaceAlignmentNet`.
 */
export interface FaceAlignerConfig extends TaskConfig<FaceModelConfig, FaceAlignmentNet> {
  /** Default decoding for `estimateLandmarks` (default `'subpixel'`; `'official'` = `decode_preds`). */
  decode?: DecodeMethod;
}

export interface EstimateOptions {
  /** Faces to align: detector boxes `{ box: [x, y, w, h] }` or official `{ center, scale }`. */
  faces: readonly FaceRegion[];
  decode?: DecodeMethod;
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

/** The landmark count a face checkpoint was trained for (rows of the head's last conv). */
export function checkpointLandmarkCount(sd: StateDict): number | null {
  return sd.get('head.3.weight')?.shape[0] ?? null;
}

function checkDecode(mode: unknown, what: string): DecodeMethod {
  if (mode !== 'subpixel' && mode !== 'official') throw new InputError(`${what}: expected 'subpixel' or 'official', found ${String(mode)}`);
  return mode;
}

/** Before the strict load: a checkpoint for another landmark scheme, named in plain words. */
function checkLandmarkCount(sd: StateDict, model: FaceAlignmentNet): void {
  const found = checkpointLandmarkCount(sd);
  const expected = model.numLandmarks;
  if (found !== null && found !== expected) {
    const other = Object.values(SCHEMES).find((s) => s.numLandmarks === found);
    throw new StateDictError(
      `checkpoint predicts ${found} landmarks (head.3.weight [${sd.get('head.3.weight')!.shape.join(', ')}]) but the model has ${expected}` +
        (other ? `; it looks like a ${other.dataset.toUpperCase()} checkpoint: use model '${other.dataset}'` : ''),
    );
  }
}

/** What the factory contract needs to know about face alignment networks. */
export const FACE_NETWORK: NetworkSpec<FaceAlignmentNet, FaceModelConfig> = {
  factory: 'createFaceAligner',
  task: 'face',
  zoo: FACE_ZOO,
  build: (model, entry) => createFaceAlignmentModel(entry ? faceZooConfig(entry) : model),
  prepare: loadYamlSupportFor, // the YAML parser is loaded only for YAML text (DESIGN.md)
  isNetwork: (value): value is FaceAlignmentNet => value instanceof FaceAlignmentNet,
  checkWeights: (sd, model) => checkLandmarkCount(sd, model),
};

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
  const decode = checkDecode(config?.decode ?? FACE_DEFAULTS.decode, 'decode');
  return new FaceAligner(await prepareNetwork(config, FACE_NETWORK), decode);
}

/** Facial landmarks with an HRNetV2 face network, the official crop and decoding. Create with {@link createFaceAligner}. */
export class FaceAligner extends TaskObject<FaceAlignmentNet> {
  readonly scheme: LandmarkScheme | null;

  /** @internal use {@link createFaceAligner} */
  constructor(
    prepared: PreparedNetwork<FaceAlignmentNet>,
    readonly decode: DecodeMethod,
  ) {
    super(prepared);
    this.scheme = this.model.faceConfig.dataset === 'custom' ? null : SCHEMES[this.model.faceConfig.dataset];
  }

  /** Landmarks of each face, in image pixels, one batch for all faces. Leak-free: every tensor made is disposed. */
  async estimateLandmarks(image: ImageInput, options: EstimateOptions): Promise<FaceLandmarks[]> {
    this.assertLive('estimateLandmarks');
    if (!options || !Array.isArray(options.faces)) throw new InputError('estimateLandmarks: expected { faces: [...] }');
    const mode = checkDecode(options.decode ?? this.decode, 'decode');
    if (options.faces.length === 0) return [];
    const scheme = this.scheme;
    if (options.flipTest && !scheme) throw new InputError('flipTest needs a known landmark scheme (300W, WFLW, COFW, AFLW)');
    const margin = options.boxMargin ?? FACE_DEFAULTS.boxMargin;
    const size = imageSize(image);
    // validate every face before any tensor exists
    const regions: FaceCenterScale[] = options.faces.map((f) => toCenterScale(f, margin));
    const [inW, inH] = this.model.faceConfig.imageSize;
    // working size before any tensor exists: all faces run in one batch (and once more mirrored)
    checkImagePixels('estimateLandmarks', size.width, size.height, this.limits);
    const n = regions.length;
    checkWorkingBytes(
      'estimateLandmarks',
      {
        image: size.width * size.height * IMAGE_BYTES_PER_PIXEL,
        [`${n} crops`]: n * inW * inH * IMAGE_BYTES_PER_PIXEL * (options.flipTest ? 2 : 1),
        [`a pass of ${n}`]: n * inW * inH * NETWORK_BYTES_PER_PIXEL,
      },
      this.limits,
      'pass fewer faces per call (each call runs them in one batch), or raise maxWorkingBytes',
    );
    const maps = regions.map((r) => officialCrop(r, size, [inH, inW]).imageToCrop);

    const input = tf.tidy(() => {
      const rgb = imageToTensor(image);
      const crops = affineCrops(rgb, maps, { width: inW, height: inH });
      return normalizeImageNet(crops) as tf.Tensor4D;
    });
    let heatmaps: tf.Tensor4D;
    try {
      heatmaps = await this.runNetwork<tf.Tensor4D>(input);
      if (options.flipTest && scheme) {
        const mirrored = tf.reverse(input, 2) as tf.Tensor4D;
        let flipped: tf.Tensor4D;
        try {
          flipped = await this.runNetwork<tf.Tensor4D>(mirrored);
        } finally {
          mirrored.dispose();
        }
        const plain = heatmaps;
        heatmaps = tf.tidy(() => tf.div(tf.add(plain, flipBack(flipped, scheme.flipPairs)), 2) as tf.Tensor4D);
        tf.dispose([plain, flipped]);
      }
    } finally {
      input.dispose();
    }
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
}
