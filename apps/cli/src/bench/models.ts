/**
 * The networks of the side-by-side engine table (`hrnet bench`), shared by the Node runner and the browser page:
 * what to build, at which input size (full and `--quick`), and how the PyTorch reference tool makes the same
 * network. Random weights: speed does not depend on values (the torch reference's weights are loaded where it
 * exists, so both ONNX files hold the same numbers and their outputs are compared).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from '@hrnetjs/core';
import { createDetectionModel } from '@hrnetjs/head-det';
import { createPoseModel, createBottomUpPoseModel } from '@hrnetjs/head-pose';
import { createSegmentationModel, segmentationPresetConfig } from '@hrnetjs/head-seg';
import { createFaceAlignmentModel } from '@hrnetjs/face-align';

export type BenchNetwork = Module<tf.Tensor4D, any> & { fuse(): unknown };

export interface BenchModelSpec {
  /** Row id for `--only` (e.g. `pose`). */
  id: string;
  /** What the row says (the full-size input is appended). */
  label: string;
  /** Network input `[height, width]` of the full bench. */
  size: [number, number];
  /** `--quick`: a small input of the same network (sides multiples of 32: HRNet's four branches halve it 5 times). */
  quickSize: [number, number];
  /** Builds the network (random weights, not yet fused); throws when this build of hrnet-js lacks it. */
  build(): BenchNetwork;
  /** The PyTorch reference tool's `--config` file (in its configs folder) and `--task`; absent: it has no such builder. */
  torch?: { config: string; task: 'pose' | 'seg' | 'face' | 'cls'; build?: () => BenchNetwork };
  /** Whether the browser part runs it (HigherHRNet is Node only, to keep the full bench within its time). */
  browser: boolean;
  /**
   * Whether the Chromium webgl page runs it: with no GPU, Chromium's WebGL is SwiftShader (software), where the
   * tens-of-GFLOP rows (segmentation 1024x2048, FCOS 800x1344) would take minutes a pass.
   */
  webgl?: boolean;
}

export const BENCH_MODELS: readonly BenchModelSpec[] = [
  {
    id: 'pose',
    label: 'pose W32',
    size: [256, 192],
    quickSize: [128, 96],
    build: () => createPoseModel('coco_w32_256x192'),
    torch: { config: 'pose_coco_w32_256x192.yaml', task: 'pose' },
    browser: true,
    webgl: true,
  },
  {
    id: 'face',
    label: 'face W18 (300W)',
    size: [256, 256],
    quickSize: [64, 64],
    build: () => createFaceAlignmentModel('300w'),
    torch: { config: 'face_w18_300w.yaml', task: 'face' },
    browser: true,
  },
  {
    id: 'seg',
    label: 'seg W18-small-v2 (Cityscapes)',
    size: [1024, 2048],
    quickSize: [128, 256],
    build: () => createSegmentationModel('w18-small-v2_cityscapes'),
    // the reference tool reads MODEL.ALIGN_CORNERS with the HRNet-OCR branch's default (true); our preset follows
    // the pytorch-v1.1 branch this checkpoint was trained on (false): same convs and resizes, so the same cost,
    // and the torch comparison builds ours the tool's way so that the outputs can be compared too
    torch: {
      config: 'seg_w18_small_v2_cityscapes.yaml',
      task: 'seg',
      build: () => {
        const c = segmentationPresetConfig('w18-small-v2_cityscapes');
        return createSegmentationModel({ ...c, alignCorners: true, backbone: { ...c.backbone, fuseUpsample: { mode: 'bilinear', alignCorners: true } } });
      },
    },
    browser: true,
  },
  {
    id: 'det',
    label: 'FCOS W18 (5 levels)',
    // the official test resize of a 3:5 photo (800x1333), padded to the stride 32 as the detector does
    size: [800, 1344],
    quickSize: [128, 224],
    build: () => createDetectionModel('fcos_w18_5l'),
    browser: true,
  },
  {
    id: 'lite18',
    label: 'Lite-HRNet-18',
    size: [256, 192],
    quickSize: [128, 96],
    build: () => createPoseModel('litehrnet_18_coco_256x192'),
    browser: true,
    webgl: true,
  },
  {
    id: 'lite30',
    label: 'Lite-HRNet-30',
    size: [256, 192],
    quickSize: [128, 96],
    build: () => createPoseModel('litehrnet_30_coco_256x192'),
    browser: true,
    webgl: true,
  },
  {
    id: 'higher',
    label: 'HigherHRNet W32',
    size: [512, 512],
    quickSize: [128, 128],
    build: () => createBottomUpPoseModel('higherhrnet_w32_512'),
    browser: false,
  },
];

export const sizeOf = (spec: BenchModelSpec, quick: boolean): [number, number] => (quick ? spec.quickSize : spec.size);
