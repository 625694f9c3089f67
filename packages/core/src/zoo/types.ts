import type { KeyRuleOptions } from '../io/keys.js';

/** The task a checkpoint serves (the CLI command that runs it). */
export type ZooTask = 'pose' | 'seg' | 'det' | 'face' | 'classify';

/** Where a checkpoint was published. */
export type ZooOrigin = 'hrnet' | 'timm' | 'mmpose' | 'mmsegmentation' | 'mmdetection';

/** One downloadable checkpoint file. */
export interface ZooFile {
  /** Where to get it. */
  url: string;
  /** The file name as published (also the name in the cache folder). */
  fileName: string;
  /**
   * Whether `url` serves the bytes directly (GitHub releases, download.openmmlab.com). OneDrive and Google
   * Drive share links open a web page instead: such files are downloaded by hand and placed in the cache.
   */
  direct: boolean;
  /** Full SHA-256 (hex), only where the publisher gives it. */
  sha256?: string;
  /**
   * Leading hex digits of the SHA-256, where the publisher encodes them in the file name: OpenMMLab's
   * `publish_model.py` appends `sha256[:8]`, torch.hub / timm release names carry a SHA-256 prefix too.
   */
  sha256Prefix?: string;
  /** Size in bytes, only where published. */
  sizeBytes?: number;
  /** Other published mirrors (Baidu etc.), for the person who downloads by hand. */
  mirrors?: string[];
}

/**
 * How a checkpoint's keys become our module's keys. `rules` go to core's `normalizeStateDictKeys`; then
 * `zeroBiases` adds all-zero biases for convs the upstream code builds without one (OpenMMLab's
 * `ConvModule` drops the bias before a norm layer; the official code keeps it), so a strict load works and
 * the output is the same (a zero bias adds nothing).
 */
export interface ZooKeyMapping {
  rules: KeyRuleOptions;
  /** Our bias keys to create as zeros, each sized by the first dimension of the matching `.weight`. */
  zeroBiases?: string[];
  /**
   * Key prefixes (ours, after `rules`) whose 0-d tensors become shape `[1]`: mmcv's `Scale` stores its factor
   * as `nn.Parameter(torch.tensor(1.0))` (shape `[]`), the official FCOS code as a 1-element vector.
   */
  scalarsAsVectors?: string[];
}

/** The network a checkpoint needs, as the task package's factory takes it. */
export interface ZooModel {
  /** Preset name for `create<Task>Model` (`'coco_w32_256x192'`, `'w18-small-v1'`, `'w48_cityscapes'`, …). */
  preset: string;
  /**
   * Differences from the preset that the upstream code builds, in the terms of the head that builds it (e.g.
   * mmsegmentation: another trunk width, class count, `align_corners`): each head documents and applies its own.
   */
  overrides?: Record<string, unknown>;
}

export interface ZooEntry<P = unknown> {
  /** Unique name, used as `--model <name>`. */
  name: string;
  task: ZooTask;
  origin: ZooOrigin;
  description: string;
  dataset: string;
  model: ZooModel;
  /** The upstream experiment config this checkpoint was trained with (repository URL of the file). */
  config: string;
  file: ZooFile;
  keys: ZooKeyMapping;
  /** Published accuracy (metric name → value), as the upstream README/metafile states it. */
  metrics?: Record<string, number>;
  /** Published parameter count (e.g. `'28.5M'`). */
  params?: string;
  notes?: string;
  /**
   * The upstream pre/post-processing this checkpoint was trained and evaluated with (mean/std, channel order,
   * resize, NMS threshold, decode), in the terms of the head that runs it. Absent: the official HRNet one.
   */
  processing?: P;
}
