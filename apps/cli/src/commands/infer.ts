/**
 * `hrnet pose|seg|det|face|classify <inputs…>`: batch inference with a progress bar. Every input that fails
 * (unreadable image, missing file, empty folder) is reported with its reason and the batch goes on; the
 * exit code is 3 when any failed. Outputs in `--out`: `<task>.json` (COCO results for pose and det),
 * `<task>_images.json` (per image records and the image ids used), `summary.json`, and with `--annotate`
 * annotated images (segmentation: blended overlays and colour masks). `<task>_images.jsonl` gets one line a
 * finished image as it finishes; on SIGINT/SIGTERM the batch stops after the current image, writes every
 * output for what finished, says in `summary.json` where it stopped, and exits 130.
 */
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { ZooTask } from '@hrnetjs/core';
import { EXIT, CliError } from '../exit-codes.js';
import { readImage, writeImage } from '../images.js';
import { expandInputs } from '../inputs.js';
import { resolveModel } from '../model-source.js';
import { useOnnxRuntimeNode } from '../onnxruntime.js';
import { Progress } from '../progress.js';
import { createClassifyRunner } from '../tasks/classify.js';
import { createDetRunner } from '../tasks/det.js';
import { createFaceRunner } from '../tasks/face.js';
import { createPoseRunner } from '../tasks/pose.js';
import { createBottomUpPoseRunner, isBottomUpPoseSource } from '../tasks/pose-bottom-up.js';
import { createSegRunner } from '../tasks/seg.js';
import type { RunnerOptions, TaskRunner } from '../tasks/types.js';
import type { Context } from '../context.js';

export interface InferArgs {
  task: ZooTask;
  inputs: string[];
  model?: string;
  weights?: string;
  keys?: string;
  out: string;
  annotate: boolean;
  flip?: boolean;
  recursive?: boolean;
  imageIds?: string;
  /** Task options (boxes, thresholds, …). */
  extra: Record<string, string | boolean | string[] | undefined>;
  detModel?: string;
  detWeights?: string;
  /** `--engine` / `--threads` (checked by the command line). */
  engine?: 'tfjs' | 'onnxruntime';
  threads?: number;
}

export interface FileFailure {
  input: string;
  message: string;
}

export interface InferSummary {
  task: ZooTask;
  backend: string;
  engine: string;
  model: string;
  processed: number;
  failed: FileFailure[];
  outputs: string[];
  /** Set when a signal stopped the batch: which, and the inputs not processed. */
  interrupted?: { signal: string; stoppedBefore: string | null; remaining: number };
}

/** COCO image ids: from `--image-ids <gt.json>` by file name, else a numeric file stem, else the batch index. */
async function imageIdResolver(gtPath: string | undefined): Promise<(file: string, index: number) => number> {
  const byName = new Map<string, number>();
  if (gtPath) {
    let gt: { images?: { id: number; file_name: string }[] };
    try {
      gt = JSON.parse(await readFile(gtPath, 'utf8')) as typeof gt;
    } catch (e) {
      throw new CliError(`--image-ids ${gtPath}: ${(e as Error).message}`);
    }
    for (const im of gt.images ?? []) byName.set(basename(im.file_name), im.id);
  }
  return (file, index) => {
    const name = basename(file);
    const known = byName.get(name);
    if (known !== undefined) return known;
    const stem = basename(file, extname(file));
    return /^\d+$/.test(stem) ? Number(stem) : index + 1;
  };
}

export async function buildRunner(ctx: Context, a: InferArgs): Promise<TaskRunner> {
  const source = await resolveModel(a.task, a.model, a.weights, { ...ctx.fetchOptions, keys: a.keys });
  const o: RunnerOptions = {
    source,
    backend: ctx.backend,
    flipTest: a.flip,
    args: a.extra,
    log: ctx.log,
    engine: a.engine,
    engineOptions: a.threads !== undefined ? { threads: a.threads } : undefined,
  };
  switch (a.task) {
    case 'classify':
      return createClassifyRunner(o);
    case 'seg':
      return createSegRunner(o);
    case 'face':
      return createFaceRunner(o);
    case 'det':
      return createDetRunner(o);
    case 'pose': {
      if (isBottomUpPoseSource(o.source)) {
        // the network finds every person itself; boxes would be silently ignored
        if (a.detModel || a.extra.boxes) {
          throw new CliError(`--model ${a.model} is a bottom-up (HigherHRNet) model: it finds every person itself; --boxes and --det-model are for top-down models`, EXIT.usage);
        }
        return createBottomUpPoseRunner(o);
      }
      if (a.detModel && !a.extra.boxes) {
        const detSource = await resolveModel('det', a.detModel, a.detWeights, ctx.fetchOptions);
        const det = await createDetRunner({ ...o, source: detSource });
        const runner = await createPoseRunner(o, { describe: `person boxes from ${detSource.configLabel}`, boxes: (img) => det.boxesFor(img) });
        return {
          ...runner,
          dispose: () => {
            runner.dispose();
            det.dispose();
          },
        };
      }
      return createPoseRunner(o);
    }
  }
}

export async function runInference(ctx: Context, a: InferArgs): Promise<{ code: number; summary: InferSummary }> {
  // an engine that cannot load says so before any model is downloaded or read
  if (a.engine === 'onnxruntime') await useOnnxRuntimeNode();
  const { files, problems } = await expandInputs(a.inputs, { recursive: a.recursive });
  const failed: FileFailure[] = problems.map((p) => ({ input: p.input, message: p.message }));
  for (const p of problems) ctx.err(`${p.input}: ${p.message}`);
  const runner = await buildRunner(ctx, a);
  const outputs: string[] = [];
  let processed = 0;
  const idOf = await imageIdResolver(a.imageIds);
  const images: unknown[] = [];
  const jsonlPath = join(a.out, `${a.task}_images.jsonl`);
  let interrupted: NodeJS.Signals | null = null;
  let stoppedAt = -1;
  let removeHandlers = () => {};
  try {
    ctx.log(`${runner.description}; backend ${ctx.backend}; engine ${a.engine ?? 'tfjs'}${a.threads !== undefined ? ` (${a.threads} thread${a.threads === 1 ? '' : 's'})` : ''}`);
    await mkdir(a.out, { recursive: true });
    await writeFile(jsonlPath, '');
    const bar = new Progress({ total: files.length, label: a.task, itemName: 'images', stream: ctx.stderr });
    // a signal stops the batch after the current image (a second one kills as usual: the handlers are once)
    const onSignal = (signal: NodeJS.Signals) => {
      interrupted = signal;
      bar.message(`${signal}: stopping after the current image; what finished is kept`);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    removeHandlers = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
    for (const [i, file] of files.entries()) {
      if (interrupted) {
        stoppedAt = i;
        break;
      }
      const imageId = idOf(file, i);
      const before = tf.memory().numTensors;
      try {
        let image: Awaited<ReturnType<typeof readImage>>;
        try {
          image = await readImage(file);
        } catch (e) {
          throw new Error(`cannot decode image (${(e as Error).message})`);
        }
        const outcome = await runner.process(image, { file, imageId });
        images.push(outcome.record);
        await appendFile(jsonlPath, `${JSON.stringify(outcome.record)}\n`);
        const stem = basename(file, extname(file));
        if (a.annotate) {
          const dest = join(a.out, 'annotated', `${stem}.png`);
          await writeImage(dest, { data: outcome.pixels ?? image.data, width: image.width, height: image.height, channels: 3 }, outcome.svg);
          outputs.push(dest);
        }
        for (const x of outcome.extra ?? []) {
          const p = join(a.out, x.folder, `${stem}${x.suffix}.png`);
          await writeImage(p, { data: x.pixels, width: x.width, height: x.height, channels: x.channels });
          outputs.push(p);
        }
        processed++;
        if (ctx.verbose) bar.message(`${file}: ${outcome.summary}`);
      } catch (e) {
        const message = (e as Error).message;
        failed.push({ input: file, message });
        bar.message(`${file}: FAILED: ${message}`);
      } finally {
        const leaked = tf.memory().numTensors - before;
        if (leaked > 0 && ctx.verbose) bar.message(`${file}: ${leaked} tensors left after the image (a leak)`);
      }
      bar.tick();
    }
    bar.finish();
    const resultsPath = join(a.out, `${a.task}.json`);
    await writeFile(resultsPath, JSON.stringify(runner.results()));
    const imagesPath = join(a.out, `${a.task}_images.json`);
    await writeFile(imagesPath, JSON.stringify(images));
    outputs.unshift(resultsPath, imagesPath, jsonlPath);
  } finally {
    removeHandlers();
    runner.dispose();
  }
  const summary: InferSummary = { task: a.task, backend: ctx.backend, engine: a.engine ?? 'tfjs', model: runner.description, processed, failed, outputs };
  const signal = interrupted as NodeJS.Signals | null;
  if (signal) {
    summary.interrupted = { signal, stoppedBefore: stoppedAt >= 0 ? files[stoppedAt]! : null, remaining: stoppedAt >= 0 ? files.length - stoppedAt : 0 };
  }
  const summaryPath = join(a.out, 'summary.json');
  await writeFile(summaryPath, JSON.stringify(summary, null, 2));
  ctx.log(`${processed} image${processed === 1 ? '' : 's'} done, ${failed.length} failed; results in ${a.out}/ (${a.task}.json${a.annotate ? ', annotated/' : ''})`);
  for (const f of failed) ctx.err(`  failed: ${f.input}: ${f.message}`);
  if (signal) {
    ctx.err(`interrupted by ${signal}: ${summary.interrupted!.remaining} input(s) not processed${summary.interrupted!.stoppedBefore ? `, from ${summary.interrupted!.stoppedBefore}` : ''}`);
    return { code: EXIT.interrupted, summary };
  }
  const code = failed.length === 0 ? EXIT.ok : processed === 0 && files.length === 0 ? EXIT.error : EXIT.partial;
  return { code, summary };
}
