import { type FaceAligner, type FaceLandmarks, createFaceAligner } from '@hrnetjs/face-align';
import type { BackendName } from '@hrnetjs/core';
import { CliError } from '../exit-codes.js';
import { Svg, colour } from '../draw.js';
import { BoxSource } from './boxes.js';
import type { ImageOutcome, RunnerOptions, TaskRunner } from './types.js';

/** Facial landmarks with face-align's aligner; face boxes from `--boxes` (COCO detections) or the whole image. */
export async function createFaceRunner(o: RunnerOptions): Promise<TaskRunner> {
  let aligner: FaceAligner;
  try {
    aligner = await createFaceAligner({ model: o.source.config, weights: o.source.stateDict, keyMapping: 'official', backend: o.backend as BackendName, engine: o.engine, engineOptions: o.engineOptions });
  } catch (e) {
    throw new CliError(`cannot build the face model from ${o.source.configLabel} with ${o.source.weightsLabel}: ${(e as Error).message}`);
  }
  const boxFile = o.args.boxes as string | undefined;
  const fromFile = boxFile ? await BoxSource.fromCocoResults(boxFile) : null;
  const records: { file: string; image_id: number; faces: FaceLandmarks[] }[] = [];
  return {
    description: `face ${o.source.configLabel}, weights ${o.source.weightsLabel}, ${fromFile ? `boxes from ${boxFile}` : 'the whole image as the face box (no --boxes)'}`,
    async process(image, ctx): Promise<ImageOutcome> {
      const boxes = fromFile ? fromFile.boxes(ctx.imageId).map((b) => b.box) : [[0, 0, image.width, image.height] as [number, number, number, number]];
      const faces = await aligner.estimateLandmarks(image, { faces: boxes.map((box) => ({ box })), flipTest: o.flipTest ?? false });
      records.push({ file: ctx.file, image_id: ctx.imageId, faces });
      const svg = new Svg(image.width, image.height);
      faces.forEach((f, i) => {
        svg.box(f.box[0], f.box[1], f.box[2], f.box[3], colour(i));
        f.landmarks.forEach((l) => svg.point(l.x, l.y, colour(i), 2));
      });
      return { summary: `${faces.length} face${faces.length === 1 ? '' : 's'}, ${faces[0]?.landmarks.length ?? 0} landmarks each`, record: records.at(-1), svg: svg.toString() };
    },
    results: () => records,
    dispose: () => aligner.dispose(),
  };
}
