/**
 * `hrnet convert <checkpoint> --to safetensors|tfjs [--float16] [--out path] [--keys mapping]`, and
 * `hrnet convert <checkpoint|zoo name> --to onnx --model <zoo|preset|yaml|folder> [--input-size WxH] [--task t]`.
 */
import { basename, dirname, extname, join } from 'node:path';
import { type ZooTask, applyZooKeyMapping, detectCheckpointFormat, getZooEntry, keyMapping } from '@hrnetjs/core';
import { writeSafetensorsFile, writeTfjsWeightsFiles } from '@hrnetjs/core/node';
import { readFile, writeFile } from 'node:fs/promises';
import { CliError, EXIT } from '../exit-codes.js';
import { loadWeights } from '../model-source.js';
import { exportCheckpointToOnnx } from '../onnx-export.js';
import { ZOO } from '../zoo.js';
import type { Context } from '../context.js';

export interface ConvertArgs {
  input: string;
  to: string;
  out?: string;
  float16: boolean;
  keys?: string;
  task?: ZooTask;
  /** --to onnx: the network (zoo name, preset, YAML, folder); default the checkpoint argument when it is a zoo name. */
  model?: string;
  /** --to onnx: `--task`, when `model` does not say. */
  taskName?: string;
  /** --to onnx: [width, height] (default: the size the task's pre-processing feeds the network). */
  inputSize?: [number, number];
  /** --to onnx: `--layout nhwc|nchw` (default nhwc). */
  layout?: string;
}

async function convertToOnnx(ctx: Context, a: ConvertArgs): Promise<number> {
  if (a.float16) throw new CliError('--float16 applies to safetensors and tfjs; ONNX files are written in float32', EXIT.usage);
  const zooName = getZooEntry(a.input, ZOO) ? a.input : undefined;
  const model = a.model ?? zooName;
  if (!model) throw new CliError(`--to onnx needs --model (the zoo name, preset or YAML the checkpoint is for), unless the argument is a zoo name`, EXIT.usage);
  // the argument is the checkpoint, or the zoo name itself (its weights fetched as the task commands do)
  const checkpoint = a.model === undefined && zooName ? undefined : a.input;
  const layout = (a.layout ?? 'nhwc').toUpperCase();
  if (layout !== 'NHWC' && layout !== 'NCHW') throw new CliError(`--layout: expected nhwc or nchw, found '${a.layout}'`, EXIT.usage);
  const { bytes, source, inputSize } = await exportCheckpointToOnnx(
    { checkpoint, model, task: a.taskName, inputSize: a.inputSize, keys: a.keys, layout },
    ctx.fetchOptions,
  );
  const [w, h] = inputSize;
  const from = checkpoint ?? source.weightsLabel;
  const stem = basename(from, extname(from)) === 'model' ? basename(dirname(from)) : basename(from, extname(from));
  const out = a.out ?? join(checkpoint ? dirname(checkpoint) : '.', `${stem}_${w}x${h}.onnx`);
  await writeFile(out, bytes);
  ctx.log(`wrote ${out} (${(bytes.length / 1e6).toFixed(1)} MB, ONNX opset 17, input ${layout === 'NCHW' ? `N x 3 x ${h} x ${w} NCHW` : `N x ${h} x ${w} x 3 NHWC`}, ${source.task} network of ${source.configLabel}, weights ${source.weightsLabel}, keys ${source.keyMapping})`);
  ctx.out(`${out}\n`);
  return EXIT.ok;
}

export async function convert(ctx: Context, a: ConvertArgs): Promise<number> {
  if (a.to === 'onnx') return convertToOnnx(ctx, a);
  if (a.to !== 'safetensors' && a.to !== 'tfjs') throw new CliError(`--to: expected safetensors, tfjs or onnx, found '${a.to}'`, EXIT.usage);
  for (const [flag, given] of [['--model', a.model], ['--input-size', a.inputSize], ['--task', a.taskName], ['--layout', a.layout]] as const) {
    if (given !== undefined) throw new CliError(`${flag} applies to --to onnx only (safetensors and tfjs keep the checkpoint's tensors as they are)`, EXIT.usage);
  }
  const { sd: raw, path } = await loadWeights(a.input, ctx.fetchOptions);
  const sd = a.keys ? applyZooKeyMapping(raw, keyMapping(a.keys)) : raw;
  const format = detectCheckpointFormat(new Uint8Array(await readFile(path)));
  const stem = basename(path, extname(path)) === 'model' ? basename(dirname(path)) : basename(path, extname(path));
  const meta = { source: basename(path), source_format: String(format), converted_by: 'hrnet-js cli' };
  if (a.to === 'safetensors') {
    const out = a.out ?? join(dirname(path), `${stem}${a.float16 ? '.f16' : ''}.safetensors`);
    await writeSafetensorsFile(out, sd, { float16: a.float16, metadata: meta });
    ctx.log(`wrote ${out} (${sd.size} tensors${a.float16 ? ', float16' : ''}) from ${path} (${format})`);
    ctx.out(`${out}\n`);
  } else {
    const dir = a.out ?? join(dirname(path), `${stem}${a.float16 ? '_f16' : ''}_tfjs`);
    const { paths } = await writeTfjsWeightsFiles(dir, sd, { float16: a.float16, metadata: meta });
    ctx.log(`wrote ${paths.length} files to ${dir} (${sd.size} tensors${a.float16 ? ', float16' : ''}) from ${path} (${format})`);
    ctx.out(`${paths[0]}\n`);
  }
  return EXIT.ok;
}
