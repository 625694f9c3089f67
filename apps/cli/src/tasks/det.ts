import * as headDet from '@hrnetjs/head-det';
import type { BackendName } from '@hrnetjs/core';
import { CliError } from '../exit-codes.js';
import { Svg, colour } from '../draw.js';
import type { ScoredBox } from './boxes.js';
import type { ImageOutcome, RunnerOptions, TaskRunner } from './types.js';

/** One detection as the CLI writes it (COCO results fields plus the class name). */
export interface CliDetection {
  bbox: [number, number, number, number];
  score: number;
  category_id: number;
  name: string;
}

interface DetectorLike {
  detect(image: unknown, options?: Record<string, unknown>): Promise<unknown[]>;
  dispose(): void;
}

/**
 * head-det's high-level API (`createDetector`), looked up at run time: the CLI builds before every head has
 * one, and says so instead of failing to build. Detections are normalised to `{ bbox: [x, y, w, h], score,
 * category_id, name }` from the field names the detector uses.
 */
async function buildDetector(o: RunnerOptions): Promise<DetectorLike> {
  const create = (headDet as Record<string, unknown>).createDetector as
    | ((c: Record<string, unknown>) => Promise<DetectorLike>)
    | undefined;
  if (typeof create !== 'function') {
    throw new CliError('@hrnetjs/head-det does not export createDetector yet: detection is not available in this build');
  }
  try {
    return await create({ model: o.source.config, weights: o.source.stateDict, keyMapping: 'official', backend: o.backend as BackendName, engine: o.engine, engineOptions: o.engineOptions });
  } catch (e) {
    throw new CliError(`cannot build the detector from ${o.source.configLabel} with ${o.source.weightsLabel}: ${(e as Error).message}`);
  }
}

function normalise(d: Record<string, unknown>): CliDetection {
  let bbox = (d.bbox ?? d.box) as number[];
  if (!bbox && Array.isArray(d.xyxy)) {
    const [x1, y1, x2, y2] = d.xyxy as number[];
    bbox = [x1!, y1!, x2! - x1!, y2! - y1!];
  }
  // head-det's `label` is a 0-based class index; COCO results need the category id (1…90, with gaps)
  const ids = (headDet as Record<string, unknown>).COCO_CATEGORY_IDS as readonly number[] | undefined;
  const label = d.label as number | undefined;
  const categoryId = (d.category_id ?? d.categoryId ?? (label !== undefined ? (ids?.[label] ?? label + 1) : undefined)) as number;
  return { bbox: bbox.slice(0, 4) as CliDetection['bbox'], score: Number(d.score), category_id: categoryId, name: String(d.name ?? d.className ?? categoryId) };
}

export async function createDetRunner(o: RunnerOptions): Promise<TaskRunner & { boxesFor(image: unknown): Promise<ScoredBox[]> }> {
  const detector = await buildDetector(o);
  const minScore = Number(o.args['score-threshold'] ?? 0.3);
  const results: (CliDetection & { image_id: number })[] = [];
  const detect = async (image: unknown) =>
    (await detector.detect(image)).map((d) => normalise(d as Record<string, unknown>)).filter((d) => d.score >= minScore);
  return {
    description: `detection ${o.source.configLabel}, weights ${o.source.weightsLabel}, score ≥ ${minScore}`,
    async process(image, ctx): Promise<ImageOutcome> {
      const dets = await detect(image);
      dets.forEach((d) => results.push({ image_id: ctx.imageId, ...d }));
      const svg = new Svg(image.width, image.height);
      dets.forEach((d) => svg.box(d.bbox[0], d.bbox[1], d.bbox[2], d.bbox[3], colour(d.category_id), `${d.name} ${d.score.toFixed(2)}`));
      return { summary: `${dets.length} detection${dets.length === 1 ? '' : 's'}`, record: { file: ctx.file, image_id: ctx.imageId, detections: dets }, svg: svg.toString() };
    },
    // COCO detection results: [{ image_id, category_id, bbox, score }]
    results: () => results.map(({ image_id, category_id, bbox, score }) => ({ image_id, category_id, bbox, score })),
    async boxesFor(image: unknown): Promise<ScoredBox[]> {
      return (await detect(image)).filter((d) => d.category_id === 1).map((d) => ({ box: d.bbox, score: d.score }));
    },
    dispose: () => detector.dispose(),
  };
}
