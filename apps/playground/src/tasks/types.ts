import type { EngineName, EngineOptions, Module, StateDict } from '@hrnetjs/core';
import type { Pixels } from '../protocol.js';

export type TaskId = 'pose' | 'multipose' | 'segmentation' | 'detection' | 'face' | 'classification';

/** Milliseconds per stage of one run. `network` includes reading the output back (that is when the GPU finishes). */
export interface StageTimings {
  preprocess: number;
  network: number;
  decode: number;
}

export interface PoseResult {
  kind: 'pose';
  keypoints: { name: string; x: number; y: number; score: number }[];
  skeleton: [number, number][];
  box: [number, number, number, number];
  /** Heatmaps of the person, `[h, w, K]` row-major, and the map from heatmap pixels to image pixels. */
  heatmaps: { width: number; height: number; joints: number; data: Float32Array; toImage: [number, number, number, number, number, number] };
}

/** Bottom-up pose: every person found, COCO-17 keypoints in image pixels. */
export interface MultiPoseResult {
  kind: 'multipose';
  people: { box: [number, number, number, number]; score: number; keypoints: { name: string; x: number; y: number; score: number }[] }[];
  skeleton: [number, number][];
}

export interface ClassificationResult {
  kind: 'classification';
  top: { index: number; name: string; probability: number }[];
}

export interface SegmentationResult {
  kind: 'segmentation';
  /** Label per pixel at mask resolution, row-major. */
  width: number;
  height: number;
  labels: Uint8Array;
  classes: string[];
  /** RGB per class. */
  palette: [number, number, number][];
  /** Fraction of the mask each class covers (for the legend). */
  coverage: number[];
}

export interface DetectionResult {
  kind: 'detection';
  boxes: { x: number; y: number; width: number; height: number; label: string; score: number }[];
}

export interface FaceResult {
  kind: 'face';
  box: [number, number, number, number];
  landmarks: { x: number; y: number; score: number; name?: string }[];
}

export type TaskResult = PoseResult | MultiPoseResult | ClassificationResult | SegmentationResult | DetectionResult | FaceResult;

export interface RunContext {
  /** Pose and face: the region `[x, y, w, h]` (default: the whole image). */
  box?: [number, number, number, number];
  /** Classification: how many classes. */
  topK?: number;
  /** Detection: minimum score of a box. */
  scoreThreshold?: number;
}

/** Choices that change the network as built (so they rebuild it). */
export interface BuildOptions {
  /** Segmentation: long side, detection: short side of the network input. */
  size?: number;
  /** What runs the network (tasks whose `engines` list it); default tfjs. */
  engine?: EngineName;
  engineOptions?: EngineOptions;
}

/** A built network ready to run on pixels. Works the same in the worker and in Node (tests). */
export interface TaskRunner {
  readonly model: Module<never, unknown>;
  readonly inputSize: [number, number] | null;
  /** What runs the network, in words (`'tfjs webgl'`, `'onnxruntime-web wasm, 2 threads'`): the factory's `engineDescription`. */
  readonly engine: string;
  run(pixels: Pixels, ctx: RunContext, clock?: () => number): Promise<{ result: TaskResult; timings: StageTimings }>;
  dispose(): void;
}

export interface PresetDef {
  id: string;
  label: string;
  /** Heavy presets (full official sizes) are slow on cpu: the UI says so. */
  heavy?: boolean;
}

export interface TaskDefinition {
  id: TaskId;
  label: string;
  presets: PresetDef[];
  /**
   * The engines this task's pipeline runs its network on. Every task runs it through its factory's own engine
   * (`runNetwork`, or a one-call method such as `segment`), never `model.predict`, so both engines share the
   * head's pre- and post-processing.
   */
  engines: EngineName[];
  /**
   * Build the network for a preset and load `weights` strictly (null: keep the random initialisation).
   * Throws the package's typed error when the weights do not fit.
   */
  create(preset: string, weights: StateDict | null, options: BuildOptions): TaskRunner | Promise<TaskRunner>;
}
