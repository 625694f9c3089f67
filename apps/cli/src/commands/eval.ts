/**
 * `hrnet eval pose|det|seg|face`: scores from result and ground-truth files, with the evaluators of core
 * (COCO AP with pycocotools semantics, segmentation confusion matrix) and face-align (NME).
 */
import { readFile, readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { COCO_BBOX_STAT_NAMES, COCO_KEYPOINT_STAT_NAMES, SegmentationMetric, evaluateCoco, formatCocoStats } from '@hrnetjs/core';
import type { CocoGroundTruth, CocoResult } from '@hrnetjs/core';
import { computeNme, summarizeNme } from '@hrnetjs/face-align';
import { CliError, EXIT } from '../exit-codes.js';
import { readLabelImage } from '../images.js';
import type { Context } from '../context.js';

export interface EvalArgs {
  task: string;
  results?: string;
  gt?: string;
  classes?: number;
  ignore?: number;
  json: boolean;
}

async function readJson<T>(path: string | undefined, what: string): Promise<T> {
  if (!path) throw new CliError(`--${what} <file> is required`, EXIT.usage);
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (e) {
    throw new CliError(`--${what} ${path}: ${(e as Error).message}`);
  }
}

async function labelFiles(dir: string): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for (const f of await readdir(dir)) if (/\.png$/i.test(f)) m.set(basename(f, extname(f)).replace(/_(gtFine_)?label(Ids|TrainIds)?$/, ''), join(dir, f));
  return m;
}

export async function evaluate(ctx: Context, a: EvalArgs): Promise<number> {
  let report: Record<string, unknown>;
  let text: string;
  if (a.task === 'pose' || a.task === 'det') {
    const gt = await readJson<CocoGroundTruth>(a.gt, 'gt');
    const dt = await readJson<CocoResult[]>(a.results, 'results');
    const iouType = a.task === 'pose' ? 'keypoints' : 'bbox';
    const r = evaluateCoco(gt, dt, { iouType });
    const names = iouType === 'keypoints' ? COCO_KEYPOINT_STAT_NAMES : COCO_BBOX_STAT_NAMES;
    report = { task: a.task, iouType, stats: Object.fromEntries(names.map((n, i) => [n, r.stats[i]])) };
    text = formatCocoStats(r);
  } else if (a.task === 'seg') {
    if (!a.results || !a.gt) throw new CliError('hrnet eval seg needs --results <folder of predicted label PNGs> and --gt <folder of ground-truth label PNGs>', EXIT.usage);
    if (!a.classes) throw new CliError('hrnet eval seg needs --classes <number of classes>', EXIT.usage);
    const preds = await labelFiles(a.results);
    const gts = await labelFiles(a.gt);
    const metric = new SegmentationMetric({ numClasses: a.classes, ignoreLabel: a.ignore ?? 255 });
    let n = 0;
    for (const [stem, gtPath] of gts) {
      const predPath = preds.get(stem);
      if (!predPath) throw new CliError(`no prediction for ground truth ${gtPath} (looked for ${stem}.png in ${a.results})`);
      const [p, g] = await Promise.all([readLabelImage(predPath), readLabelImage(gtPath)]);
      if (p.width !== g.width || p.height !== g.height) {
        throw new CliError(`${stem}: prediction is ${p.width}x${p.height} but ground truth is ${g.width}x${g.height}`);
      }
      metric.update(p.data, g.data);
      n++;
    }
    if (!n) throw new CliError(`no ground-truth PNGs in ${a.gt}`);
    const s = metric.compute();
    report = { task: 'seg', images: n, mIoU: s.meanIoU, pixelAccuracy: s.pixelAccuracy, meanAccuracy: s.meanAccuracy, iou: Array.from(s.iou) };
    text = `mIoU ${(100 * s.meanIoU).toFixed(2)}  pixel acc ${(100 * s.pixelAccuracy).toFixed(2)}  mean acc ${(100 * s.meanAccuracy).toFixed(2)}  (${n} images)`;
  } else if (a.task === 'face') {
    type Pt = [number, number];
    const res = await readJson<{ file: string; faces: { landmarks: { x: number; y: number }[] }[] }[]>(a.results, 'results');
    const gt = await readJson<{ file: string; landmarks: Pt[]; box_size?: number }[]>(a.gt, 'gt');
    const byFile = new Map(res.map((r) => [basename(r.file), r]));
    const preds: Pt[][] = [];
    const gts: Pt[][] = [];
    const boxSizes: number[] = [];
    for (const g of gt) {
      const r = byFile.get(basename(g.file));
      const face = r?.faces[0];
      if (!face) throw new CliError(`no landmarks for ${g.file} in ${a.results}`);
      preds.push(face.landmarks.map((l) => [l.x, l.y] as Pt));
      gts.push(g.landmarks);
      if (g.box_size !== undefined) boxSizes.push(g.box_size);
    }
    const nmes = computeNme(preds, gts, boxSizes.length === gts.length ? { boxSizes } : {});
    const s = summarizeNme(nmes);
    report = { task: 'face', ...s, perFace: nmes };
    text = `NME ${(100 * s.nme).toFixed(2)}%  failure rate@${s.threshold} ${(100 * s.failureRate).toFixed(2)}%  AUC@${s.threshold} ${s.auc.toFixed(4)}  (${s.count} faces)`;
  } else {
    throw new CliError(`hrnet eval: expected pose, det, seg or face, found '${a.task}'`, EXIT.usage);
  }
  ctx.out(a.json ? `${JSON.stringify(report, null, 2)}\n` : `${text}\n`);
  return EXIT.ok;
}
