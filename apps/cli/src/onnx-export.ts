/**
 * `hrnet convert <checkpoint> --to onnx`: the network a checkpoint is for, built and loaded through the same
 * zoo / key-mapping path the task commands use (`resolveModel`), then exported by core's `exportOnnx` (recorded
 * from the forward the tfjs engine runs; BatchNorm folded; dynamic batch; one input size).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { type Module, type OnnxLayout, type ZooTask, exportOnnx, getZooEntry } from '@hrnetjs/core';
import { createFaceAligner, facePresetConfig } from '@hrnetjs/face-align';
import { createDetector, detectionPresetConfig } from '@hrnetjs/head-det';
import { bottomUpPresetName, createMultiPoseEstimator, createPoseEstimator, poseNetworkPresetConfig } from '@hrnetjs/head-pose';
import { isBottomUpPoseSource } from './tasks/pose-bottom-up.js';
import { createSegmentationModel, segmentationPresetConfig } from '@hrnetjs/head-seg';
import { backbonePreset, createClassifier, loadYamlSupport, normalizePresetName } from '@hrnetjs/hrnet-backbone';
import { CliError, EXIT } from './exit-codes.js';
import type { FetchOptions } from './cache.js';
import { type ModelSource, resolveModel } from './model-source.js';
import { loadAndFuse } from './tasks/types.js';
import { ZOO } from './zoo.js';

export const EXPORT_TASKS: readonly ZooTask[] = ['pose', 'seg', 'det', 'face', 'classify'];

/** `--input-size WxH` → [width, height]. */
export function parseInputSize(v: string | undefined): [number, number] | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)x(\d+)$/i.exec(v.trim());
  const size = m ? ([Number(m[1]), Number(m[2])] as [number, number]) : null;
  if (!size || size[0] < 1 || size[1] < 1 || size[0] > 16384 || size[1] > 16384) {
    throw new CliError(`--input-size: expected WIDTHxHEIGHT in pixels (e.g. 192x256), found '${v}'`, EXIT.usage);
  }
  return size;
}

async function readText(model: string): Promise<string | null> {
  try {
    const s = await stat(model);
    // the text is parsed by the sync create*Model, which needs the YAML parser loaded first
    if (s.isDirectory()) return await loadYamlSupport().then(() => readFile(join(model, 'config.yaml'), 'utf8'));
    if (s.isFile() && /\.ya?ml$/i.test(model)) return await loadYamlSupport().then(() => readFile(model, 'utf8'));
  } catch {
    // not a file: a zoo name or preset
  }
  return null;
}

/**
 * Which task's network `--model` names: a zoo entry says; an official YAML by its MODEL.NAME (FCOS for
 * detection, a face data set for face); a preset by the head whose preset table has it. `--task` decides
 * when these disagree or say nothing.
 */
export async function exportTask(model: string, explicit?: string): Promise<ZooTask> {
  if (explicit !== undefined) {
    if (!EXPORT_TASKS.includes(explicit as ZooTask)) throw new CliError(`--task: expected one of ${EXPORT_TASKS.join(', ')}, found '${explicit}'`, EXIT.usage);
    return explicit as ZooTask;
  }
  const entry = getZooEntry(model, ZOO);
  if (entry) return entry.task;
  const text = await readText(model);
  if (text !== null) {
    if (/\bFCOS/.test(text)) return 'det';
    const name = /^\s*NAME:\s*['"]?([\w-]+)/m.exec(text.slice(text.search(/^MODEL:/m)))?.[1];
    if (name === 'pose_hrnet' || name === 'pose_higher_hrnet') return 'pose';
    if (name === 'seg_hrnet' || name === 'seg_hrnet_ocr') return 'seg';
    if (name === 'cls_hrnet') return 'classify';
    if (/^\s*DATASET:\s*['"]?(300W|WFLW|COFW|AFLW)/im.test(text)) return 'face';
    throw new CliError(`--model ${model}: cannot tell which task this YAML is for (MODEL.NAME ${name ?? 'missing'}): add --task ${EXPORT_TASKS.join('|')}`, EXIT.usage);
  }
  const tries: [ZooTask, (n: string) => unknown][] = [
    ['pose', (n) => (bottomUpPresetName(n) ? true : poseNetworkPresetConfig(n))],
    ['seg', segmentationPresetConfig],
    ['det', detectionPresetConfig],
    ['face', facePresetConfig],
    ['classify', (n) => backbonePreset(normalizePresetName(n), { fuseUpsample: { mode: 'nearest' }, multiScaleOutput: true })],
  ];
  const hits = tries.filter(([, f]) => {
    try {
      f(model);
      return true;
    } catch {
      return false;
    }
  });
  if (hits.length === 1) return hits[0]![0];
  throw new CliError(
    hits.length
      ? `--model '${model}' is a preset of ${hits.map(([t]) => t).join(' and ')}: add --task`
      : `--model '${model}' is not a zoo name, YAML file, folder or preset of any task (see \`hrnet zoo\`)`,
    EXIT.usage,
  );
}

interface Built {
  model: Module<tf.Tensor4D, any>;
  /** The input size the task's pre-processing feeds the network, [width, height]. */
  inputSize: [number, number];
  dispose(): void;
}

/** The loaded, fused network of `source` and the input size its head feeds it by default. */
async function buildNetwork(source: ModelSource): Promise<Built> {
  const common = { model: source.config, weights: source.stateDict, keyMapping: 'official' as const };
  switch (source.task) {
    case 'pose': {
      if (isBottomUpPoseSource(source)) {
        // HigherHRNet: the official resize makes a square image INPUT_SIZE x INPUT_SIZE at scale 1
        const m = await createMultiPoseEstimator(common);
        const side = m.model.bottomUpConfig.inputSize;
        return { model: m.model as never, inputSize: [side, side], dispose: () => m.dispose() };
      }
      const e = await createPoseEstimator(common);
      return { model: e.model, inputSize: [...e.inputSize] as [number, number], dispose: () => e.dispose() };
    }
    case 'face': {
      const a = await createFaceAligner(common);
      return { model: a.model, inputSize: [...a.model.faceConfig.imageSize] as [number, number], dispose: () => a.dispose() };
    }
    case 'classify': {
      const c = await createClassifier(common);
      return { model: c.model, inputSize: [224, 224], dispose: () => c.dispose() };
    }
    case 'seg': {
      const m = loadAndFuse(createSegmentationModel(source.config), source);
      return { model: m as never, inputSize: [...m.segConfig.test.cropSize] as [number, number], dispose: () => m.dispose() };
    }
    case 'det': {
      const d = await createDetector(common);
      // the official test resize of a landscape image: short side minSize, long side up to maxSize, padded
      const { minSize, maxSize, sizeDivisibility } = d.model.detConfig.input;
      const pad = (n: number) => (sizeDivisibility > 0 ? Math.ceil(n / sizeDivisibility) * sizeDivisibility : n);
      return { model: d.model as never, inputSize: [pad(maxSize), pad(minSize)], dispose: () => d.dispose() };
    }
  }
}

export interface OnnxExportArgs {
  checkpoint?: string;
  model: string;
  task?: string;
  inputSize?: [number, number];
  keys?: string;
  layout?: OnnxLayout;
}

/** Builds the network and exports it; returns the bytes and what was exported, for the log line. */
export async function exportCheckpointToOnnx(a: OnnxExportArgs, fetchOptions: FetchOptions): Promise<{ bytes: Uint8Array; source: ModelSource; inputSize: [number, number] }> {
  const task = await exportTask(a.model, a.task);
  const source = await resolveModel(task, a.model, a.checkpoint, { ...fetchOptions, keys: a.keys });
  let built: Built;
  try {
    built = await buildNetwork(source);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`cannot build the ${task} network from ${source.configLabel} with ${source.weightsLabel}: ${(e as Error).message}`);
  }
  try {
    const inputSize = a.inputSize ?? built.inputSize;
    const bytes = exportOnnx(built.model, { inputSize, layout: a.layout, producerVersion: 'hrnet-js cli' });
    return { bytes, source, inputSize };
  } finally {
    built.dispose();
  }
}
