/** `hrnet convert <checkpoint> --to safetensors|tfjs [--float16] [--out path] [--keys mapping]`. */
import { basename, dirname, extname, join } from 'node:path';
import { type ZooTask, applyZooKeyMapping, detectCheckpointFormat, keyMapping } from '@hrnetjs/core';
import { writeSafetensorsFile, writeTfjsWeightsFiles } from '@hrnetjs/core/node';
import { readFile } from 'node:fs/promises';
import { CliError, EXIT } from '../exit-codes.js';
import { loadWeights } from '../model-source.js';
import type { Context } from '../context.js';

export interface ConvertArgs {
  input: string;
  to: string;
  out?: string;
  float16: boolean;
  keys?: string;
  task?: ZooTask;
}

export async function convert(ctx: Context, a: ConvertArgs): Promise<number> {
  if (a.to !== 'safetensors' && a.to !== 'tfjs') throw new CliError(`--to: expected safetensors or tfjs, found '${a.to}'`, EXIT.usage);
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
