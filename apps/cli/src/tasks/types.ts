import type { DecodedImage } from '../images.js';
import type { EngineName, EngineOptions, Module, StateDict } from '@hrnetjs/core';
import { CliError } from '../exit-codes.js';
import type { ModelSource } from '../model-source.js';

/** What one image gave: a record for the JSON output, a one-line summary, and drawings on request. */
export interface ImageOutcome {
  summary: string;
  /** Per-image record (also kept for the task's results JSON). */
  record: unknown;
  /** SVG drawn over the image for `--annotate`. */
  svg?: string;
  /** Replacement RGB pixels for `--annotate` (segmentation overlays), same size as the image. */
  pixels?: Uint8Array;
  /** Extra images to write into `<out>/<folder>/<stem><suffix>.png` (segmentation colour masks and label maps). */
  extra?: { folder: string; suffix: string; pixels: Uint8Array; width: number; height: number; channels: 1 | 3 }[];
}

export interface ImageContext {
  file: string;
  imageId: number;
}

export interface TaskRunner {
  /** One line: which network, which weights. */
  readonly description: string;
  process(image: DecodedImage, ctx: ImageContext): Promise<ImageOutcome>;
  /** The results file: COCO results (pose, det) or per-image records (seg, face, classify). */
  results(): unknown;
  dispose(): void;
}

export interface RunnerOptions {
  source: ModelSource;
  backend: string;
  flipTest?: boolean;
  /** What runs the network (`--engine`; default tfjs) and the onnxruntime engine's options (`--threads`). */
  engine?: EngineName;
  engineOptions?: EngineOptions;
  /** Task-specific options from the command line. */
  args: Record<string, string | boolean | string[] | undefined>;
  log: (line: string) => void;
}

/**
 * Loads the source's weights strictly and fuses the network for inference; a misfit frees the model and is
 * reported as a CliError naming the weights and the config.
 */
export function loadAndFuse<M extends Module<any, any>>(model: M, source: Pick<ModelSource, 'weightsLabel' | 'configLabel'> & { stateDict: StateDict }): M {
  try {
    model.loadStateDict(source.stateDict, { strict: true });
  } catch (e) {
    model.dispose();
    throw new CliError(`weights ${source.weightsLabel} do not fit ${source.configLabel}: ${(e as Error).message}`);
  }
  return model.fuse();
}
